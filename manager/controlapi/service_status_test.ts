import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { testJob, testService } from "../orchestrator/testing.ts";
import { serviceTaskCounts } from "./service_status.ts";

const task = (nodeId: string, state: TaskState, desired = TaskState.RUNNING): Task =>
  create(TaskSchema, { nodeId, desiredState: desired, status: { state } });

const counts = (...args: Parameters<typeof serviceTaskCounts>) => {
  const c = serviceTaskCounts(...args);
  return [c.runningTasks, c.desiredTasks, c.completedTasks];
};

Deno.test("a replicated service counts running tasks against its replicas", () => {
  const tasks = [
    task("n1", TaskState.RUNNING),
    task("n1", TaskState.STARTING),
    task("n2", TaskState.RUNNING, TaskState.SHUTDOWN),
    task("n2", TaskState.COMPLETE, TaskState.SHUTDOWN),
  ];
  assert.deepEqual(counts(testService("web", 3), tasks), [1n, 3n, 1n]);
});

Deno.test("a global service counts nodes: with a running task, and with a task meant to run", () => {
  const tasks = [
    task("n1", TaskState.RUNNING),
    task("n1", TaskState.STARTING), // a start-first replacement on the same node
    task("n2", TaskState.PENDING),
    task("n3", TaskState.SHUTDOWN, TaskState.SHUTDOWN), // a drained node
  ];
  assert.deepEqual(counts(testService("agent", "global"), tasks), [1n, 2n, 0n]);
});

Deno.test("an unknown service counts nothing", () => {
  assert.deepEqual(counts(undefined, [task("n1", TaskState.RUNNING)]), [0n, 0n, 0n]);
});

const jobTask = (iteration: bigint, state: TaskState, desired = TaskState.COMPLETE): Task =>
  create(TaskSchema, {
    nodeId: "n1",
    jobIteration: iteration,
    desiredState: desired,
    status: { state },
  });

Deno.test("a replicated job counts its current run: running, what it may still start, completed", () => {
  const job = testJob("job", { maxConcurrent: 2, totalCompletions: 5 });
  job.jobStatus!.jobIteration = 1n;
  const earlier = [
    jobTask(0n, TaskState.COMPLETE),
    jobTask(0n, TaskState.RUNNING, TaskState.REMOVE),
  ];
  const table: [TaskState[], [bigint, bigint, bigint]][] = [
    [[], [0n, 2n, 0n]],
    [[TaskState.RUNNING, TaskState.RUNNING], [2n, 2n, 0n]],
    [[TaskState.COMPLETE, TaskState.COMPLETE, TaskState.COMPLETE, TaskState.RUNNING], [1n, 2n, 3n]],
    [[TaskState.COMPLETE, TaskState.COMPLETE, TaskState.COMPLETE, TaskState.COMPLETE], [
      0n,
      1n,
      4n,
    ]],
    [Array(5).fill(TaskState.COMPLETE), [0n, 0n, 5n]],
  ];
  for (const [states, want] of table) {
    const tasks = [...earlier, ...states.map((s) => jobTask(1n, s))];
    assert.deepEqual(counts(job, tasks), want, states.map((s) => TaskState[s]).join(","));
  }
});

Deno.test("a global job counts its current run: desired are the tasks still to complete", () => {
  const job = testJob("job", "global");
  const tasks = [
    jobTask(0n, TaskState.RUNNING),
    jobTask(0n, TaskState.COMPLETE),
    jobTask(0n, TaskState.FAILED), // waiting for its restart
    jobTask(0n, TaskState.SHUTDOWN, TaskState.SHUTDOWN), // its node was drained
    jobTask(1n, TaskState.COMPLETE), // a later run: not counted
  ];
  assert.deepEqual(counts(job, tasks), [1n, 2n, 1n]);
});
