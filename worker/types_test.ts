import assert from "node:assert/strict";
import { isTaskState, isTerminalState, TASK_STATES, TaskState, taskStateName } from "./types.ts";

Deno.test("TaskState: values mirror SwarmKit's api.TaskState", () => {
  assert.deepEqual(
    TASK_STATES.map((s) => [taskStateName(s), s]),
    [
      ["NEW", 0],
      ["PENDING", 64],
      ["ASSIGNED", 192],
      ["ACCEPTED", 256],
      ["PREPARING", 320],
      ["READY", 384],
      ["STARTING", 448],
      ["RUNNING", 512],
      ["COMPLETE", 576],
      ["SHUTDOWN", 640],
      ["FAILED", 704],
      ["REJECTED", 768],
      ["REMOVE", 800],
      ["ORPHANED", 832],
    ],
  );
});

Deno.test("taskStateName: unknown values are named, not thrown", () => {
  assert.equal(taskStateName(TaskState.RUNNING), "RUNNING");
  assert.equal(taskStateName(65), "UNKNOWN(65)");
});

Deno.test("isTaskState and isTerminalState", () => {
  assert.ok(isTaskState(512));
  assert.ok(!isTaskState(513));
  assert.ok(!isTaskState("RUNNING"));
  assert.ok(!isTerminalState(TaskState.RUNNING));
  assert.ok(isTerminalState(TaskState.COMPLETE));
  assert.ok(isTerminalState(TaskState.REJECTED));
});
