/**
 * Rules for a whole service spec (SwarmKit `manager/controlapi/service.go`).
 *
 * @module
 */

import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { validateLabels, validateServiceName } from "./names.ts";
import { validateTaskSpec } from "./task_spec.ts";
import { validateUpdateConfig } from "./update_config.ts";
import { ValidationError } from "./validation_error.ts";

/** Whether the spec's mode is a job's: replicated-job or global-job (tasks run to completion). */
export function isJobMode(spec: ServiceSpec | undefined): boolean {
  return spec?.mode.case === "replicatedJob" || spec?.mode.case === "globalJob";
}

const MODE_NAMES = {
  replicated: "replicated",
  global: "global",
  replicatedJob: "replicated-job",
  globalJob: "global-job",
} as const;

/**
 * Checks a service spec: its name and labels, its task, its mode, and its update and rollback
 * configs. Job modes (replicated-job, global-job) must not have an update or rollback config; a
 * replicated job runs at least one task at a time (its total completions may be 0); a global
 * service or job has no max replicas per node.
 *
 * @throws {ValidationError} naming the first problem found.
 */
export function validateServiceSpec(spec: ServiceSpec | undefined): void {
  if (spec === undefined) {
    throw new ValidationError("missing service spec: the request must carry a spec");
  }
  validateServiceName(spec.annotations?.name ?? "");
  validateLabels(spec.annotations?.labels ?? {}, "service");
  validateTaskSpec(spec.task);
  const mode = spec.mode;
  if (mode.case === undefined) {
    throw new ValidationError(
      "missing service mode: use replicated (with a replica count), global, replicated-job or global-job",
    );
  }
  const what = MODE_NAMES[mode.case];
  if ((mode.case === "global" || mode.case === "globalJob") && spec.task?.placement?.maxReplicas) {
    throw new ValidationError(
      `invalid ${what} service: max replicas per node applies to replicated services and jobs; a ${
        mode.case === "global" ? "global service" : "global job"
      } runs one task per node`,
    );
  }
  if (mode.case === "replicatedJob" && mode.value.maxConcurrent < 1) {
    throw new ValidationError(
      `invalid ${what} service: max concurrent must be at least 1 (the tasks the job runs at once)`,
    );
  }
  if (isJobMode(spec)) {
    const config = spec.update !== undefined
      ? "an update"
      : spec.rollback !== undefined
      ? "a rollback"
      : undefined;
    if (config !== undefined) {
      throw new ValidationError(
        `invalid ${what} service: jobs run to completion and cannot have ${config} config; remove it`,
      );
    }
  }
  validateUpdateConfig(spec.update, "update");
  validateUpdateConfig(spec.rollback, "rollback");
}
