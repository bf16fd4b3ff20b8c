/**
 * Rules for a task's placement: constraints and spread preferences.
 *
 * @module
 */

import type { Placement } from "../../proto/gen/swarm/v1/types_pb.ts";
import { parseConstraints } from "./constraints.ts";
import { ValidationError } from "./validation_error.ts";

/**
 * Checks every constraint parses and every spread preference names a descriptor.
 *
 * @throws {ValidationError}
 */
export function validatePlacement(p: Placement | undefined): void {
  if (p === undefined) return;
  parseConstraints(p.constraints);
  for (const pref of p.preferences) {
    if (pref.preference.case !== "spread") {
      throw new ValidationError(
        "invalid placement preference: only spread preferences are supported, e.g. spread=node.labels.zone",
      );
    }
    if (pref.preference.value.spreadDescriptor.trim() === "") {
      throw new ValidationError(
        "invalid placement preference: the spread descriptor is empty; give a label, e.g. spread=node.labels.zone",
      );
    }
  }
}
