import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampDate, timestampFromDate } from "@bufbuild/protobuf/wkt";
import { TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState, TaskStatusSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { applyTaskStatus } from "./task_status.ts";

const T = new Date("2024-05-01T00:00:00Z");
const later = new Date(T.getTime() + 7_000);
const task = (state: TaskState) =>
  create(TaskSchema, { id: "t1", status: { state, message: "m" } });
const status = (state: TaskState, message = "m") => create(TaskStatusSchema, { state, message });

Deno.test("applyTaskStatus moves a task forward and stamps who applied it and when", () => {
  const t = applyTaskStatus(task(TaskState.ASSIGNED), status(TaskState.PREPARING), "m1", T)!;
  assert.equal(t.status?.state, TaskState.PREPARING);
  assert.equal(t.status?.appliedBy, "m1");
  assert.deepEqual(t.status?.appliedAt, timestampFromDate(T));
});

Deno.test("applyTaskStatus ignores a status that goes back or changes nothing", () => {
  assert.equal(
    applyTaskStatus(task(TaskState.RUNNING), status(TaskState.STARTING), "m1", T),
    undefined,
  );
  assert.equal(
    applyTaskStatus(task(TaskState.RUNNING), status(TaskState.RUNNING), "m1", T),
    undefined,
  );
  assert.ok(applyTaskStatus(task(TaskState.RUNNING), status(TaskState.RUNNING, "new"), "m1", T));
});

Deno.test("applyTaskStatus records when the task first ran", () => {
  const ran = applyTaskStatus(task(TaskState.STARTING), status(TaskState.RUNNING), "m1", T)!;
  assert.deepEqual(timestampDate(ran.runningAt!), T);
  const again = applyTaskStatus(ran, status(TaskState.RUNNING, "still"), "m1", later)!;
  assert.deepEqual(timestampDate(again.runningAt!), T, "the first time counts");
  const failed = applyTaskStatus(again, status(TaskState.FAILED), "m1", later)!;
  assert.deepEqual(timestampDate(failed.runningAt!), T, "kept after it ends");
  const never = applyTaskStatus(task(TaskState.STARTING), status(TaskState.FAILED), "m1", T)!;
  assert.equal(never.runningAt, undefined, "a task that failed to start never ran");
});
