import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import {
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateConfigSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateUpdateConfig } from "./update_config.ts";

const secs = (seconds: bigint) => create(DurationSchema, { seconds });

Deno.test("validateUpdateConfig accepts valid configs", () => {
  validateUpdateConfig(undefined, "update");
  validateUpdateConfig(create(UpdateConfigSchema), "update");
  for (const ratio of [0, 0.5, 1]) {
    validateUpdateConfig(
      create(UpdateConfigSchema, {
        parallelism: 2,
        delay: secs(10n),
        monitor: secs(5n),
        maxFailureRatio: ratio,
        failureAction: UpdateConfig_FailureAction.ROLLBACK,
        order: UpdateConfig_UpdateOrder.START_FIRST,
      }),
      "rollback",
    );
  }
});

Deno.test("validateUpdateConfig rejects negative delay and monitor", () => {
  assert.throws(
    () => validateUpdateConfig(create(UpdateConfigSchema, { delay: secs(-1n) }), "update"),
    { name: "ValidationError", message: "invalid update delay -1s: must not be negative" },
  );
  assert.throws(
    () => validateUpdateConfig(create(UpdateConfigSchema, { monitor: secs(-1n) }), "rollback"),
    /invalid rollback monitor -1s: must not be negative/,
  );
});

Deno.test("validateUpdateConfig keeps max failure ratio within [0, 1]", () => {
  for (const ratio of [-0.1, 1.01, Number.NaN, Infinity]) {
    assert.throws(
      () => validateUpdateConfig(create(UpdateConfigSchema, { maxFailureRatio: ratio }), "update"),
      /invalid update max failure ratio .*: must be between 0 and 1/,
      String(ratio),
    );
  }
});

Deno.test("validateUpdateConfig rejects unknown enum values", () => {
  assert.throws(
    () =>
      validateUpdateConfig(
        create(UpdateConfigSchema, { failureAction: 9 as UpdateConfig_FailureAction }),
        "update",
      ),
    /invalid update failure action 9: use one of pause, continue, rollback/,
  );
  assert.throws(
    () =>
      validateUpdateConfig(
        create(UpdateConfigSchema, { order: 5 as UpdateConfig_UpdateOrder }),
        "update",
      ),
    /invalid update order 5: use one of stop-first, start-first/,
  );
});

Deno.test("validateUpdateConfig rejects a negative or fractional parallelism", () => {
  for (const parallelism of [-1, 0.5, 2 ** 32]) {
    assert.throws(
      () => validateUpdateConfig(create(UpdateConfigSchema, { parallelism }), "update"),
      {
        name: "ValidationError",
        message:
          `invalid update parallelism ${parallelism}: must be a whole number from 0 to 4294967295 (0 replaces all tasks at once)`,
      },
    );
  }
  validateUpdateConfig(create(UpdateConfigSchema, { parallelism: 0 }), "update");
});
