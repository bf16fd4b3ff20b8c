/**
 * The updater's decisions as tables of slots: each test builds a service at spec version 2
 * ("sleep 200", the previous spec "sleep 100") and slots of tasks at a given time.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Service,
  ServiceSchema,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  TaskState,
  UpdateConfig_FailureAction as Action,
  UpdateConfig_UpdateOrder,
  UpdateConfigSchema,
  UpdateStatus_UpdateState as State,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { type ServiceSpec, ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { durationFromMs } from "../duration.ts";
import { currentTask, groupSlots } from "./slots.ts";
import { decideUpdate, failedWithinMonitor, type UpdateSlot, updateTaskOf } from "./updater.ts";

const S = 1000;
const T0 = 1_000_000_000;
const at = (ms: number) => timestampFromDate(new Date(T0 + ms));

function spec(args: string): ServiceSpec {
  return create(ServiceSpecSchema, {
    annotations: { name: "web" },
    task: { runtime: { case: "process", value: { command: "sleep", args: [args] } } },
    mode: { case: "replicated", value: { replicas: 4 } },
  });
}

interface ServiceOptions {
  parallelism?: number;
  delayMs?: number;
  monitorMs?: number;
  action?: Action;
  ratio?: number;
  order?: UpdateConfig_UpdateOrder;
  state?: State;
  rollback?: Partial<Omit<ServiceOptions, "state" | "rollback">>;
  previous?: boolean;
}

function updateConfig(o: Omit<ServiceOptions, "state" | "rollback" | "previous">) {
  return create(UpdateConfigSchema, {
    parallelism: o.parallelism ?? 1,
    delay: durationFromMs(o.delayMs ?? 0),
    monitor: durationFromMs(o.monitorMs ?? 5 * S),
    failureAction: o.action ?? Action.PAUSE,
    maxFailureRatio: o.ratio ?? 0,
    order: o.order ?? UpdateConfig_UpdateOrder.STOP_FIRST,
  });
}

/** Service "s" at spec version 2 ("sleep 200"), previously "sleep 100" (version 1). */
function service(o: ServiceOptions = {}): Service {
  const current = spec("200");
  return create(ServiceSchema, {
    id: "s",
    spec: {
      ...current,
      update: updateConfig(o),
      ...(o.rollback ? { rollback: updateConfig(o.rollback) } : {}),
    },
    specVersion: { index: 2n },
    ...(o.previous === false
      ? {}
      : { previousSpec: spec("100"), previousSpecVersion: { index: 1n } }),
    ...(o.state === undefined ? {} : { updateStatus: { state: o.state, startedAt: at(0) } }),
  });
}

interface TaskOptions {
  /** Observed state. @default RUNNING */
  state?: TaskState;
  desired?: TaskState;
  createdMs?: number;
  /** When the state was reported. @default createdMs */
  statusMs?: number;
  runningMs?: number;
}

let seq = 0;
/** A task of `slot` with the old spec (version 1) or the new one (version 2). */
function task(slot: number, version: 1 | 2, o: TaskOptions = {}): Task {
  const created = o.createdMs ?? (version === 1 ? -100 * S : 0) + seq;
  const state = o.state ?? TaskState.RUNNING;
  const running = o.runningMs ?? (state === TaskState.RUNNING ? created : undefined);
  return create(TaskSchema, {
    id: `t${++seq}`,
    serviceId: "s",
    slot,
    meta: { createdAt: at(created), version: { index: BigInt(seq) } },
    specVersion: { index: BigInt(version) },
    spec: spec(version === 1 ? "100" : "200").task!,
    desiredState: o.desired ?? TaskState.RUNNING,
    status: { state, timestamp: at(o.statusMs ?? created) },
    ...(running === undefined ? {} : { runningAt: at(running) }),
  });
}

function slots(svc: Service, ...tasks: Task[]): UpdateSlot<number>[] {
  return [...groupSlots(tasks, (t) => t.slot).values()]
    .filter((s) => s.active.length > 0)
    .sort((a, b) => a.key - b.key)
    .map((s) => ({ ...s, current: currentTask(svc, s.active) }));
}

const old = (slot: number) => task(slot, 1);
const done = (slot: number, o: TaskOptions = {}) =>
  task(slot, 1, { desired: TaskState.SHUTDOWN, state: TaskState.SHUTDOWN, ...o });
const decide = (svc: Service, ms: number, ...tasks: Task[]) =>
  decideUpdate(svc, slots(svc, ...tasks), new Date(T0 + ms));

Deno.test("an update starts with the first `parallelism` dirty slots and records UPDATING", () => {
  const d = decide(service({ parallelism: 2 }), 0, old(1), old(2), old(3), old(4));
  assert.deepEqual(d.replace, [1, 2]);
  assert.equal(d.service?.updateStatus?.state, State.UPDATING);
  assert.equal(d.service?.updateStatus?.message, "update in progress");
  assert.deepEqual(d.service?.updateStatus?.startedAt, at(0));
});

