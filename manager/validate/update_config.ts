/**
 * Rules for a service's update and rollback configuration.
 *
 * @module
 */

import {
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { UpdateConfig } from "../../proto/gen/swarm/v1/types_pb.ts";
import { enumNames, isEnumValue } from "./_enum.ts";
import { validateDuration } from "./duration.ts";
import { ValidationError } from "./validation_error.ts";

/** The largest parallelism (a uint32). */
const MAX_PARALLELISM = 4_294_967_295;

/**
 * Checks the parallelism is a whole number that is not negative, delays are not negative, the
 * failure ratio is within [0, 1] and the enums are known.
 *
 * @param which "update" or "rollback", for the message.
 * @throws {ValidationError}
 */
export function validateUpdateConfig(
  u: UpdateConfig | undefined,
  which: "update" | "rollback",
): void {
  if (u === undefined) return;
  if (!Number.isInteger(u.parallelism) || u.parallelism < 0 || u.parallelism > MAX_PARALLELISM) {
    throw new ValidationError(
      `invalid ${which} parallelism ${u.parallelism}: must be a whole number from 0 to ${MAX_PARALLELISM} (0 replaces all tasks at once)`,
    );
  }
  validateDuration(u.delay, `${which} delay`);
  validateDuration(u.monitor, `${which} monitor`);
  if (!(u.maxFailureRatio >= 0 && u.maxFailureRatio <= 1)) {
    throw new ValidationError(
      `invalid ${which} max failure ratio ${u.maxFailureRatio}: must be between 0 and 1, e.g. 0.2 for 20%`,
    );
  }
  if (!isEnumValue(UpdateConfig_FailureAction, u.failureAction)) {
    throw new ValidationError(
      `invalid ${which} failure action ${u.failureAction}: use one of ${
        enumNames(UpdateConfig_FailureAction)
      }`,
    );
  }
  if (!isEnumValue(UpdateConfig_UpdateOrder, u.order)) {
    throw new ValidationError(
      `invalid ${which} order ${u.order}: use one of ${enumNames(UpdateConfig_UpdateOrder)}`,
    );
  }
}
