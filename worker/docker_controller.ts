/**
 * The {@linkcode Controller} of the Docker executor: one container per task.
 *
 * - `prepare` creates the container (after the executor made sure the image is there and the
 *   command exists in it); `start` starts it; `wait` follows it to its exit code.
 * - `shutdown` sends the stop signal, waits the grace period (in milliseconds, measured here),
 *   then SIGKILLs; `terminate` SIGKILLs at once. An exit code of 128 + n after this controller sent
 *   signal n is reported as that signal.
 * - `remove` stops the container if needed and deletes it, with its logs.
 * - `logs` reads the container's output from the engine (`docker logs`).
 *
 * The per-task state lives in a {@linkcode DockerTaskState} owned by the executor and shared by
 * every controller of the task. The engine is the source of truth for what the state does not
 * know: a controller whose state never started the task looks the container up by name, so it
 * attaches to a container started before (e.g. by a previous run of the node) instead of starting
 * it again. An exited container is never started again.
 *
 * @module
 */

import { type ContainerInfo, type DockerEngine, isDockerStatus } from "./docker_engine.ts";
import { demuxDockerLogs } from "./docker_logs.ts";
import { containerName, type ContainerPlan } from "./docker_spec.ts";
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
import { signalNumber } from "./signals.ts";
import { DEFAULT_STOP_GRACE_PERIOD_MS, DEFAULT_STOP_SIGNAL, type TaskRuntime } from "./types.ts";

/** One task's state in the Docker executor. */
export class DockerTaskState {
  readonly task: TaskRuntime;
  /** The container's name, derived from the task. */
  readonly name: string;
  plan: ContainerPlan | undefined;
  /** Set once the container exists (created here, or found). */
  containerId: string | undefined;
  preparing: Promise<string> | undefined;
  /** `prepare` found the task's container already there (made by an earlier run). */
  adopted = false;
  starting: Promise<void> | undefined;
  /** The container was started (here, or before this state existed). */
  started = false;
  /** Shut down or removed before it started: start is refused. */
  stoppedBeforeStart = false;
  /** Host pid of the container's first process, read right after the start. */
  pid: number | undefined;
  /** The last signal this executor sent to the container. */
  lastSignal: Deno.Signal | undefined;
  exited: Promise<ExitResult> | undefined;
  exit: ExitResult | undefined;

  constructor(task: TaskRuntime) {
    this.task = task;
    this.name = containerName(task);
  }

  /** Whether the container was started and has not been seen to exit. */
  get running(): boolean {
    return this.started && this.exit === undefined;
  }

  /** The stop signal and grace period (the task's, or the defaults before it is prepared). */
  get stopSettings(): { readonly signal: Deno.Signal; readonly graceMs: number } {
    return {
      signal: this.plan?.stopSignal ?? this.task.stopSignal ?? DEFAULT_STOP_SIGNAL,
      graceMs: this.plan?.stopGracePeriodMs ?? this.task.stopGracePeriodMs ??
        DEFAULT_STOP_GRACE_PERIOD_MS,
    };
  }
}

/** What `prepare` hands back: the container, and whether it existed already. */
export interface PreparedContainer {
  readonly id: string;
  readonly adopted: boolean;
  readonly plan: ContainerPlan;
}

/** What a controller needs from its executor. */
export interface DockerControllerContext {
  readonly engine: DockerEngine;
  /** Validates the task, makes sure of the image and command, and creates the container. */
  prepare(state: DockerTaskState): Promise<PreparedContainer>;
  /** Throws while the executor is shutting down (no new starts). */
  checkStart(state: DockerTaskState): void;
  /** Forgets a removed task. */
  forget(state: DockerTaskState): void;
}

/** Controls one task's container; see {@linkcode Controller} for the contract. */
export class DockerController implements Controller {
  readonly #state: DockerTaskState;
  readonly #context: DockerControllerContext;
  #closed = false;

  constructor(state: DockerTaskState, context: DockerControllerContext) {
    this.#state = state;
    this.#context = context;
  }

