/**
 * A scriptable in-memory executor for agent and orchestrator tests. Each task follows a
 * {@linkcode FakeScript}: set one per task ID, supply `scriptFor`, or let the task's command say it
 * (`fake exit=3 after=50`, see `fake_script.ts`). It honours the same contract as the real
 * executors (it runs the same conformance suite): fake pids, exit codes of 128 + signal, stop
 * signal then SIGKILL after the grace period, captured stdout and stderr.
 *
 * @module
 */

import {
  type Controller,
  ControllerClosedError,
  type ControllerInspection,
  type Executor,
  type ExitResult,
  type LogLine,
  type LogReadOptions,
  type NodeDescriptionInfo,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
  type TaskLogs,
  TaskNotStartedError,
  TaskRejectedError,
} from "./executor.ts";
import { pollLogs } from "./log_poll.ts";
import { type Clock, realClock, type TimerId } from "./fake_clock.ts";
import { type FakeScript, fakeScriptFromCommand } from "./fake_script.ts";
import { parseTaskEnv } from "./process_spec.ts";
import { parseSignal, signalNumber } from "./signals.ts";
import { DEFAULT_STOP_GRACE_PERIOD_MS, DEFAULT_STOP_SIGNAL, type TaskRuntime } from "./types.ts";

/** Options of a {@linkcode FakeExecutor}. */
export interface FakeExecutorOptions {
  /** Scripts by task ID; they win over `scriptFor`. */
  readonly scripts?: Readonly<Record<string, FakeScript>>;
  /** Script of tasks without an entry in `scripts`. @default parse the task's command and args */
  readonly scriptFor?: (task: TaskRuntime) => FakeScript;
  /** Timers for delays, exits and grace periods. @default {realClock} */
  readonly clock?: Clock;
  /** What `describe()` returns. @default host "fake-node", linux/x86_64, 4 CPUs, 8 GiB */
  readonly description?: NodeDescriptionInfo;
}

/** A controller operation, as recorded in {@linkcode FakeExecutor.calls}. */
export type FakeOp =
  | "prepare"
  | "start"
  | "wait"
  | "shutdown"
  | "terminate"
  | "remove"
  | "inspect"
  | "logs"
  | "close";

/** One fake task's "process" state, shared by every controller of the task. */
class FakeTask {
  readonly task: TaskRuntime;
  readonly script: FakeScript;
  prepared = false;
  /** Shut down or removed before it started: start is refused. */
  stoppedBeforeStart = false;
  pid: number | undefined;
  exit: ExitResult | undefined;
  stdout = "";
  stderr = "";
  readonly #exited = Promise.withResolvers<ExitResult>();
  readonly #clock: Clock;
  #timers = new Set<TimerId>();

  constructor(task: TaskRuntime, script: FakeScript, clock: Clock) {
    this.task = task;
    this.script = script;
    this.#clock = clock;
  }

  get started(): boolean {
    return this.pid !== undefined;
  }

  get running(): boolean {
    return this.started && this.exit === undefined;
  }

  get exited(): Promise<ExitResult> {
    return this.#exited.promise;
  }

  run(pid: number): void {
    this.pid = pid;
    const { script } = this;
    const env = parseTaskEnv(this.task.env);
    if (script.stdout !== undefined) this.stdout += `${script.stdout}\n`;
    if (script.stderr !== undefined) this.stderr += `${script.stderr}\n`;
    for (const name of script.printEnv ?? []) this.stdout += `${name}=${env[name] ?? ""}\n`;
    if (script.printCwd) this.stdout += `cwd=${this.task.dir ?? "/"}\n`;
    if (script.exitCode !== undefined) {
      const code = script.exitCode;
      this.after(script.exitAfterMs ?? 0, () => this.finish({ exitCode: code }));
    }
  }

  /** Delivers the stop signal; resolves once exited (after the grace period if it is ignored). */
  stop(): Promise<ExitResult> {
    if (!this.running) return this.exited;
    const signal = parseSignal(this.task.stopSignal ?? DEFAULT_STOP_SIGNAL) ?? DEFAULT_STOP_SIGNAL;
    if (this.script.ignoreStopSignal) {
      const grace = this.task.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_PERIOD_MS;
      this.after(grace, () => this.kill("SIGKILL"));
    } else {
      this.kill(signal);
    }
    return this.exited;
  }

  kill(signal: Deno.Signal): void {
    this.finish({ exitCode: 128 + (signalNumber(signal) ?? 15), signal });
  }

  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.after(ms, resolve));
  }

  after(ms: number, callback: () => void): void {
    const id = this.#clock.setTimeout(() => {
      this.#timers.delete(id);
      callback();
    }, ms);
    this.#timers.add(id);
  }

  finish(exit: ExitResult): void {
    if (this.exit !== undefined) return;
    this.exit = exit;
    for (const id of this.#timers) this.#clock.clearTimeout(id);
    this.#timers.clear();
    this.#exited.resolve(exit);
  }
}

/** A scriptable in-memory {@linkcode Executor}; see the module documentation. */
export class FakeExecutor implements Executor {
  /** Every controller call, in order. */
  readonly calls: Array<{ readonly taskId: string; readonly op: FakeOp }> = [];
  readonly #scripts = new Map<string, FakeScript>();
  readonly #scriptFor: (task: TaskRuntime) => FakeScript;
  readonly #clock: Clock;
  readonly #description: NodeDescriptionInfo;
  readonly #tasks = new Map<string, FakeTask>();
  #nextPid = 10_000;

