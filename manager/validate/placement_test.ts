import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { PlacementPreferenceSchema, PlacementSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validatePlacement } from "./placement.ts";

const spread = (spreadDescriptor: string) =>
  create(PlacementPreferenceSchema, {
    preference: { case: "spread", value: { spreadDescriptor } },
  });

Deno.test("validatePlacement accepts constraints and spread preferences", () => {
  validatePlacement(undefined);
  validatePlacement(create(PlacementSchema));
  validatePlacement(
    create(PlacementSchema, {
      constraints: ["node.role==worker", "node.labels.zone!=east"],
      preferences: [spread("node.labels.zone")],
      maxReplicas: 2,
    }),
  );
});

Deno.test("validatePlacement rejects bad constraints", () => {
  assert.throws(
    () => validatePlacement(create(PlacementSchema, { constraints: ["node.role=worker"] })),
    { name: "ValidationError", message: /invalid constraint "node.role=worker"/ },
  );
});

Deno.test("validatePlacement rejects empty and unset preferences", () => {
  assert.throws(
    () => validatePlacement(create(PlacementSchema, { preferences: [spread(" ")] })),
    /the spread descriptor is empty/,
  );
  assert.throws(
    () =>
      validatePlacement(
        create(PlacementSchema, { preferences: [create(PlacementPreferenceSchema)] }),
      ),
    /only spread preferences are supported/,
  );
});
