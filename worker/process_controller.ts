/**
 * The {@linkcode Controller} of the process executor. The per-task state (launch spec, process
 * handle) lives in a {@linkcode ProcessTaskState} owned by the executor and shared by every
 * controller of that task, so a controller created again for a running task attaches to it.
 *
 * @module
 */

import {
  type Controller,
  ControllerClosedError,
  type ControllerInspection,
  ExecutorError,
  type ExitResult,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
  type TaskLogs,
  TaskNotStartedError,
} from "./executor.ts";
import { ProcessHandle, type SpawnOptions } from "./process_handle.ts";
import type { LaunchSpec } from "./process_spec.ts";
import type { TaskRuntime } from "./types.ts";

/** One task's state in the process executor. */
export class ProcessTaskState {
  readonly task: TaskRuntime;
  spec: LaunchSpec | undefined;
  preparing: Promise<LaunchSpec> | undefined;
  handle: ProcessHandle | undefined;
  /** Shut down or removed before it started: start is refused. */
  stoppedBeforeStart = false;

  constructor(task: TaskRuntime) {
    this.task = task;
  }

  get running(): boolean {
    return this.handle !== undefined && this.handle.exit === undefined;
  }
}

/** What a controller needs from its executor. */
export interface ProcessControllerContext {
  /** Validates the task and creates its log directory. */
  prepare(task: TaskRuntime): Promise<LaunchSpec>;
  /** How to spawn; throws while the executor is shutting down. */
  spawnOptions(task: TaskRuntime): Promise<SpawnOptions>;
  /** The log directory of a task, prepared or not. */
  logDir(taskId: string): string;
  /** Deletes the task's secret and config files (`task_files.ts`); none is fine. */
  removeFiles(taskId: string): Promise<void>;
  /** Forgets a removed task. */
  forget(state: ProcessTaskState): void;
}

/** Controls one task's process; see {@linkcode Controller} for the contract. */
export class ProcessController implements Controller {
  readonly #state: ProcessTaskState;
  readonly #context: ProcessControllerContext;
  #closed = false;

  constructor(state: ProcessTaskState, context: ProcessControllerContext) {
    this.#state = state;
    this.#context = context;
  }

  get #id(): string {
    return this.#state.task.taskId;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ControllerClosedError(this.#id);
  }

  async prepare(): Promise<void> {
    this.#checkOpen();
    const state = this.#state;
    if (state.spec !== undefined || state.preparing !== undefined || state.handle !== undefined) {
      throw new TaskAlreadyPreparedError(this.#id);
    }
    await this.#prepare();
  }

  #prepare(): Promise<LaunchSpec> {
    const state = this.#state;
    if (state.spec !== undefined) return Promise.resolve(state.spec);
    state.preparing ??= this.#context.prepare(state.task).then(
      (spec) => {
        state.spec = spec;
        return spec;
      },
      (error: unknown) => {
        state.preparing = undefined; // a later prepare may succeed (e.g. directory created)
        throw error;
      },
    );
    return state.preparing;
  }

  async start(): Promise<void> {
    this.#checkOpen();
    const state = this.#state;
    this.#refuseStart();
    const spec = await this.#prepare();
    const options = await this.#context.spawnOptions(state.task);
    this.#refuseStart(); // a concurrent start or shutdown won the race
    let handle: ProcessHandle;
    try {
      handle = ProcessHandle.spawn(spec, options);
    } catch (error) {
      throw new ExecutorError(
        `Starting task process failed: ${spec.executable}: ${
          error instanceof Error ? error.message : String(error)
        }`,
        { cause: error },
      );
    }
    state.handle = handle;
    // A task never runs again once its process is gone: its secrets go with it.
    handle.exited.then(() => this.#context.removeFiles(state.task.taskId)).catch(() => {});
    // Started means recorded: a node killed from now on finds the process on its next start.
    await handle.recorded;
  }

  #refuseStart(): void {
    if (this.#state.stoppedBeforeStart) {
      throw new TaskAlreadyStartedError(this.#id, "it was shut down before it started");
    }
    if (this.#state.handle !== undefined) throw new TaskAlreadyStartedError(this.#id);
  }

  async wait(): Promise<ExitResult> {
    this.#checkOpen();
    const { handle } = this.#state;
    if (handle === undefined) throw new TaskNotStartedError(this.#id);
    return await handle.exited;
  }

  async shutdown(): Promise<void> {
    this.#checkOpen();
    const { handle, spec } = this.#state;
    if (handle === undefined || spec === undefined) {
      this.#state.stoppedBeforeStart = true;
      return;
    }
    await handle.stop(spec.stopSignal, spec.stopGracePeriodMs);
  }

  async terminate(): Promise<void> {
    this.#checkOpen();
    const { handle } = this.#state;
    if (handle === undefined) {
      this.#state.stoppedBeforeStart = true;
      return;
    }
    await handle.kill();
  }

  async remove(): Promise<void> {
    this.#checkOpen();
    await this.shutdown();
    try {
      await Deno.remove(this.#context.logDir(this.#id), { recursive: true });
    } catch (error) {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    }
    await this.#context.removeFiles(this.#id);
    this.#context.forget(this.#state);
  }

  // deno-lint-ignore require-await
  async inspect(): Promise<ControllerInspection> {
    this.#checkOpen();
    const { handle } = this.#state;
    if (handle === undefined) return { running: false };
    const exit = handle.exit;
    return exit === undefined
      ? { running: true, pid: handle.pid }
      : { running: false, pid: handle.pid, exitCode: exit.exitCode };
  }

  async logs(): Promise<TaskLogs> {
    this.#checkOpen();
    const dir = this.#context.logDir(this.#id);
    const read = (name: string) => Deno.readTextFile(`${dir}/${name}`).catch(() => "");
    const [stdout, stderr] = await Promise.all([read("stdout.log"), read("stderr.log")]);
    return { stdout, stderr };
  }

  // deno-lint-ignore require-await
  async close(): Promise<void> {
    this.#closed = true;
  }
}