  constructor(options: FakeExecutorOptions = {}) {
    for (const [id, script] of Object.entries(options.scripts ?? {})) this.#scripts.set(id, script);
    this.#scriptFor = options.scriptFor ?? ((t) => fakeScriptFromCommand(t.command, t.args));
    this.#clock = options.clock ?? realClock;
    this.#description = options.description ?? {
      hostname: "fake-node",
      platform: { os: "linux", architecture: "x86_64" },
      resources: { nanoCPUs: 4e9, memoryBytes: 8 * 2 ** 30 },
    };
  }

  /** Sets the script of a task that has no controller yet. */
  setScript(taskId: string, script: FakeScript): void {
    this.#scripts.set(taskId, script);
  }

  describe(): Promise<NodeDescriptionInfo> {
    return Promise.resolve(this.#description);
  }

  /** The task's captured output (see `log_poll.ts`); nothing for an unknown task. */
  logs(taskId: string, options: LogReadOptions): AsyncIterable<LogLine> {
    return pollLogs(() => {
      const t = this.#tasks.get(taskId);
      return Promise.resolve({ stdout: t?.stdout ?? "", stderr: t?.stderr ?? "" });
    }, { pollMs: 10, ...options });
  }

  controller(task: TaskRuntime): FakeController {
    let state = this.#tasks.get(task.taskId);
    if (state === undefined) {
      const script = this.#scripts.get(task.taskId) ?? this.#scriptFor(task);
      state = new FakeTask(task, script, this.#clock);
      this.#tasks.set(task.taskId, state);
    }
    return new FakeController(state, {
      record: (op) => this.calls.push({ taskId: task.taskId, op }),
      forget: () => this.#tasks.delete(task.taskId),
      nextPid: () => this.#nextPid++,
    });
  }

  /** IDs of the tasks whose fake process runs. */
  running(): string[] {
    return [...this.#tasks.values()].filter((t) => t.running).map((t) => t.task.taskId);
  }

  /** The runtime a task was given (to assert on env, dir, ...), if it has a controller. */
  taskRuntime(taskId: string): TaskRuntime | undefined {
    return this.#tasks.get(taskId)?.task;
  }

  /** Makes a running task exit now, as if it crashed or finished. */
  exit(taskId: string, exitCode: number): void {
    const state = this.#tasks.get(taskId);
    if (state?.running !== true) throw new Error(`Fake task not running: ${taskId}`);
    state.finish({ exitCode });
  }

  /** Stops every running task (stop signal, grace period, kill), like a graceful node stop. */
  async shutdownAll(): Promise<void> {
    await Promise.all([...this.#tasks.values()].map((t) => t.stop()));
  }
}

interface ControllerHooks {
  record(op: FakeOp): void;
  forget(): void;
  nextPid(): number;
}

/** The controller of a fake task; every controller of one task shares its state. */
export class FakeController implements Controller {
  readonly #state: FakeTask;
  readonly #hooks: ControllerHooks;
  #closed = false;

  /** @internal Use {@linkcode FakeExecutor.controller}. */
  constructor(state: FakeTask, hooks: ControllerHooks) {
    this.#state = state;
    this.#hooks = hooks;
  }

  get #id(): string {
    return this.#state.task.taskId;
  }

  #enter(op: FakeOp): void {
    this.#hooks.record(op);
    if (this.#closed) throw new ControllerClosedError(this.#id);
  }

  async prepare(): Promise<void> {
    this.#enter("prepare");
    if (this.#state.prepared || this.#state.started) throw new TaskAlreadyPreparedError(this.#id);
    await this.#prepare();
  }

  async #prepare(): Promise<void> {
    const { script } = this.#state;
    if (script.prepareDelayMs !== undefined && script.prepareDelayMs > 0) {
      await this.#state.sleep(script.prepareDelayMs);
    }
    if (script.prepareError !== undefined) throw new TaskRejectedError(script.prepareError);
    this.#state.prepared = true;
  }

  async start(): Promise<void> {
    this.#enter("start");
    const state = this.#state;
    if (state.stoppedBeforeStart) {
      throw new TaskAlreadyStartedError(this.#id, "it was shut down before it started");
    }
    if (state.started) throw new TaskAlreadyStartedError(this.#id);
    if (!state.prepared) await this.#prepare();
    if (state.started) throw new TaskAlreadyStartedError(this.#id); // raced with another start
    if (state.script.startError !== undefined) throw new Error(state.script.startError);
    state.run(this.#hooks.nextPid());
  }

  async wait(): Promise<ExitResult> {
    this.#enter("wait");
    if (!this.#state.started) throw new TaskNotStartedError(this.#id);
    return await this.#state.exited;
  }

  async shutdown(): Promise<void> {
    this.#enter("shutdown");
    if (!this.#state.started) {
      this.#state.stoppedBeforeStart = true;
      return;
    }
    await this.#state.stop();
  }

  async terminate(): Promise<void> {
    this.#enter("terminate");
    if (!this.#state.started) {
      this.#state.stoppedBeforeStart = true;
      return;
    }
    this.#state.kill("SIGKILL");
    await this.#state.exited;
  }

  async remove(): Promise<void> {
    this.#enter("remove");
    if (this.#state.started) await this.#state.stop();
    else this.#state.stoppedBeforeStart = true;
    this.#hooks.forget();
  }

  // deno-lint-ignore require-await
  async inspect(): Promise<ControllerInspection> {
    this.#enter("inspect");
    const { pid, exit, running } = this.#state;
    return {
      running,
      ...(pid === undefined ? {} : { pid }),
      ...(exit === undefined ? {} : { exitCode: exit.exitCode }),
    };
  }

  // deno-lint-ignore require-await
  async logs(): Promise<TaskLogs> {
    this.#enter("logs");
    return { stdout: this.#state.stdout, stderr: this.#state.stderr };
  }

  // deno-lint-ignore require-await
  async close(): Promise<void> {
    this.#hooks.record("close");
    this.#closed = true;
  }
}
