/** Facts about task states that several decisions share. */
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";

/**
 * The task is meant to run (or to be ready to run), or for a job to run to completion (desired
 * COMPLETE, also once it has completed): its slot is occupied.
 */
export function isActive(task: Task): boolean {
  return task.desiredState <= TaskState.COMPLETE;
}

/** The task's process has ended, one way or another. */
export function hasEnded(task: Task): boolean {
  return (task.status?.state ?? TaskState.NEW) >= TaskState.COMPLETE;
}

export function observedState(task: Task): TaskState {
  return task.status?.state ?? TaskState.NEW;
}

/** Milliseconds since the epoch of the task's last status change. */
export function statusTime(task: Task): number {
  const ts = task.status?.timestamp;
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : 0;
}
