/**
 * Turns a {@linkcode TaskRuntime} into what the process executor launches: validated task ID, the
 * environment (task env merged over a small base), the resolved executable, the working directory
 * and the log file paths. Every problem is a {@linkcode TaskRejectedError} with an actionable
 * message, raised in `prepare` so the task becomes REJECTED.
 *
 * @module
 */

import { TaskRejectedError } from "./executor.ts";
import { stopSettings } from "./stop_settings.ts";
import { fileDirsEnv, type TaskFileDirs } from "./task_files.ts";
import type { TaskRuntime } from "./types.ts";

/** `PATH` used when the agent has none. */
export const DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What a task process is launched with. */
export interface LaunchSpec {
  /** Absolute path of the executable. */
  readonly executable: string;
  readonly args: readonly string[];
  /** The complete environment of the process. */
  readonly env: Readonly<Record<string, string>>;
  /** Absolute working directory. */
  readonly cwd: string;
  readonly logDir: string;
  readonly stdoutPath: string;
  readonly stderrPath: string;
  readonly stopSignal: Deno.Signal;
  readonly stopGracePeriodMs: number;
}

/** Inputs of {@linkcode prepareLaunch} besides the task. */
export interface LaunchOptions {
  /** Root of the per-task log directories `<logRoot>/<taskId>/`. */
  readonly logRoot: string;
  /** Exported to the task as `SWARM_NODE_ID`. */
  readonly nodeId: string;
  /** The base environment under the task's own. */
  readonly baseEnv: Readonly<Record<string, string>>;
  /** Working directory of tasks that name none. */
  readonly defaultDir: string;
  /** Where the task's secret and config files are (`task_files.ts`). @default none */
  readonly fileDirs?: TaskFileDirs;
}

const SAFE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/** Throws {@linkcode TaskRejectedError} unless `taskId` can name files and directories. */
export function assertSafeTaskId(taskId: string): void {
  if (!SAFE_ID.test(taskId)) {
    throw new TaskRejectedError(
      `Invalid task ID: ${JSON.stringify(taskId)}: use 1-128 letters, digits, '_', '.' or '-', ` +
        "starting with a letter or digit",
    );
  }
}

/** The task environment as a record; `KEY=VALUE` strings split at the first `=`. */
export function parseTaskEnv(
  env: Readonly<Record<string, string>> | readonly string[],
): Record<string, string> {
  if (!Array.isArray(env)) return { ...env as Readonly<Record<string, string>> };
  const out: Record<string, string> = {};
  for (const entry of env as readonly string[]) {
    const eq = entry.indexOf("=");
    if (eq <= 0) {
      throw new TaskRejectedError(
        `Invalid environment entry: ${JSON.stringify(entry)}: expected KEY=VALUE`,
      );
    }
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

/** The agent's own `PATH` and `HOME` (or {@linkcode DEFAULT_PATH} and `/`). */
export function defaultBaseEnv(): Record<string, string> {
  const read = (name: string) => {
    try {
      return Deno.env.get(name);
    } catch {
      return undefined; // no env permission
    }
  };
  return { PATH: read("PATH") || DEFAULT_PATH, HOME: read("HOME") || "/" };
}

/**
 * The environment of a task process: `base`, then the SWARM_* identity variables (and
 * `SWARM_SECRETS_DIR` / `SWARM_CONFIGS_DIR` for a task with such files), then the task's own env
 * (which wins on conflicts). Nothing else of the agent's environment leaks in.
 */
export function buildTaskEnv(
  task: TaskRuntime,
  base: Readonly<Record<string, string>>,
  nodeId: string,
  fileDirs: TaskFileDirs = {},
): Record<string, string> {
  return {
    ...base,
    SWARM_TASK_ID: task.taskId,
    SWARM_TASK_NAME: task.name,
    SWARM_TASK_SLOT: String(task.slot),
    SWARM_SERVICE_ID: task.serviceId,
    SWARM_NODE_ID: nodeId,
    ...fileDirsEnv(fileDirs),
    ...parseTaskEnv(task.env),
  };
}

/**
 * Resolves `command` like `execvp`: a name without `/` is searched in `path` (relative entries
 * against `cwd`); a path is taken relative to `cwd`. Throws {@linkcode TaskRejectedError} when
 * nothing executable is found.
 */
export async function resolveExecutable(
  command: string,
  path: string,
  cwd: string,
): Promise<string> {
  if (command === "") throw new TaskRejectedError("Missing command: the task has no executable");
  if (command.includes("/")) {
    const candidate = absolute(command, cwd);
    const kind = await executableKind(candidate);
    if (kind === "ok") return candidate;
    throw new TaskRejectedError(
      kind === "missing"
        ? `Executable file not found: ${command}`
        : `Executable file not runnable: ${command}: not a file with execute permission`,
    );
  }
  let notRunnable: string | undefined;
  for (const dir of path.split(":")) {
    const candidate = absolute(`${dir === "" ? "." : dir}/${command}`, cwd);
    const kind = await executableKind(candidate);
    if (kind === "ok") return candidate;
    if (kind === "not-runnable") notRunnable ??= candidate;
  }
  throw new TaskRejectedError(
    notRunnable === undefined
      ? `Executable file not found: ${command}: not in PATH=${path}`
      : `Executable file not runnable: ${notRunnable}: not a file with execute permission`,
  );
}

/** Validates `task` and builds its {@linkcode LaunchSpec}; touches the file system only to read. */
export async function prepareLaunch(
  task: TaskRuntime,
  options: LaunchOptions,
): Promise<LaunchSpec> {
  assertSafeTaskId(task.taskId);
  const env = buildTaskEnv(task, options.baseEnv, options.nodeId, options.fileDirs);
  const cwd = absolute(task.dir ?? options.defaultDir, options.defaultDir);
  let dirInfo: Deno.FileInfo | undefined;
  try {
    dirInfo = await Deno.stat(cwd);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  if (dirInfo === undefined) throw new TaskRejectedError(`Working directory not found: ${cwd}`);
  if (!dirInfo.isDirectory) {
    throw new TaskRejectedError(`Working directory is not a directory: ${cwd}`);
  }
  const executable = await resolveExecutable(task.command, env.PATH ?? "", cwd);
  const { stopSignal, stopGracePeriodMs: grace } = stopSettings(task);
  const logDir = `${options.logRoot}/${task.taskId}`;
  return {
    executable,
    args: [...task.args],
    env,
    cwd,
    logDir,
    stdoutPath: `${logDir}/stdout.log`,
    stderrPath: `${logDir}/stderr.log`,
    stopSignal,
    stopGracePeriodMs: grace,
  };
}

function absolute(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
}

async function executableKind(path: string): Promise<"ok" | "missing" | "not-runnable"> {
  try {
    const info = await Deno.stat(path);
    return info.isFile && ((info.mode ?? 0) & 0o111) !== 0 ? "ok" : "not-runnable";
  } catch {
    return "missing";
  }
}
