import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState, UpdateConfig_UpdateOrder } from "../../proto/gen/swarm/v1/types_pb.ts";
import { groupSlots } from "./slots.ts";
import { promote, replaceSlot, type SlotStepContext, stepSlot } from "./slot_step.ts";
import { emptyPlan } from "./view.ts";
import { testJob, testService } from "./testing.ts";

const NOW = 1_000_000;
const web = testService("web", 1); // spec version 1, restart delay 5 s
const outdated = { specVersion: { index: 0n }, spec: { forceUpdate: 9n } } as const;

function task(id: string, createdMs: number, o: {
  state?: TaskState;
  desired?: TaskState;
  atMs?: number;
  outdated?: boolean;
  node?: string;
} = {}): Task {
  return create(TaskSchema, {
    id,
    serviceId: "web",
    slot: 1,
    nodeId: o.node ?? "n1",
    meta: { createdAt: timestampFromDate(new Date(NOW + createdMs)) },
    ...(o.outdated ? outdated : { specVersion: { index: 1n }, spec: web.spec!.task! }),
    desiredState: o.desired ?? TaskState.RUNNING,
    status: {
      state: o.state ?? TaskState.RUNNING,
      timestamp: timestampFromDate(new Date(NOW + (o.atMs ?? createdMs))),
    },
  });
}

function step(tasks: Task[], nowMs = 0, lost: string[] = []) {
  const plan = emptyPlan();
  const ctx: SlotStepContext = {
    service: web,
    now: new Date(NOW + nowMs),
    plan,
    newTask: (desired) => task("new", nowMs, { desired, state: TaskState.NEW }),
    nodeLost: (id) => lost.includes(id),
  };
  const slot = groupSlots(tasks, () => 1).get(1)!;
  return { plan, ctx, slot, current: stepSlot(slot, ctx) };
}

const desired = (tasks: readonly Task[]) =>
  tasks.map((t) => `${t.id}:${TaskState[t.desiredState]}`);

Deno.test("stepSlot: an old task keeps running until its start-first replacement runs", () => {
  const old = task("old", -60_000, { outdated: true });
  const starting = step([old, task("new1", 0, { state: TaskState.STARTING })]);
  assert.equal(starting.current?.id, "new1");
  assert.deepEqual(desired(starting.plan.update), []);
  const ran = step([old, task("new1", 0)]);
  assert.deepEqual(desired(ran.plan.update), ["old:SHUTDOWN"]);
});

Deno.test("stepSlot: an old task that ended or whose node is lost is shut down at once", () => {
  const ended = step([
    task("old", -60_000, { outdated: true, state: TaskState.FAILED }),
    task("new1", 0, { state: TaskState.STARTING }),
  ]);
  assert.deepEqual(desired(ended.plan.update), ["old:SHUTDOWN"]);
  const lost = step(
    [
      task("old", -60_000, { outdated: true, node: "gone" }),
      task("new1", 0, { state: TaskState.STARTING }),
    ],
    0,
    ["gone"],
  );
  assert.deepEqual(desired(lost.plan.update), ["old:SHUTDOWN"]);
});

Deno.test("stepSlot: a failed task is restarted (READY); one on a lost node moves (RUNNING)", () => {
  const failed = step([task("a", 0, { state: TaskState.FAILED })]);
  assert.equal(failed.current, undefined);
  assert.deepEqual(desired(failed.plan.update), ["a:SHUTDOWN"]);
  assert.deepEqual(desired(failed.plan.create), ["new:READY"]);
  const moved = step([task("a", 0)], 0, ["n1"]);
  assert.equal(moved.current, undefined);
  assert.deepEqual(desired(moved.plan.create), ["new:RUNNING"]);
  const fine = step([task("a", 0)]);
  assert.equal(fine.current?.id, "a");
  assert.deepEqual(fine.plan.create, []);
});

