/**
 * Rules for a task's restart policy.
 *
 * @module
 */

import { RestartPolicy_Condition } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { RestartPolicy } from "../../proto/gen/swarm/v1/types_pb.ts";
import { enumNames, isEnumValue } from "./_enum.ts";
import { validateDuration } from "./duration.ts";
import { ValidationError } from "./validation_error.ts";

/**
 * Checks the condition is known and the delay and window are not negative.
 *
 * @throws {ValidationError}
 */
export function validateRestartPolicy(r: RestartPolicy | undefined): void {
  if (r === undefined) return;
  if (!isEnumValue(RestartPolicy_Condition, r.condition)) {
    throw new ValidationError(
      `invalid restart condition ${r.condition}: use one of ${enumNames(RestartPolicy_Condition)}`,
    );
  }
  validateDuration(r.delay, "restart delay");
  validateDuration(r.window, "restart window");
}
