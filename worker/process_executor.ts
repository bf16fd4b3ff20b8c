/**
 * The process executor, the embedded default: runs each task's `command args` as a local process.
 *
 * - Environment: exactly the task env merged over a small base — `PATH` and `HOME` (the agent's,
 *   or `DEFAULT_PATH` and `/`) and `SWARM_TASK_ID`, `SWARM_TASK_NAME`, `SWARM_TASK_SLOT`,
 *   `SWARM_SERVICE_ID`, `SWARM_NODE_ID` — nothing else of the agent's environment (the launching
 *   shell adds `PWD`). The task env wins on conflicts.
 * - Working directory: the task's `dir` (must exist), else the `defaultDir` option.
 * - Output: appended to `<logRoot>/<taskId>/stdout.log` and `stderr.log`.
 * - Secrets and configs: written to a private per-task directory — on `/dev/shm` when usable, else
 *   under `<stateDir>/files/` — exported as `SWARM_SECRETS_DIR` and `SWARM_CONFIGS_DIR`, and
 *   deleted when the task's process exits or the task is removed; see `task_files.ts`.
 * - A missing executable or working directory is a `TaskRejectedError` from `prepare` (REJECTED).
 * - Each task leads its own session and process group: shutdown sends the stop signal to the group,
 *   waits the grace period, then SIGKILLs it; terminate SIGKILLs at once; when the main process
 *   exits, whatever else is left of its session is killed.
 * - Orphans: {@linkcode ProcessExecutor.shutdownAll} stops every task on a graceful node stop. For
 *   a node killed with SIGKILL, every task is recorded (pid and start time) under
 *   `<stateDir>/processes/`, and {@linkcode ProcessExecutor.reapOrphans} kills what is left on the
 *   next start. In addition, by default tasks get a parent-death signal (`setpriv --pdeathsig
 *   KILL`) so the main task process dies with the node at once; see `parentDeathSignal`.
 *
 * @module
 */

import type {
  Executor,
  LogLine,
  LogReadOptions,
  NodeDescriptionInfo,
  NodeResources,
} from "./executor.ts";
import { pollLogs } from "./log_poll.ts";
import { ExecutorError } from "./executor.ts";
import { ProcessController, ProcessTaskState } from "./process_controller.ts";
import type { SpawnOptions } from "./process_handle.ts";
import { readProcessRecords, removeProcessRecord } from "./process_records.ts";
import { killSession } from "./process_session.ts";
import { defaultBaseEnv, type LaunchSpec, prepareLaunch } from "./process_spec.ts";
import { TaskFiles } from "./task_files.ts";
import { DEFAULT_STOP_GRACE_PERIOD_MS, DEFAULT_STOP_SIGNAL, type TaskRuntime } from "./types.ts";

/** Options of a {@linkcode ProcessExecutor}. */
export interface ProcessExecutorOptions {
  /** The executor's state directory; process records go to `<stateDir>/processes/`. */
  readonly stateDir: string;
  /** Root of the per-task log directories. @default `<stateDir>/logs` */
  readonly logRoot?: string;
  /** Exported to tasks as `SWARM_NODE_ID`. @default {""} */
  readonly nodeId?: string;
  /** Base environment under each task's own. @default the agent's PATH and HOME */
  readonly baseEnv?: Readonly<Record<string, string>>;
  /** Working directory of tasks without `dir`. @default {Deno.cwd()} */
  readonly defaultDir?: string;
  /**
   * Give each task process SIGKILL when the node process dies (`setpriv --pdeathsig KILL`, from
   * util-linux). `"auto"` enables it when `setpriv` supports it and this code runs on the main
   * thread: Linux sends the signal when the *thread* that spawned the child exits, so spawning from
   * a Web Worker would kill tasks when the worker ends. Deno spawns synchronously on the calling
   * JavaScript thread, so on the main thread the signal fires only when the process dies.
   * `true` requires it (prepare fails without `setpriv`). Only the main process gets the signal;
   * its descendants are killed by {@linkcode ProcessExecutor.reapOrphans} on the next start.
   * @default {"auto"}
   */
  readonly parentDeathSignal?: boolean | "auto";
  /** Reported hostname. @default {Deno.hostname()} */
  readonly hostname?: string;
  /** Reported resources. @default all CPUs and all memory of the machine */
  readonly resources?: Partial<NodeResources>;
  /**
   * A tmpfs directory for tasks' secret and config files; null, or one that cannot be used,
   * puts them under `<stateDir>/files/` (see `task_files.ts`). @default "/dev/shm"
   */
  readonly tmpfsDir?: string | null;
}