Deno.test("parallelism 0 replaces every dirty slot at once", () => {
  const d = decide(service({ parallelism: 0 }), 0, old(1), old(2), old(3));
  assert.deepEqual(d.replace, [1, 2, 3]);
});

Deno.test("no dirty slot, no update: the status stays unset", () => {
  const svc = service();
  const d = decide(svc, 0, task(1, 2), task(2, 2));
  assert.deepEqual(d.replace, []);
  assert.equal(d.service, undefined);
});

Deno.test("a batch waits for its replacements to run before the next one", () => {
  const svc = service({ parallelism: 2, state: State.UPDATING });
  const starting = { state: TaskState.PENDING, createdMs: 1 * S };
  const d = decide(
    svc,
    2 * S,
    done(1),
    task(1, 2, starting),
    done(2),
    task(2, 2, { ...starting, state: TaskState.RUNNING, runningMs: 2 * S }),
    old(3),
    old(4),
  );
  assert.deepEqual(d.replace, [3], "one worker is free: slot 2's task runs");
  assert.equal(d.service, undefined);
});

Deno.test("the delay keeps a worker busy after its replacement runs", () => {
  const svc = service({ parallelism: 1, delayMs: 10 * S, state: State.UPDATING });
  const tasks = [done(1), task(1, 2, { createdMs: 1 * S, runningMs: 2 * S }), old(2)];
  assert.deepEqual(decide(svc, 11 * S, ...tasks).replace, [], "9 s after it ran");
  assert.deepEqual(decide(svc, 12 * S, ...tasks).replace, [2], "10 s after it ran");
});

Deno.test("a start-first replacement keeps its slot busy until it runs", () => {
  const svc = service({ order: UpdateConfig_UpdateOrder.START_FIRST, state: State.UPDATING });
  const d = decide(
    svc,
    5 * S,
    old(1),
    task(1, 2, { state: TaskState.PREPARING, createdMs: S }),
    old(2),
  );
  assert.deepEqual(d.replace, []);
  assert.equal(d.order, UpdateConfig_UpdateOrder.START_FIRST);
});

Deno.test("updateTaskOf: the first task of the current version that replaced an outdated one", () => {
  const svc = service();
  const replaced = task(1, 2, { createdMs: S });
  assert.equal(updateTaskOf(svc, [done(1), replaced, task(1, 2, { createdMs: 9 * S })]), replaced);
  assert.equal(updateTaskOf(svc, [task(1, 2)]), undefined, "a new slot was not updated");
  assert.equal(updateTaskOf(svc, [old(1)]), undefined);
});

Deno.test("a task fails the update when it ends before running or within the monitor", () => {
  const failed = (o: TaskOptions) => task(1, 2, { state: TaskState.FAILED, ...o });
  assert.equal(failedWithinMonitor(failed({ statusMs: 3 * S }), 5 * S), true, "never ran");
  assert.equal(failedWithinMonitor(failed({ runningMs: 0, statusMs: 5 * S }), 5 * S), true);
  assert.equal(failedWithinMonitor(failed({ runningMs: 0, statusMs: 6 * S }), 5 * S), false);
  assert.equal(
    failedWithinMonitor(
      task(1, 2, { state: TaskState.COMPLETE, runningMs: 0, statusMs: S }),
      5 * S,
    ),
    true,
    "exiting early counts too",
  );
  assert.equal(
    failedWithinMonitor(task(1, 2, { state: TaskState.SHUTDOWN, statusMs: S }), 5 * S),
    false,
    "a task shut down on purpose",
  );
  assert.equal(
    failedWithinMonitor(task(1, 2, { state: TaskState.REJECTED, statusMs: S }), 5 * S),
    true,
  );
});

/** Four slots: slot 1 updated and failed `failedAfterMs` after running, the rest outdated. */
function oneFailed(svc: Service, failedAfterMs: number, nowMs = 20 * S) {
  return decide(
    svc,
    nowMs,
    done(1),
    task(1, 2, {
      createdMs: S,
      runningMs: 2 * S,
      state: TaskState.FAILED,
      statusMs: 2 * S + failedAfterMs,
    }),
    old(2),
    old(3),
    old(4),
  );
}

Deno.test("a failure within the monitor pauses the update (default action)", () => {
  const d = oneFailed(service({ state: State.UPDATING, monitorMs: 5 * S }), 4 * S);
  assert.deepEqual(d.replace, []);
  assert.equal(d.service?.updateStatus?.state, State.PAUSED);
  assert.match(
    d.service?.updateStatus?.message ?? "",
    /^update paused due to failure or early termination of task t\d+$/,
  );
});

Deno.test("a failure after the monitor window does not count", () => {
  const d = oneFailed(service({ state: State.UPDATING, monitorMs: 5 * S }), 6 * S);
  assert.deepEqual(d.replace, [2]);
  assert.equal(d.service, undefined);
});

