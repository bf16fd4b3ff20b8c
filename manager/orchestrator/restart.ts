/**
 * The restart policy as pure decisions: whether a task that ended gets a replacement, and when
 * a waiting replacement may start.
 *
 * @module
 */
import { toBinary } from "@bufbuild/protobuf";
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { RestartPolicy_Condition, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { durationMs } from "../duration.ts";
import { isJobMode } from "../validate/mod.ts";
import { hasEnded, isActive, observedState, statusTime } from "./task_states.ts";

/** SwarmKit's defaults for a service without a restart policy. */
export const DEFAULT_RESTART_DELAY_MS = 5_000;
/** How long a replacement waits for the task it replaces to stop before starting anyway. */
export const WAIT_FOR_OLD_TASK_MS = 60_000;

/**
 * Does the policy restart `task`, given the other tasks of its slot (its history)? A job's
 * completed task is never restarted: for jobs the condition ANY (and no policy) acts as
 * ON_FAILURE.
 */
export function shouldRestart(
  service: Service,
  task: Task,
  slotHistory: readonly Task[],
  now: Date,
): boolean {
  const policy = service.spec?.task?.restart;
  let condition = policy?.condition ?? RestartPolicy_Condition.ANY;
  if (isJobMode(service.spec) && condition === RestartPolicy_Condition.ANY) {
    condition = RestartPolicy_Condition.ON_FAILURE;
  }
  if (condition === RestartPolicy_Condition.NONE) return false;
  if (
    condition === RestartPolicy_Condition.ON_FAILURE && observedState(task) === TaskState.COMPLETE
  ) {
    return false;
  }
  const maxAttempts = policy?.maxAttempts ?? 0;
  if (maxAttempts === 0) return true;
  const windowMs = policy?.window ? durationMs(policy.window) : 0;
  const since = windowMs > 0 ? now.getTime() - windowMs : -Infinity;
  // Every task of the slot that ended within the window counts as one attempt.
  const attempts = slotHistory.filter((t) => hasEnded(t) && statusTime(t) >= since).length;
  return attempts <= maxAttempts;
}

export function restartDelayMs(service: Service): number {
  const delay = service.spec?.task?.restart?.delay;
  return delay ? durationMs(delay) : DEFAULT_RESTART_DELAY_MS;
}

/**
 * A replacement created with desired READY may run once the restart delay has passed since its
 * predecessor ended and that predecessor has stopped (or has had a minute to do so).
 */
export function mayStart(
  waiting: Task,
  slotHistory: readonly Task[],
  now: Date,
  delayMs: number,
): boolean {
  const others = slotHistory.filter((t) => t.id !== waiting.id);
  const lastEnded = Math.max(0, ...others.filter(hasEnded).map(statusTime));
  if (delayMs > 0 && now.getTime() < lastEnded + delayMs) return false;
  const stillStopping = others.some((t) =>
    !hasEnded(t) && observedState(t) >= TaskState.ASSIGNED && !isActive(t)
  );
  if (!stillStopping) return true;
  return now.getTime() >= createdTime(waiting) + WAIT_FOR_OLD_TASK_MS;
}

/** A task is dirty when its spec differs from the service's current task spec. */
export function isDirty(service: Service, task: Task): boolean {
  if ((task.specVersion?.index ?? 0n) === (service.specVersion?.index ?? 0n)) return false;
  const want = service.spec?.task;
  if (!want || !task.spec) return want !== task.spec;
  return !equalBytes(toBinary(TaskSpecSchema, want), toBinary(TaskSpecSchema, task.spec));
}

function createdTime(task: Task): number {
  const ts = task.meta?.createdAt;
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : 0;
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