  get #id(): string {
    return this.#state.task.taskId;
  }

  get #engine(): DockerEngine {
    return this.#context.engine;
  }

  #checkOpen(): void {
    if (this.#closed) throw new ControllerClosedError(this.#id);
  }

  async prepare(): Promise<void> {
    this.#checkOpen();
    const s = this.#state;
    if (s.containerId !== undefined || s.preparing !== undefined || s.started) {
      throw new TaskAlreadyPreparedError(this.#id);
    }
    await this.#prepare();
    if (s.adopted) throw new TaskAlreadyPreparedError(this.#id);
  }

  #prepare(): Promise<string> {
    const s = this.#state;
    if (s.containerId !== undefined) return Promise.resolve(s.containerId);
    s.preparing ??= this.#context.prepare(s).then(
      (prepared) => {
        s.plan = prepared.plan;
        s.containerId = prepared.id;
        s.adopted = prepared.adopted;
        return prepared.id;
      },
      (error: unknown) => {
        s.preparing = undefined; // a later prepare may succeed (e.g. the image was loaded)
        throw error;
      },
    );
    return s.preparing;
  }

  async start(): Promise<void> {
    this.#checkOpen();
    const s = this.#state;
    this.#refuseStart();
    const starting = (async () => {
      const id = await this.#prepare();
      const info = await this.#engine.inspectContainer(id);
      if (info === undefined) {
        throw new ExecutorError(
          `Container ${s.name} of task ${this.#id} was removed before it started: ` +
            "something else deletes swarm's containers",
        );
      }
      if (info.status !== "created") {
        s.started = true; // started by an earlier run: attach, never start it again
        throw new TaskAlreadyStartedError(this.#id, `its container ${s.name} is ${info.status}`);
      }
      if (s.stoppedBeforeStart) {
        throw new TaskAlreadyStartedError(this.#id, "it was shut down before it started");
      }
      this.#context.checkStart(s);
      try {
        await this.#engine.startContainer(id);
      } catch (error) {
        throw new ExecutorError(
          `Starting container ${s.name} failed: ${error instanceof Error ? error.message : error}`,
          { cause: error },
        );
      }
      s.started = true;
      s.pid = (await this.#engine.inspectContainer(id).catch(() => undefined))?.pid || undefined;
      this.#exited().catch(() => {}); // follow the exit from now on
    })();
    s.starting = starting;
    try {
      await starting;
    } catch (error) {
      if (!s.started) s.starting = undefined; // nothing runs: a later start may try again
      throw error;
    }
  }

  #refuseStart(): void {
    const s = this.#state;
    if (s.stoppedBeforeStart) {
      throw new TaskAlreadyStartedError(this.#id, "it was shut down before it started");
    }
    if (s.started || s.starting !== undefined) throw new TaskAlreadyStartedError(this.#id);
  }

  async wait(): Promise<ExitResult> {
    this.#checkOpen();
    const s = this.#state;
    if (s.exit !== undefined) return s.exit;
    await s.starting?.catch(() => {});
    if (!s.started && !(await this.#attach())) throw new TaskNotStartedError(this.#id);
    return await this.#exited();
  }

  /**
   * Attaches to the task's container if it was started before this state knew of it; resolves
   * whether it was.
   */
  async #attach(): Promise<boolean> {
    const s = this.#state;
    const info = await this.#lookup();
    if (info === undefined || info.status === "created") return false;
    s.containerId = info.id;
    s.started = true;
    return true;
  }

  async #lookup(): Promise<ContainerInfo | undefined> {
    return await this.#engine.inspectContainer(this.#state.containerId ?? this.#state.name);
  }

  /** The container's exit, followed once for all callers; a failed follow is tried again. */
  #exited(): Promise<ExitResult> {
    const s = this.#state;
    const id = s.containerId ?? s.name;
    s.exited ??= this.#engine.waitContainer(id).then(
      (exitCode) => {
        const signal = s.lastSignal;
        const exit: ExitResult = signal !== undefined && exitCode === 128 + signalNumber(signal)!
          ? { exitCode, signal }
          : { exitCode };
        s.exit = exit;
        return exit;
      },
      (error: unknown) => {
        s.exited = undefined;
        if (isDockerStatus(error, 404)) {
          throw new ExecutorError(
            `Container ${s.name} of task ${this.#id} was removed while it ran: its exit code is ` +
              "unknown",
            { cause: error },
          );
        }
        throw error;
      },
    );
    return s.exited;
  }

  async shutdown(): Promise<void> {
    this.#checkOpen();
    if (!(await this.#startedOrMarkStopped())) return;
    await this.#stop(this.#state.stopSettings.signal, this.#state.stopSettings.graceMs);
  }

  async terminate(): Promise<void> {
    this.#checkOpen();
    if (!(await this.#startedOrMarkStopped())) return;
    await this.#stop("SIGKILL", 0);
  }

  /** Whether there is a started container to stop; if not, refuses any later start. */
  async #startedOrMarkStopped(): Promise<boolean> {
    const s = this.#state;
    await s.starting?.catch(() => {});
    if (s.started || (await this.#attach())) return true;
    s.stoppedBeforeStart = true;
    return false;
  }

  /** Sends `signal`, waits up to `graceMs` for the exit, then SIGKILLs and waits. */
  async #stop(signal: Deno.Signal, graceMs: number): Promise<void> {
    const s = this.#state;
    if (s.exit !== undefined) return;
    const exited = this.#exited();
    exited.catch(() => {});
    const id = s.containerId ?? s.name;
    let gone = false;
    if (signal !== "SIGKILL") {
      s.lastSignal = signal;
      gone = await this.#engine.killContainer(id, signal) && await settlesWithin(exited, graceMs);
    }
    if (!gone && s.exit === undefined) {
      s.lastSignal = "SIGKILL";
      await this.#engine.killContainer(id, "SIGKILL");
    }
    await exited;
  }

  async remove(): Promise<void> {
    this.#checkOpen();
    const s = this.#state;
    await s.preparing?.catch(() => {});
    await this.shutdown();
    await this.#engine.removeContainer(s.containerId ?? s.name);
    this.#context.forget(s);
  }

  async inspect(): Promise<ControllerInspection> {
    this.#checkOpen();
    const s = this.#state;
    const info = await this.#lookup();
    if (info === undefined || info.status === "created") return { running: false };
    const pid = info.pid || s.pid;
    const running = info.running || info.status === "paused" || info.status === "restarting";
    return {
      running,
      ...(pid ? { pid } : {}),
      ...(running ? {} : { exitCode: info.exitCode }),
    };
  }

  async logs(): Promise<TaskLogs> {
    this.#checkOpen();
    const s = this.#state;
    try {
      return demuxDockerLogs(await this.#engine.containerLogs(s.containerId ?? s.name));
    } catch (error) {
      if (isDockerStatus(error, 404)) return { stdout: "", stderr: "" };
      throw error;
    }
  }

  // deno-lint-ignore require-await
  async close(): Promise<void> {
    this.#closed = true;
  }
}

/** Whether `promise` settles within `ms` milliseconds. */
async function settlesWithin(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((resolve) => timer = setTimeout(() => resolve(false), ms));
  try {
    return await Promise.race([promise.then(() => true, () => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
