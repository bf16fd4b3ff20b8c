/**
 * How the dispatcher applies a status an agent reports for a task: a pure decision.
 *
 * @module
 */
import { clone } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState, type TaskStatus, TaskStatusSchema } from "../../proto/gen/swarm/v1/types_pb.ts";

/**
 * The task with the reported status, or undefined when nothing changes: a status may only move
 * forward, and one equal to the stored one (state, message, error) is ignored. The status is
 * stamped with the manager that applied it and when; the first RUNNING also sets `runningAt`
 * (the start of an update's monitor window).
 */
export function applyTaskStatus(
  task: Task,
  status: TaskStatus,
  managerId: string,
  now: Date,
): Task | undefined {
  const stored = task.status?.state ?? TaskState.NEW;
  if (status.state < stored) return undefined;
  if (
    status.state === stored && status.message === task.status?.message &&
    status.err === task.status?.err
  ) {
    return undefined;
  }
  const t = clone(TaskSchema, task);
  const at = timestampFromDate(now);
  t.status = clone(TaskStatusSchema, status);
  t.status.appliedBy = managerId;
  t.status.appliedAt = at;
  if (status.state === TaskState.RUNNING && t.runningAt === undefined) t.runningAt = at;
  return t;
}
