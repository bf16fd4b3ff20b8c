import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  NodeSpec_Availability,
  NodeSpec_Membership,
  NodeSpecSchema,
} from "../../proto/gen/swarm/v1/specs_pb.ts";
import { NodeRole } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateNodeSpec } from "./node_spec.ts";

Deno.test("validateNodeSpec accepts known values", () => {
  validateNodeSpec(create(NodeSpecSchema));
  validateNodeSpec(
    create(NodeSpecSchema, {
      annotations: { name: "n1", labels: { zone: "east" } },
      desiredRole: NodeRole.MANAGER,
      membership: NodeSpec_Membership.ACCEPTED,
      availability: NodeSpec_Availability.DRAIN,
    }),
  );
});

Deno.test("validateNodeSpec rejects a missing spec, empty label keys and unknown values", () => {
  assert.throws(() => validateNodeSpec(undefined), {
    name: "ValidationError",
    message: /missing node spec/,
  });
  assert.throws(
    () => validateNodeSpec(create(NodeSpecSchema, { annotations: { labels: { "": "x" } } })),
    /invalid node label with an empty key/,
  );
  assert.throws(
    () => validateNodeSpec(create(NodeSpecSchema, { desiredRole: 5 as NodeRole })),
    /invalid node role 5: use one of worker, manager/,
  );
  assert.throws(
    () => validateNodeSpec(create(NodeSpecSchema, { membership: 9 as NodeSpec_Membership })),
    /invalid node membership 9: use one of pending, accepted/,
  );
  assert.throws(
    () => validateNodeSpec(create(NodeSpecSchema, { availability: 3 as NodeSpec_Availability })),
    /invalid node availability 3: use one of active, pause, drain/,
  );
});