Deno.test("replaceSlot: stop-first stops everything first; start-first keeps what runs", () => {
  const tasks = [
    task("old", -60_000, { outdated: true }),
    task("stuck", -1000, { outdated: true, state: TaskState.PENDING }),
  ];
  const stop = step(tasks);
  replaceSlot(stop.slot, UpdateConfig_UpdateOrder.STOP_FIRST, stop.ctx);
  assert.deepEqual(desired(stop.plan.update), ["old:SHUTDOWN", "stuck:SHUTDOWN"]);
  assert.deepEqual(desired(stop.plan.create), ["new:READY"]);
  const start = step(tasks);
  replaceSlot(start.slot, UpdateConfig_UpdateOrder.START_FIRST, start.ctx);
  assert.deepEqual(desired(start.plan.update), ["stuck:SHUTDOWN"]);
  assert.deepEqual(desired(start.plan.create), ["new:RUNNING"]);
});

Deno.test("promote: a READY replacement runs after the restart delay, at once after an update", () => {
  const afterFailure = [
    task("a", -10_000, { state: TaskState.FAILED, desired: TaskState.SHUTDOWN, atMs: 0 }),
    task("b", 0, { state: TaskState.READY, desired: TaskState.READY }),
  ];
  const early = step(afterFailure, 4_999);
  promote(early.slot, early.current!, 5_000, early.ctx);
  assert.deepEqual(early.plan.update, []);
  const late = step(afterFailure, 5_000);
  promote(late.slot, late.current!, 5_000, late.ctx);
  assert.deepEqual(desired(late.plan.update), ["b:RUNNING"]);

  const afterUpdate = [
    task("a", -10_000, {
      outdated: true,
      state: TaskState.SHUTDOWN,
      desired: TaskState.SHUTDOWN,
      atMs: 0,
    }),
    task("b", 0, { state: TaskState.READY, desired: TaskState.READY }),
  ];
  const now = step(afterUpdate, 1);
  promote(now.slot, now.current!, 5_000, now.ctx);
  assert.deepEqual(desired(now.plan.update), ["b:RUNNING"]);
});

const batch = testJob("web", { maxConcurrent: 1, totalCompletions: 1 }); // restart on failure

Deno.test("a job's slot (run: COMPLETE): tasks meant to complete are restarted, moved and let run", () => {
  const jobStep = (tasks: Task[], nowMs = 0, lost: string[] = []) => {
    const plan = emptyPlan();
    const ctx: SlotStepContext = {
      service: batch,
      now: new Date(NOW + nowMs),
      plan,
      run: TaskState.COMPLETE,
      newTask: (desired) => task("new", nowMs, { desired, state: TaskState.NEW }),
      nodeLost: (id) => lost.includes(id),
    };
    const slot = groupSlots(tasks, () => 1).get(1)!;
    return { plan, ctx, slot, current: stepSlot(slot, ctx) };
  };
  const failed = jobStep([task("a", 0, { state: TaskState.FAILED, desired: TaskState.COMPLETE })]);
  assert.deepEqual(desired(failed.plan.create), ["new:READY"]);
  const done = jobStep([task("a", 0, { state: TaskState.COMPLETE, desired: TaskState.COMPLETE })]);
  assert.equal(done.current?.id, "a", "a completed task stays (ON_FAILURE for jobs)");
  assert.deepEqual(done.plan.create, []);
  const moved = jobStep([task("a", 0, { desired: TaskState.COMPLETE })], 0, ["n1"]);
  assert.deepEqual(desired(moved.plan.create), ["new:COMPLETE"]);
  const waiting = jobStep([
    task("a", -10_000, { state: TaskState.FAILED, desired: TaskState.SHUTDOWN, atMs: 0 }),
    task("b", 0, { state: TaskState.READY, desired: TaskState.READY }),
  ], 5_000);
  promote(waiting.slot, waiting.current!, 5_000, waiting.ctx);
  assert.deepEqual(desired(waiting.plan.update), ["b:COMPLETE"]);
});
