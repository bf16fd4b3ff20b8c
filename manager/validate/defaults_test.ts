import assert from "node:assert/strict";
import { create, equals } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { durationMs } from "@bufbuild/protobuf/wkt";
import { ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  RestartPolicy_Condition,
  RestartPolicySchema,
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { defaultRestartPolicy, defaultUpdateConfig, insertServiceDefaults } from "./defaults.ts";
import { validateServiceSpec } from "./service_spec.ts";

type Init = Exclude<MessageInitShape<typeof ServiceSpecSchema>, ServiceSpec>;
const spec = (patch: Init = {}) =>
  create(ServiceSpecSchema, {
    annotations: { name: "web" },
    task: { runtime: { case: "process", value: { command: "sleep", args: ["1000"] } } },
    mode: { case: "replicated", value: { replicas: 1 } },
    ...patch,
  });

Deno.test("defaults match SwarmKit's", () => {
  const r = defaultRestartPolicy();
  assert.equal(r.condition, RestartPolicy_Condition.ANY);
  assert.equal(durationMs(r.delay!), 5000);
  assert.equal(r.maxAttempts, 0);
  const u = defaultUpdateConfig();
  assert.equal(u.parallelism, 1);
  assert.equal(u.failureAction, UpdateConfig_FailureAction.PAUSE);
  assert.equal(durationMs(u.monitor!), 5000);
  assert.equal(u.order, UpdateConfig_UpdateOrder.STOP_FIRST);
  assert.equal(u.delay, undefined);
});

Deno.test("insertServiceDefaults fills an empty spec and leaves the input alone", () => {
  const input = spec();
  const before = create(ServiceSpecSchema, input);
  const out = insertServiceDefaults(input);
  assert.ok(equals(ServiceSpecSchema, input, before));
  assert.ok(out.task?.runtime.case === "process");
  assert.equal(durationMs(out.task.runtime.value.stopGracePeriod!), 10_000);
  assert.ok(equals(RestartPolicySchema, out.task.restart!, defaultRestartPolicy()));
  assert.deepEqual(out.update, defaultUpdateConfig());
  assert.deepEqual(out.rollback, defaultUpdateConfig());
  validateServiceSpec(out);
});

Deno.test("insertServiceDefaults keeps what the user set and fills holes", () => {
  const out = insertServiceDefaults(
    spec({
      task: {
        runtime: {
          case: "container",
          value: { image: "alpine", stopGracePeriod: { seconds: 30n } },
        },
        restart: { condition: RestartPolicy_Condition.NONE, maxAttempts: 2 },
      },
      update: { parallelism: 4, delay: { seconds: 2n } },
      rollback: { parallelism: 0, monitor: { seconds: 1n } },
    }),
  );
  assert.ok(out.task?.runtime.case === "container");
  assert.equal(durationMs(out.task.runtime.value.stopGracePeriod!), 30_000);
  assert.equal(out.task.restart?.condition, RestartPolicy_Condition.NONE);
  assert.equal(out.task.restart?.maxAttempts, 2);
  assert.equal(durationMs(out.task.restart!.delay!), 5000);
  assert.equal(out.update?.parallelism, 4);
  assert.equal(durationMs(out.update!.delay!), 2000);
  assert.equal(durationMs(out.update!.monitor!), 5000);
  assert.equal(out.rollback?.parallelism, 0);
  assert.equal(durationMs(out.rollback!.monitor!), 1000);
});

Deno.test("insertServiceDefaults gives jobs no update config and restarts them on failure", () => {
  const out = insertServiceDefaults(spec({ mode: { case: "globalJob", value: {} } }));
  assert.equal(out.update, undefined);
  assert.equal(out.rollback, undefined);
  assert.ok(equals(RestartPolicySchema, out.task!.restart!, defaultRestartPolicy(true)));
  assert.equal(out.task?.restart?.condition, RestartPolicy_Condition.ON_FAILURE);
  validateServiceSpec(out);
});

Deno.test("insertServiceDefaults copes with a spec without a task", () => {
  const input = spec();
  input.task = undefined;
  assert.equal(insertServiceDefaults(input).task, undefined);
});
