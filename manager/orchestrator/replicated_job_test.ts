/** The replicated-job orchestrator's decisions as tables (through a cluster in
 * `job_runs_test.ts`). */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Service, type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  NodeStatus_State,
  RestartPolicy_Condition,
  TaskState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { reconcileReplicatedJob } from "./replicated_job.ts";
import { testJob, testNode, testService } from "./testing.ts";

const NOW = new Date("2024-05-01T00:00:00Z");
const S = 1000;
const nodes = new Map([["n1", testNode("n1")], ["n2", testNode("n2")]]);
nodes.set("down", testNode("down", (n) => n.status!.state = NodeStatus_State.DOWN));

/** "job": `total` completions, at most `max` at once, in iteration `iteration`. */
function job(max: number, total: number, iteration = 0n, patch?: (s: Service) => void): Service {
  const svc = testJob("job", { maxConcurrent: max, totalCompletions: total });
  svc.jobStatus!.jobIteration = iteration;
  patch?.(svc);
  return svc;
}

interface TaskOptions {
  desired?: TaskState;
  iteration?: bigint;
  node?: string;
  /** Milliseconds before NOW the task was created (its status changed 10 s later). */
  agoMs?: number;
}

let seq = 0;
function task(slot: number, state: TaskState, o: TaskOptions = {}): Task {
  const created = NOW.getTime() - (o.agoMs ?? 60 * S);
  return create(TaskSchema, {
    id: `t${++seq}`,
    serviceId: "job",
    slot,
    nodeId: o.node ?? "n1",
    jobIteration: o.iteration ?? 0n,
    meta: { createdAt: timestampFromDate(new Date(created)) },
    specVersion: { index: 1n },
    spec: job(1, 1).spec!.task!,
    desiredState: o.desired ?? TaskState.COMPLETE,
    status: { state, timestamp: timestampFromDate(new Date(created + 10 * S)) },
  });
}

function decide(svc: Service, tasks: Task[], now = NOW) {
  let id = 0;
  return reconcileReplicatedJob(svc, tasks, {
    now,
    newId: () => `new${++id}`,
    node: (nodeId) => nodes.get(nodeId),
  });
}

const created = (p: ReturnType<typeof decide>) => p.create.map((t) => t.slot);
const desired = (p: ReturnType<typeof decide>) =>
  p.update.map((t) => `${t.id}:${TaskState[t.desiredState]}`);

Deno.test("a new job starts max-concurrent tasks meant to complete, one slot each", () => {
  const p = decide(job(2, 5, 3n), []);
  assert.deepEqual(
    p.create.map((t) => [t.slot, t.annotations?.name, TaskState[t.desiredState], t.jobIteration]),
    [[1, "job.1", "COMPLETE", 3n], [2, "job.2", "COMPLETE", 3n]],
  );
});

Deno.test("new tasks start while fewer than max-concurrent are going and completions are missing", () => {
  const { RUNNING: R, COMPLETE: C, STARTING, PENDING } = TaskState;
  const table: [string, number, number, TaskState[], number[]][] = [
    ["two going of two", 2, 5, [R, R], []],
    ["one done, one going", 2, 5, [C, R], [3]],
    ["two done", 2, 5, [C, C], [3, 4]],
    ["not started yet counts as going", 2, 5, [PENDING, STARTING], []],
    ["four done, the last going", 2, 5, [C, C, C, C, R], []],
    ["all done", 2, 5, [C, C, C, C, C], []],
    ["no completions wanted", 2, 0, [], []],
    ["fewer completions than max-concurrent", 10, 3, [], [1, 2, 3]],
    ["three done of three", 10, 3, [C, C, C], []],
  ];
  for (const [name, max, total, states, want] of table) {
    const tasks = states.map((s, i) => task(i + 1, s));
    assert.deepEqual(created(decide(job(max, total), tasks)), want, name);
  }
});

Deno.test("new tasks take the lowest free slots", () => {
  const tasks = [task(2, TaskState.COMPLETE), task(4, TaskState.COMPLETE)];
  assert.deepEqual(created(decide(job(3, 6), tasks)), [1, 3, 5]);
});

