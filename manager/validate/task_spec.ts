/**
 * Rules for a task spec: a runtime that can run, plus resources, restart policy and placement.
 *
 * @module
 */

import type { TaskSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { validateDuration } from "./duration.ts";
import { validateEnv } from "./env.ts";
import { quote, validateLabels } from "./names.ts";
import { validatePlacement } from "./placement.ts";
import { validateConfigReferences, validateSecretReferences } from "./references.ts";
import { validateResourceRequirements } from "./resources.ts";
import { validateRestartPolicy } from "./restart_policy.ts";
import { validateStopSignal } from "./signal.ts";
import { ValidationError } from "./validation_error.ts";

/** The message for a task spec that has nothing to run. */
export const MISSING_COMMAND_MESSAGE =
  "missing command: give the command after --, e.g. swarm service create --name web -- sleep 1000";

/**
 * Checks a task spec. The runtime must be `process` with a non-empty command or `container`
 * with an image.
 *
 * @throws {ValidationError}
 */
export function validateTaskSpec(task: TaskSpec | undefined): void {
  if (task === undefined) throw new ValidationError(MISSING_COMMAND_MESSAGE);
  const runtime = task.runtime;
  switch (runtime.case) {
    case "process": {
      const p = runtime.value;
      if (p.command.trim() === "") throw new ValidationError(MISSING_COMMAND_MESSAGE);
      validateEnv(p.env);
      validateStopSignal(p.stopSignal);
      validateDuration(p.stopGracePeriod, "stop grace period");
      validateSecretReferences(p.secrets);
      validateConfigReferences(p.configs);
      break;
    }
    case "container": {
      const c = runtime.value;
      if (c.image.trim() === "") {
        throw new ValidationError(
          "missing image: a container task needs an image, e.g. --image alpine:3.20",
        );
      }
      if (/\s/.test(c.image)) {
        throw new ValidationError(
          `invalid image ${quote(c.image)}: an image reference has no spaces, e.g. alpine:3.20`,
        );
      }
      validateEnv(c.env);
      validateLabels(c.labels, "container");
      validateStopSignal(c.stopSignal);
      validateDuration(c.stopGracePeriod, "stop grace period");
      validateSecretReferences(c.secrets);
      validateConfigReferences(c.configs);
      break;
    }
    default:
      throw new ValidationError(MISSING_COMMAND_MESSAGE);
  }
  validateResourceRequirements(task.resources);
  validateRestartPolicy(task.restart);
  validatePlacement(task.placement);
}
