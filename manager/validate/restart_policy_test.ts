import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import { RestartPolicy_Condition, RestartPolicySchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateRestartPolicy } from "./restart_policy.ts";

const secs = (seconds: bigint) => create(DurationSchema, { seconds });

Deno.test("validateRestartPolicy accepts valid policies", () => {
  validateRestartPolicy(undefined);
  validateRestartPolicy(create(RestartPolicySchema));
  validateRestartPolicy(
    create(RestartPolicySchema, {
      condition: RestartPolicy_Condition.ON_FAILURE,
      delay: secs(5n),
      maxAttempts: 3,
      window: secs(60n),
    }),
  );
});

Deno.test("validateRestartPolicy rejects negative delay and window", () => {
  assert.throws(
    () => validateRestartPolicy(create(RestartPolicySchema, { delay: secs(-1n) })),
    { name: "ValidationError", message: "invalid restart delay -1s: must not be negative" },
  );
  assert.throws(
    () => validateRestartPolicy(create(RestartPolicySchema, { window: secs(-2n) })),
    /invalid restart window -2s/,
  );
});

Deno.test("validateRestartPolicy rejects unknown conditions", () => {
  assert.throws(
    () =>
      validateRestartPolicy(
        create(RestartPolicySchema, { condition: 7 as RestartPolicy_Condition }),
      ),
    /invalid restart condition 7: use one of none, on-failure, any/,
  );
});