Deno.test("failures up to max_failure_ratio are tolerated; beyond it the action fires", () => {
  const svc = service({ state: State.UPDATING, ratio: 0.25, parallelism: 2 });
  const d1 = oneFailed(svc, 0);
  assert.equal(d1.service, undefined, "1 of 4 slots failed: 0.25 is not above 0.25");
  assert.deepEqual(d1.replace, [2, 3]);
  const failed = (slot: number) =>
    task(slot, 2, { createdMs: S, runningMs: 2 * S, state: TaskState.FAILED, statusMs: 3 * S });
  const d2 = decide(svc, 4 * S, done(1), failed(1), done(2), failed(2), old(3), old(4));
  assert.equal(d2.service?.updateStatus?.state, State.PAUSED, "2 of 4 is above 0.25");
});

Deno.test("failure action continue ignores failures", () => {
  const d = oneFailed(service({ state: State.UPDATING, action: Action.CONTINUE }), 0);
  assert.deepEqual(d.replace, [2]);
  assert.equal(d.service, undefined);
});

Deno.test("failure action rollback restores the previous spec with a new spec version", () => {
  const d = oneFailed(service({ state: State.UPDATING, action: Action.ROLLBACK }), 0);
  const s = d.service!;
  assert.equal(s.updateStatus?.state, State.ROLLBACK_STARTED);
  assert.match(
    s.updateStatus?.message ?? "",
    /^update rolled back due to failure or early termination of task t\d+$/,
  );
  const rt = s.spec?.task?.runtime;
  assert.deepEqual(rt?.case === "process" && rt.value.args, ["100"]);
  assert.equal(s.specVersion?.index, 3n);
  assert.equal(s.previousSpec, undefined, "nothing to roll back to after an automatic rollback");
  assert.deepEqual(d.replace, []);
});

Deno.test("without a previous spec, failure action rollback pauses", () => {
  const svc = service({ state: State.UPDATING, action: Action.ROLLBACK, previous: false });
  const d = oneFailed(svc, 0);
  assert.equal(d.service?.updateStatus?.state, State.PAUSED);
  assert.match(
    d.service?.updateStatus?.message ?? "",
    /there is no previous spec to roll back to$/,
  );
});

Deno.test("a rollback that fails pauses instead of rolling back again", () => {
  const svc = service({
    state: State.ROLLBACK_STARTED,
    action: Action.PAUSE,
    rollback: { action: Action.ROLLBACK },
  });
  const d = oneFailed(svc, 0);
  assert.equal(d.service?.updateStatus?.state, State.ROLLBACK_PAUSED);
  assert.match(d.service?.updateStatus?.message ?? "", /^rollback paused due to failure/);
});

Deno.test("a rollback follows the rollback config", () => {
  const svc = service({
    state: State.ROLLBACK_STARTED,
    parallelism: 1,
    rollback: { parallelism: 3 },
  });
  assert.deepEqual(decide(svc, 0, old(1), old(2), old(3), old(4)).replace, [1, 2, 3]);
});

Deno.test("a paused update touches nothing", () => {
  for (const state of [State.PAUSED, State.ROLLBACK_PAUSED]) {
    const d = decide(service({ state }), 0, old(1), old(2));
    assert.deepEqual(d.replace, []);
    assert.equal(d.service, undefined);
  }
});

Deno.test("the update completes once the last replacement has run for delay + monitor", () => {
  const svc = service({ state: State.UPDATING, delayMs: 2 * S, monitorMs: 5 * S });
  const tasks = [done(1), task(1, 2, { createdMs: S, runningMs: 3 * S })];
  assert.equal(decide(svc, 9 * S, ...tasks).service, undefined, "still monitoring");
  const s = decide(svc, 10 * S, ...tasks).service!;
  assert.equal(s.updateStatus?.state, State.COMPLETED);
  assert.equal(s.updateStatus?.message, "update completed");
  assert.deepEqual(s.updateStatus?.completedAt, at(10 * S));
  assert.deepEqual(s.updateStatus?.startedAt, at(0), "the start is kept");

  // A rollback goes by the rollback config (the defaults here: no delay, monitor 5 s).
  const rollback = service({ state: State.ROLLBACK_STARTED, delayMs: 2 * S, monitorMs: 5 * S });
  assert.equal(
    decide(rollback, 8 * S, ...tasks).service?.updateStatus?.state,
    State.ROLLBACK_COMPLETED,
  );
});

Deno.test("a rollback completes as ROLLBACK_COMPLETED", () => {
  const svc = service({ state: State.ROLLBACK_STARTED, rollback: { monitorMs: 0 } });
  const d = decide(svc, 3 * S, done(1), task(1, 2, { createdMs: S, runningMs: 2 * S }));
  assert.equal(d.service?.updateStatus?.state, State.ROLLBACK_COMPLETED);
  assert.equal(d.service?.updateStatus?.message, "rollback completed");
});

Deno.test("a completed update still replaces slots that turn out dirty, without a new status", () => {
  const d = decide(service({ state: State.COMPLETED }), 0, task(1, 2), old(2));
  assert.deepEqual(d.replace, [2]);
  assert.equal(d.service, undefined);
});
