import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { testService } from "../orchestrator/testing.ts";
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
