/**
 * The pure task step function, after SwarmKit's `exec.Do`, split in two halves so that it does no
 * IO: {@linkcode nextStep} decides what to do from the desired state and the observed status, the
 * caller performs that controller call, and {@linkcode applyResult} turns its outcome into the next
 * observed status.
 *
 * Rules (SwarmKit `agent/exec/controller.go`):
 * - Desired state ≥ SHUTDOWN shuts the task down unless it has already finished (≥ COMPLETE).
 * - The observed state never moves past the desired state, except that PREPARING→READY,
 *   STARTING→RUNNING and RUNNING→COMPLETE always run; failures (FAILED, REJECTED) may too.
 * - A fatal error before STARTING is REJECTED; at or after STARTING it is FAILED. A
 *   {@linkcode TemporaryError} keeps the state and records the error (the caller retries).
 * - Exit code 0 is COMPLETE; any other exit is FAILED with `"task: non-zero exit (N)"`.
 * - States only move forward.
 *
 * @module
 */

import {
  errorMessage,
  type ExitResult,
  isExitCoder,
  isTemporary,
  nonZeroExitMessage,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
} from "./executor.ts";
import { type ObservedStatus, TaskState, taskStateName } from "./types.ts";

/** A controller call the caller must make. */
export type ControllerStep =
  | { readonly kind: "prepare" }
  | { readonly kind: "start" }
  | { readonly kind: "wait" }
  | { readonly kind: "shutdown" };

/** A status change that needs no controller call. */
export interface TransitionStep {
  readonly kind: "transition";
  readonly state: TaskState;
  readonly message: string;
}

/** Nothing to do until the desired state changes. */
export interface NoopStep {
  readonly kind: "noop";
}

/** What to do next for a task. */
export type Step = ControllerStep | TransitionStep | NoopStep;

/** The inputs of a step: the manager's desired state and the agent's observed status. */
export interface TaskView {
  readonly desiredState: TaskState;
  readonly status: ObservedStatus;
}

/** The outcome of a controller call. */
export type StepResult =
  | {
    readonly ok: true;
    /** For `wait`: how the process ended. */
    readonly exit?: ExitResult;
    /** For `start`: the pid of the task's main process, if known. */
    readonly pid?: number;
  }
  | { readonly ok: false; readonly error: unknown };

const NOOP: NoopStep = Object.freeze({ kind: "noop" });
const PREPARE: ControllerStep = Object.freeze({ kind: "prepare" });
const START: ControllerStep = Object.freeze({ kind: "start" });
const WAIT: ControllerStep = Object.freeze({ kind: "wait" });
const SHUTDOWN: ControllerStep = Object.freeze({ kind: "shutdown" });

/** Decides the next step for a task. Pure. */
export function nextStep(task: TaskView): Step {
  const desired = task.desiredState;
  const state = task.status.state;

  // Bounds the agent's largest state at SHUTDOWN.
  if (desired >= TaskState.SHUTDOWN) {
    return state >= TaskState.COMPLETE ? NOOP : SHUTDOWN;
  }
  if (state > desired) return NOOP; // way beyond the desired state: pause

  // These may proceed past the desired state.
  switch (state) {
    case TaskState.PREPARING:
      return PREPARE;
    case TaskState.STARTING:
      return START;
    case TaskState.RUNNING:
      return WAIT;
  }

  // "Pause" states: proceed only while the desired state is beyond the current one.
  if (state >= desired) return NOOP;
  switch (state) {
    case TaskState.NEW:
    case TaskState.PENDING:
    case TaskState.ASSIGNED:
      return { kind: "transition", state: TaskState.ACCEPTED, message: "accepted" };
    case TaskState.ACCEPTED:
      return { kind: "transition", state: TaskState.PREPARING, message: "preparing" };
    case TaskState.READY:
      return { kind: "transition", state: TaskState.STARTING, message: "starting" };
    default:
      return NOOP; // terminal states
  }
}

/**
 * The observed status after `step` produced `result`, stamped with `now` (ms since the epoch) if it
 * changed. For `noop` and `transition` steps `result` is ignored. Pure. Throws `RangeError` if the
 * step would move the state backwards (a caller bug).
 */
export function applyResult(
  status: ObservedStatus,
  step: Step,
  result: StepResult,
  now: number,
): ObservedStatus {
  switch (step.kind) {
    case "noop":
      return status;
    case "transition":
      return transition(status, step.state, step.message, now);
  }
  if (!result.ok) {
    const { error } = result;
    const benign = (step.kind === "prepare" && error instanceof TaskAlreadyPreparedError) ||
      (step.kind === "start" && error instanceof TaskAlreadyStartedError);
    if (!benign) return fail(status, step, error, now);
  }
  switch (step.kind) {
    case "prepare":
      return transition(status, TaskState.READY, "prepared", now);
    case "start": {
      const next = transition(status, TaskState.RUNNING, "started", now);
      return result.ok && result.pid !== undefined ? { ...next, pid: result.pid } : next;
    }
    case "wait": {
      const exit = result.ok ? result.exit : undefined;
      const exitCode = exit?.exitCode ?? 0;
      if (exitCode === 0) {
        return { ...transition(status, TaskState.COMPLETE, "finished", now), exitCode };
      }
      return {
        ...transition(status, TaskState.FAILED, "failed", now),
        err: nonZeroExitMessage(exitCode),
        exitCode,
      };
    }
    case "shutdown":
      return transition(status, TaskState.SHUTDOWN, "shutdown", now);
  }
}

/**
 * The status to report when `executor.controller(task)` throws (SwarmKit's `exec.Resolve`): before
 * STARTING the task is REJECTED, up to RUNNING it FAILED, later states are kept.
 */
export function controllerFailedStatus(
  status: ObservedStatus,
  error: unknown,
  now: number,
): ObservedStatus {
  let state = status.state;
  if (state < TaskState.STARTING) state = TaskState.REJECTED;
  else if (state <= TaskState.RUNNING) state = TaskState.FAILED;
  return stamp(
    status,
    { ...status, state, message: "resolving controller failed", err: errorMessage(error) },
    now,
  );
}

/** Whether two statuses are equal apart from their timestamps. */
export function sameStatus(a: ObservedStatus, b: ObservedStatus): boolean {
  return a.state === b.state && a.message === b.message && a.err === b.err &&
    a.exitCode === b.exitCode && a.pid === b.pid;
}

function transition(
  status: ObservedStatus,
  state: TaskState,
  message: string,
  now: number,
): ObservedStatus {
  if (state < status.state) {
    throw new RangeError(
      `Invalid task state transition: ${taskStateName(status.state)} -> ${taskStateName(state)}`,
    );
  }
  const { err: _dropped, ...rest } = status;
  return stamp(status, { ...rest, state, message }, now);
}

function fail(
  status: ObservedStatus,
  step: ControllerStep,
  error: unknown,
  now: number,
): ObservedStatus {
  const err = errorMessage(error);
  // A temporary error keeps the state (the caller retries); so does any error once finished.
  if (isTemporary(error) || status.state >= TaskState.COMPLETE) {
    return stamp(status, { ...status, err }, now);
  }
  const state = status.state < TaskState.STARTING ? TaskState.REJECTED : TaskState.FAILED;
  const next: ObservedStatus = { ...status, state, message: `${step.kind} failed`, err };
  return stamp(status, isExitCoder(error) ? { ...next, exitCode: error.exitCode } : next, now);
}

function stamp(before: ObservedStatus, after: ObservedStatus, now: number): ObservedStatus {
  return sameStatus(before, after) ? before : { ...after, timestamp: now };
}
