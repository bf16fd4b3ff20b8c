/**
 * The executor seam (SwarmKit's `agent/exec`): an {@linkcode Executor} describes the node and hands
 * out one {@linkcode Controller} per task; the agent drives controllers through the pure step
 * function in `task_step.ts`. Errors callers must tell apart are typed here.
 *
 * @module
 */

import type { TaskRuntime } from "./types.ts";

/** Resources the node offers to tasks. */
export interface NodeResources {
  /** CPU capacity in billionths of a CPU (1 CPU = 1e9). */
  readonly nanoCPUs: number;
  readonly memoryBytes: number;
}

/** What an executor reports about its node. */
export interface NodeDescriptionInfo {
  readonly hostname: string;
  /** `os` as in `Deno.build.os` (`"linux"`), `architecture` as in `Deno.build.arch` (`"x86_64"`). */
  readonly platform: { readonly os: string; readonly architecture: string };
  readonly resources: NodeResources;
  /** The executor's name (`"process"`, `"docker"`), as the node reports it to the managers. */
  readonly executor?: string;
}

/** How a task's main process ended. */
export interface ExitResult {
  /** Exit code; 128 + signal number when killed by a signal. */
  readonly exitCode: number;
  /** The signal that killed the process, if any. */
  readonly signal?: Deno.Signal;
}

/** A snapshot of a controller's runtime, for status reporting. */
export interface ControllerInspection {
  readonly running: boolean;
  readonly pid?: number;
  readonly exitCode?: number;
}

/** Output captured from a task. */
export interface TaskLogs {
  readonly stdout: string;
  readonly stderr: string;
}

/** One line of a task's output. */
export interface LogLine {
  readonly stream: "stdout" | "stderr";
  /** The line, without its line break. */
  readonly data: string;
  /** When it was written (ms since the epoch), or as near as the executor knows. */
  readonly timestamp: number;
}

/** Options of {@linkcode Executor.logs}. */
export interface LogReadOptions {
  /** Only the last `tail` lines of each stream. @default all */
  readonly tail?: number;
  /** Keep reading new output until `signal` aborts. */
  readonly follow: boolean;
  readonly signal: AbortSignal;
}

/** Runs tasks on this node. */
export interface Executor {
  /** Describes the node: hostname, platform and resources. */
  describe(): Promise<NodeDescriptionInfo>;
  /**
   * Returns the controller for a task. Calling it again for a task ID whose process still exists
   * returns a controller attached to that process (start then fails with
   * {@linkcode TaskAlreadyStartedError}). Throws {@linkcode TaskRejectedError} if this executor can
   * never run the task.
   */
  controller(task: TaskRuntime): Controller;
  /**
   * The output of a task that runs or ran here, line by line: stdout's lines then stderr's, then
   * (with `follow`) new lines as they come, until `signal` aborts. Nothing for an unknown task.
   */
  logs?(taskId: string, options: LogReadOptions): AsyncIterable<LogLine>;
}

/**
 * Controls the execution of one task. All methods are async; each is safe to call again:
 * `prepare` twice throws {@linkcode TaskAlreadyPreparedError}, `start` twice throws
 * {@linkcode TaskAlreadyStartedError}, and `shutdown`, `terminate`, `remove` are idempotent.
 */
export interface Controller {
  /**
   * Validates the task and creates what `start` needs (resolves the executable, creates log
   * directories, pulls an image). Throws {@linkcode TaskRejectedError} for a task that cannot run.
   */
  prepare(): Promise<void>;
  /** Starts the task and resolves once it runs. Prepares first if that has not happened. */
  start(): Promise<void>;
  /**
   * Resolves when the task's main process exits, with its exit code (also non-zero: the step
   * function turns that into FAILED). May be called repeatedly and concurrently; every call
   * resolves with the same result. Throws {@linkcode TaskNotStartedError} if this executor never
   * started the task (e.g. after a node restart).
   */
  wait(): Promise<ExitResult>;
  /**
   * Stops the task gracefully: sends the task's stop signal, waits its grace period, then kills.
   * Resolves once the task has exited. Before `start`, it only prevents a later `start`.
   */
  shutdown(): Promise<void>;
  /** Kills the task at once (SIGKILL) and resolves once it has exited. */
  terminate(): Promise<void>;
  /** Stops the task if needed and deletes everything it left behind (logs, state). */
  remove(): Promise<void>;
  /** Runtime details (pid, exit code) for status reports. */
  inspect?(): Promise<ControllerInspection>;
  /** The output captured so far, for executors that capture it. */
  logs?(): Promise<TaskLogs>;
  /**
   * Releases the controller's ephemeral resources; the task itself keeps running. Later calls
   * other than `close` throw {@linkcode ControllerClosedError}.
   */
  close(): Promise<void>;
}

/** Base class of the errors a controller throws on purpose. */
export class ExecutorError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}

/**
 * The task can never run as specified (missing executable, missing working directory, invalid
 * environment). Before STARTING this becomes REJECTED.
 */
export class TaskRejectedError extends ExecutorError {}

/** `prepare` was called on an already prepared task (SwarmKit's `ErrTaskPrepared`). */
export class TaskAlreadyPreparedError extends ExecutorError {
  constructor(taskId: string) {
    super(`Task already prepared: ${taskId}`);
  }
}

/**
 * `start` is no longer valid: the task was started (or shut down) before
 * (SwarmKit's `ErrTaskStarted`). This does not imply that it still runs.
 */
export class TaskAlreadyStartedError extends ExecutorError {
  constructor(taskId: string, detail = "it was started before") {
    super(`Task already started: ${taskId}: ${detail}`);
  }
}

/** `wait` on a task this executor never started (e.g. its process was lost in a node restart). */
export class TaskNotStartedError extends ExecutorError {
  constructor(taskId: string) {
    super(
      `Task not started by this executor: ${taskId}: its process is unknown (lost in a node restart?)`,
    );
  }
}

/** The controller was closed (SwarmKit's `ErrControllerClosed`). */
export class ControllerClosedError extends ExecutorError {
  constructor(taskId: string) {
    super(`Controller closed: ${taskId}: create a new controller to act on the task`);
  }
}

/** A failure worth retrying: the step function keeps the state and records the error. */
export class TemporaryError extends ExecutorError {}

/** Something that carries a process exit code (SwarmKit's `ExitCoder`). */
export interface ExitCoder {
  readonly exitCode: number;
}

/** A task failure with an exit code, e.g. thrown by a container executor's `wait`. */
export class TaskExitError extends ExecutorError implements ExitCoder {
  readonly exitCode: number;
  constructor(exitCode: number, options?: ErrorOptions) {
    super(nonZeroExitMessage(exitCode), options);
    this.exitCode = exitCode;
  }
}

/** SwarmKit's error text for a failed exit: `"task: non-zero exit (3)"`. */
export function nonZeroExitMessage(exitCode: number): string {
  return `task: non-zero exit (${exitCode})`;
}

/** Whether `error` carries a numeric `exitCode`. */
export function isExitCoder(error: unknown): error is ExitCoder {
  return typeof error === "object" && error !== null &&
    typeof (error as { exitCode?: unknown }).exitCode === "number";
}

/** Whether `error` or one of its causes is a {@linkcode TemporaryError}. */
export function isTemporary(error: unknown): boolean {
  for (let e = error, depth = 0; e !== undefined && depth < 16; depth++) {
    if (e instanceof TemporaryError) return true;
    e = e instanceof Error ? e.cause : undefined;
  }
  return false;
}

/** The message of an error, or its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