Deno.test("a failed task is replaced in its slot after the restart delay; a completed one never", () => {
  const failed = task(1, TaskState.FAILED);
  const done = task(2, TaskState.COMPLETE);
  const p = decide(job(2, 2), [failed, done]);
  assert.deepEqual(desired(p), [`${failed.id}:SHUTDOWN`]);
  assert.deepEqual(
    p.create.map((t) => [t.slot, TaskState[t.desiredState], t.jobIteration]),
    [[1, "READY", 0n]],
    "the replacement waits for the restart delay",
  );
  // With restart condition ANY a job's completed task still does not restart.
  const any = job(2, 2, 0n, (s) => s.spec!.task!.restart!.condition = RestartPolicy_Condition.ANY);
  assert.deepEqual(decide(any, [done, task(1, TaskState.COMPLETE)]).update, []);
});

Deno.test("a waiting replacement is let run to completion once the restart delay has passed", () => {
  const failed = task(1, TaskState.FAILED, { desired: TaskState.SHUTDOWN, agoMs: 20 * S });
  const waiting = task(1, TaskState.READY, { desired: TaskState.READY, agoMs: 8 * S });
  // The failure was at NOW - 10 s; the delay is 5 s.
  assert.deepEqual(desired(decide(job(1, 1), [failed, waiting])), [`${waiting.id}:COMPLETE`]);
  const early = new Date(NOW.getTime() - 6 * S);
  assert.deepEqual(desired(decide(job(1, 1), [failed, waiting], early)), []);
  assert.deepEqual(created(decide(job(2, 3), [failed, waiting])), [2], "it counts as going");
});

Deno.test("a task that failed for good leaves its slot failed and frees its place", () => {
  const none = job(
    1,
    3,
    0n,
    (s) => s.spec!.task!.restart!.condition = RestartPolicy_Condition.NONE,
  );
  const failed = task(1, TaskState.FAILED);
  const p = decide(none, [failed]);
  assert.deepEqual(p.update, [], "not restarted");
  assert.deepEqual(created(p), [2], "the job carries on with its other completions");

  const twice = job(1, 1, 0n, (s) => s.spec!.task!.restart!.maxAttempts = 1);
  const first = task(1, TaskState.FAILED, { desired: TaskState.SHUTDOWN, agoMs: 120 * S });
  const second = task(1, TaskState.FAILED);
  assert.deepEqual(decide(twice, [first, second]).update, [], "max attempts used up");
  assert.equal(decide(twice, [second]).create.length, 1, "one attempt left");
});

Deno.test("an unfinished task on a lost node moves at once; a completed one stays", () => {
  const going = task(1, TaskState.RUNNING, { node: "down" });
  const done = task(2, TaskState.COMPLETE, { node: "down" });
  const gone = task(3, TaskState.STARTING, { node: "left" });
  const p = decide(job(3, 3), [going, done, gone]);
  assert.deepEqual(desired(p), [`${going.id}:SHUTDOWN`, `${gone.id}:SHUTDOWN`]);
  assert.deepEqual(p.create.map((t) => [t.slot, TaskState[t.desiredState]]), [
    [1, "COMPLETE"],
    [3, "COMPLETE"],
  ]);
});

Deno.test("tasks of an older iteration are retired and do not count", () => {
  const old = [
    task(1, TaskState.COMPLETE, { iteration: 0n }),
    task(2, TaskState.RUNNING, { iteration: 0n }),
    task(3, TaskState.FAILED, { iteration: 0n, desired: TaskState.SHUTDOWN }),
  ];
  const p = decide(job(2, 3, 1n), old);
  assert.deepEqual(desired(p), [`${old[0]!.id}:SHUTDOWN`, `${old[1]!.id}:REMOVE`]);
  assert.deepEqual(p.create.map((t) => [t.slot, t.jobIteration]), [[1, 1n], [2, 1n]]);
});

Deno.test("other modes are not the replicated-job orchestrator's", () => {
  assert.deepEqual(decide(testService("web", 2), []).create, []);
  assert.deepEqual(decide(testJob("job", "global"), []).create, []);
});
