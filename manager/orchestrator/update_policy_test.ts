import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateConfigSchema,
  UpdateStatus_UpdateState,
  UpdateStatusSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { durationFromMs } from "../duration.ts";
import { isRollingBack, updatePolicy } from "./update_policy.ts";
import { testService } from "./testing.ts";

Deno.test("updatePolicy: SwarmKit's defaults without a config", () => {
  assert.deepEqual(updatePolicy(testService("web", 1)), {
    parallelism: 1,
    delayMs: 0,
    monitorMs: 5000,
    failureAction: UpdateConfig_FailureAction.PAUSE,
    maxFailureRatio: 0,
    order: UpdateConfig_UpdateOrder.STOP_FIRST,
  });
});

Deno.test("updatePolicy: the update config, or the rollback config while rolling back", () => {
  const svc = testService("web", 1, (s) => {
    s.update = create(UpdateConfigSchema, {
      parallelism: 3,
      delay: durationFromMs(10_000),
      monitor: durationFromMs(30_000),
      failureAction: UpdateConfig_FailureAction.ROLLBACK,
      maxFailureRatio: 0.5,
      order: UpdateConfig_UpdateOrder.START_FIRST,
    });
    s.rollback = create(UpdateConfigSchema, { parallelism: 0 });
  });
  assert.deepEqual(updatePolicy(svc), {
    parallelism: 3,
    delayMs: 10_000,
    monitorMs: 30_000,
    failureAction: UpdateConfig_FailureAction.ROLLBACK,
    maxFailureRatio: 0.5,
    order: UpdateConfig_UpdateOrder.START_FIRST,
  });
  for (
    const state of [
      UpdateStatus_UpdateState.ROLLBACK_STARTED,
      UpdateStatus_UpdateState.ROLLBACK_PAUSED,
    ]
  ) {
    svc.updateStatus = create(UpdateStatusSchema, { state });
    assert.equal(isRollingBack(svc), true);
    const p = updatePolicy(svc);
    assert.equal(p.parallelism, 0);
    assert.equal(p.monitorMs, 5000, "a config without a monitor gets 5 s");
  }
  svc.updateStatus = create(UpdateStatusSchema, { state: UpdateStatus_UpdateState.PAUSED });
  assert.equal(isRollingBack(svc), false);
});
