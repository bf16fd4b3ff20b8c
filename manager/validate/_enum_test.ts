import assert from "node:assert/strict";
import { RestartPolicy_Condition } from "../../proto/gen/swarm/v1/types_pb.ts";
import { enumNames, isEnumValue } from "./_enum.ts";

Deno.test("isEnumValue knows declared members only", () => {
  assert.ok(isEnumValue(RestartPolicy_Condition, 0));
  assert.ok(isEnumValue(RestartPolicy_Condition, 2));
  assert.ok(!isEnumValue(RestartPolicy_Condition, 3));
  assert.ok(!isEnumValue(RestartPolicy_Condition, -1));
});

Deno.test("enumNames lists members for messages", () => {
  assert.equal(enumNames(RestartPolicy_Condition), "none, on-failure, any");
});
