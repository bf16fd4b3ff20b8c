/**
 * Rules for a node spec.
 *
 * @module
 */

import { NodeRole } from "../../proto/gen/swarm/v1/types_pb.ts";
import { NodeSpec_Availability, NodeSpec_Membership } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { NodeSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { enumNames, isEnumValue } from "./_enum.ts";
import { validateLabels } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/**
 * Checks the role, membership and availability are known values and label keys are non-empty.
 *
 * @throws {ValidationError}
 */
export function validateNodeSpec(spec: NodeSpec | undefined): void {
  if (spec === undefined) {
    throw new ValidationError("missing node spec: the request must carry a spec");
  }
  validateLabels(spec.annotations?.labels ?? {}, "node");
  if (!isEnumValue(NodeRole, spec.desiredRole)) {
    throw new ValidationError(
      `invalid node role ${spec.desiredRole}: use one of ${enumNames(NodeRole)}`,
    );
  }
  if (!isEnumValue(NodeSpec_Membership, spec.membership)) {
    throw new ValidationError(
      `invalid node membership ${spec.membership}: use one of ${enumNames(NodeSpec_Membership)}`,
    );
  }
  if (!isEnumValue(NodeSpec_Availability, spec.availability)) {
    throw new ValidationError(
      `invalid node availability ${spec.availability}: use one of ${
        enumNames(NodeSpec_Availability)
      }`,
    );
  }
}
