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

/**
 * Checks a service spec: its name and labels, its task, its mode, and its update and rollback
 * configs. Job modes (replicated-job, global-job) must not have an update config; a global
 * service has no max replicas per node.
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
  switch (spec.mode.case) {
    case "replicated":
      break;
    case "global":
      if ((spec.task?.placement?.maxReplicas ?? 0) > 0) {
        throw new ValidationError(
          "invalid global service: max replicas per node applies to replicated services; a global service runs one task per node",
        );
      }
      break;
    case "replicatedJob":
    case "globalJob":
      if (spec.update !== undefined) {
        throw new ValidationError(
          `invalid ${
            spec.mode.case === "replicatedJob" ? "replicated-job" : "global-job"
          } service: jobs run to completion and cannot have an update config; remove it`,
        );
      }
      break;
    default:
      throw new ValidationError(
        "missing service mode: use replicated (with a replica count), global, replicated-job or global-job",
      );
  }
  validateUpdateConfig(spec.update, "update");
  validateUpdateConfig(spec.rollback, "rollback");
}
