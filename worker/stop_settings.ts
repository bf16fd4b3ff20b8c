/**
 * How a task is stopped: its stop signal, then SIGKILL after the grace period. Every executor
 * validates a task's settings the same way, with the same messages.
 *
 * @module
 */
import { TaskRejectedError } from "./executor.ts";
import { parseSignal } from "./signals.ts";
import { DEFAULT_STOP_GRACE_PERIOD_MS, DEFAULT_STOP_SIGNAL, type TaskRuntime } from "./types.ts";

export interface StopSettings {
  readonly stopSignal: Deno.Signal;
  readonly stopGracePeriodMs: number;
}

/** The task's stop settings with defaults applied. @throws {TaskRejectedError} when invalid. */
export function stopSettings(
  task: Pick<TaskRuntime, "stopSignal" | "stopGracePeriodMs">,
): StopSettings {
  const grace = task.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_PERIOD_MS;
  if (!Number.isFinite(grace) || grace < 0) {
    throw new TaskRejectedError(`Invalid stop grace period: ${grace} ms: expected a number ≥ 0`);
  }
  const stopSignal = parseSignal(task.stopSignal ?? DEFAULT_STOP_SIGNAL);
  if (stopSignal === undefined) {
    throw new TaskRejectedError(
      `Invalid stop signal: ${JSON.stringify(task.stopSignal)}: use a name such as SIGTERM, ` +
        "TERM, or a number such as 15",
    );
  }
  return { stopSignal, stopGracePeriodMs: grace };
}