/** The wrapper shell: bash where there is one (it can close inherited descriptors), else sh. */
const SHELL = (() => {
  try {
    Deno.statSync("/bin/bash");
    return "/bin/bash";
  } catch {
    return "/bin/sh";
  }
})();

/** Runs tasks as local processes; see the module documentation. */
export class ProcessExecutor implements Executor {
  readonly #options: ProcessExecutorOptions;
  readonly #recordsDir: string;
  readonly #logRoot: string;
  readonly #baseEnv: Readonly<Record<string, string>>;
  readonly #defaultDir: string;
  readonly #tasks = new Map<string, ProcessTaskState>();
  readonly #files: TaskFiles;
  #setpriv: Promise<string | undefined> | undefined;
  #shuttingDown = false;

  constructor(options: ProcessExecutorOptions) {
    if (options.stateDir === "") throw new TypeError("Missing stateDir: the executor needs one");
    this.#options = options;
    this.#recordsDir = `${options.stateDir}/processes`;
    this.#logRoot = options.logRoot ?? `${options.stateDir}/logs`;
    this.#baseEnv = options.baseEnv ?? defaultBaseEnv();
    this.#defaultDir = options.defaultDir ?? Deno.cwd();
    this.#files = new TaskFiles({
      stateDir: options.stateDir,
      ...(options.tmpfsDir !== undefined ? { tmpfsDir: options.tmpfsDir } : {}),
    });
  }

  /** Where tasks' secret and config files go (`task_files.ts`). */
  get files(): TaskFiles {
    return this.#files;
  }

  /** The task's output files, `tail -f` style with `follow` (see `log_poll.ts`). */
  logs(taskId: string, options: LogReadOptions): AsyncIterable<LogLine> {
    const dir = `${this.#logRoot}/${taskId}`;
    const read = (name: string) => Deno.readTextFile(`${dir}/${name}`).catch(() => "");
    return pollLogs(async () => {
      const [stdout, stderr] = await Promise.all([read("stdout.log"), read("stderr.log")]);
      return { stdout, stderr };
    }, options);
  }

  describe(): Promise<NodeDescriptionInfo> {
    const r = this.#options.resources ?? {};
    let memoryBytes = r.memoryBytes;
    if (memoryBytes === undefined) {
      try {
        memoryBytes = Deno.systemMemoryInfo().total;
      } catch {
        memoryBytes = 0; // no sys permission
      }
    }
    return Promise.resolve({
      hostname: this.#options.hostname ?? Deno.hostname(),
      platform: { os: Deno.build.os, architecture: Deno.build.arch },
      resources: {
        nanoCPUs: r.nanoCPUs ?? (navigator.hardwareConcurrency || 1) * 1e9,
        memoryBytes,
      },
      executor: "process",
    });
  }

  controller(task: TaskRuntime): ProcessController {
    let state = this.#tasks.get(task.taskId);
    if (state === undefined) {
      state = new ProcessTaskState(task);
      this.#tasks.set(task.taskId, state);
    }
    return new ProcessController(state, {
      prepare: (t) => this.#prepare(t),
      spawnOptions: (t) => this.#spawnOptions(t),
      logDir: (taskId) => `${this.#logRoot}/${taskId}`,
      removeFiles: (taskId) => this.#files.remove(taskId),
      forget: (s) => {
        if (this.#tasks.get(s.task.taskId) === s) this.#tasks.delete(s.task.taskId);
      },
    });
  }

  /** IDs of the tasks whose process runs. */
  running(): string[] {
    return [...this.#tasks.values()].filter((s) => s.running).map((s) => s.task.taskId);
  }

  /** Whether tasks get a parent-death signal (resolves the `"auto"` setting). */
  async usesParentDeathSignal(): Promise<boolean> {
    return (await this.#findSetpriv()) !== undefined;
  }

  /**
   * Graceful node stop: refuses new starts, then stops every running task (its stop signal, its
   * grace period, SIGKILL), deletes every task's secret and config files, and resolves with the
   * IDs of the stopped tasks once all have exited.
   */
  async shutdownAll(): Promise<string[]> {
    this.#shuttingDown = true;
    const running = [...this.#tasks.values()].filter((s) => s.running);
    await Promise.all(running.map((s) =>
      s.handle!.stop(
        s.spec?.stopSignal ?? s.task.stopSignal ?? DEFAULT_STOP_SIGNAL,
        s.spec?.stopGracePeriodMs ?? s.task.stopGracePeriodMs ?? DEFAULT_STOP_GRACE_PERIOD_MS,
      )
    ));
    // Nothing starts any more: no task needs its secrets and configs.
    await Promise.all([...this.#tasks.keys()].map((id) => this.#files.remove(id)));
    return running.map((s) => s.task.taskId);
  }

  /**
   * Kills the processes a previous run of the node left behind (it was killed with SIGKILL) and
   * deletes their records, and deletes the secret and config files of every task this executor
   * does not know. Call it on start, before running tasks. A recorded process whose pid now
   * belongs to another process (different start time) is never touched. Resolves with the IDs
   * of the tasks that still had processes.
   */
  async reapOrphans(): Promise<string[]> {
    const reaped: string[] = [];
    for (const record of await readProcessRecords(this.#recordsDir)) {
      if (this.#tasks.get(record.taskId)?.handle !== undefined) continue; // ours, running now
      const killed = await killSession(record.pid, record.startTime);
      if (killed > 0) reaped.push(record.taskId);
      await removeProcessRecord(this.#recordsDir, record.taskId);
    }
    await this.#files.removeAllExcept(new Set(this.#tasks.keys()));
    return reaped;
  }

  async #prepare(task: TaskRuntime): Promise<LaunchSpec> {
    const spec = await prepareLaunch(task, {
      logRoot: this.#logRoot,
      nodeId: this.#options.nodeId ?? "",
      baseEnv: this.#baseEnv,
      defaultDir: this.#defaultDir,
      fileDirs: await this.#files.dirs(task),
    });
    await Deno.mkdir(spec.logDir, { recursive: true });
    await Deno.mkdir(this.#recordsDir, { recursive: true });
    await this.#files.write(task);
    return spec;
  }

  async #spawnOptions(task: TaskRuntime): Promise<SpawnOptions> {
    if (this.#shuttingDown) {
      throw new ExecutorError(`Executor shutting down: not starting task ${task.taskId}`);
    }
    return {
      taskId: task.taskId,
      shell: SHELL,
      setpriv: await this.#findSetpriv(),
      recordsDir: this.#recordsDir,
    };
  }

  #findSetpriv(): Promise<string | undefined> {
    this.#setpriv ??= (async () => {
      const mode = this.#options.parentDeathSignal ?? "auto";
      if (mode === false) return undefined;
      const path = await probeSetpriv(this.#baseEnv.PATH ?? "");
      if (path !== undefined && (mode === true || !inWorker())) return path;
      if (mode === true) {
        throw new ExecutorError(
          "Parent-death signal unavailable: install util-linux's setpriv with --pdeathsig " +
            'support, or set parentDeathSignal to false or "auto"',
        );
      }
      return undefined;
    })();
    return this.#setpriv;
  }
}

/** The path of a `setpriv` that accepts `--pdeathsig`, if any. */
async function probeSetpriv(path: string): Promise<string | undefined> {
  for (const dir of path.split(":")) {
    if (!dir.startsWith("/")) continue;
    const candidate = `${dir}/setpriv`;
    try {
      const info = await Deno.stat(candidate);
      if (!info.isFile) continue;
      const probe = await new Deno.Command(candidate, {
        args: ["--pdeathsig", "KILL", SHELL, "-c", "exit 0"],
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).output();
      return probe.success ? candidate : undefined;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** Whether this code runs in a Web Worker rather than on the main thread. */
function inWorker(): boolean {
  const scope = (globalThis as { WorkerGlobalScope?: unknown }).WorkerGlobalScope;
  return typeof scope === "function" && globalThis instanceof scope;
}
