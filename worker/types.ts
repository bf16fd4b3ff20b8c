/**
 * Worker-side task types, decoupled from protobuf: the agent maps protobuf `Task` objects to these.
 *
 * @module
 */

/**
 * Task states, numerically equal to SwarmKit's `api.TaskState`. Values are spaced so that numeric
 * order is lifecycle order: a state may only move forward, so `a < b` comparisons are meaningful.
 */
export const TaskState = {
  NEW: 0,
  PENDING: 64,
  ASSIGNED: 192,
  ACCEPTED: 256,
  PREPARING: 320,
  READY: 384,
  STARTING: 448,
  RUNNING: 512,
  COMPLETE: 576,
  SHUTDOWN: 640,
  FAILED: 704,
  REJECTED: 768,
  /** Desired state only: stop and delete the task. */
  REMOVE: 800,
  /** Manager only: the task's node has been down for too long. */
  ORPHANED: 832,
} as const;

/** One of the {@linkcode TaskState} values. */
export type TaskState = (typeof TaskState)[keyof typeof TaskState];

/** Every task state, in lifecycle order. */
export const TASK_STATES: readonly TaskState[] = Object.freeze(
  (Object.values(TaskState) as TaskState[]).toSorted((a, b) => a - b),
);

const NAMES: ReadonlyMap<number, string> = new Map(
  Object.entries(TaskState).map(([name, value]) => [value, name]),
);

/** The upper-case SwarmKit name of a state (`"RUNNING"`), or `"UNKNOWN(<n>)"`. */
export function taskStateName(state: number): string {
  return NAMES.get(state) ?? `UNKNOWN(${state})`;
}

/** Whether `value` is one of the defined task states. */
export function isTaskState(value: unknown): value is TaskState {
  return typeof value === "number" && NAMES.has(value);
}

/** Whether a task in this observed state has finished for good (COMPLETE or later). */
export function isTerminalState(state: TaskState): boolean {
  return state >= TaskState.COMPLETE;
}

/** Default signal sent by a graceful stop. */
export const DEFAULT_STOP_SIGNAL: Deno.Signal = "SIGTERM";

/** Default time between the stop signal and SIGKILL (SwarmKit's `stop_grace_period`). */
export const DEFAULT_STOP_GRACE_PERIOD_MS = 10_000;

/**
 * A secret or config as a task gets it: a file the executor materialises for the task (see
 * `task_files.ts` for the process executor, `docker_files.ts` for containers).
 */
export interface TaskFile {
  /** The secret's or config's name, for messages. */
  readonly name: string;
  /**
   * Where the file goes: a relative path (under the secrets directory, or the configs directory)
   * or an absolute path. Never contains `..`.
   */
  readonly target: string;
  readonly data: Uint8Array;
  /** Permission bits, e.g. `0o400`. */
  readonly mode: number;
  /** Owner inside a container; the process executor leaves files to the node's own user. */
  readonly uid: number;
  readonly gid: number;
}

/** What an executor needs to run one task. */
export interface TaskRuntime {
  /** Task ID; also names the task's log and state files, so it must be a safe file name. */
  readonly taskId: string;
  /** Task name, e.g. `web.1.<taskId>`. */
  readonly name: string;
  readonly serviceId: string;
  /** Slot number for replicated services; 0 for global services. */
  readonly slot: number;
  /** The executable: a name looked up in `PATH`, or a path (relative paths resolve against `dir`). */
  readonly command: string;
  readonly args: readonly string[];
  /** Environment, either as a record or as `KEY=VALUE` strings. */
  readonly env: Readonly<Record<string, string>> | readonly string[];
  /** Working directory. @default the executor's choice (the process executor: its own cwd) */
  readonly dir?: string;
  /** Signal for a graceful stop. @default {"SIGTERM"} */
  readonly stopSignal?: Deno.Signal;
  /** Time between the stop signal and SIGKILL. @default {10_000} */
  readonly stopGracePeriodMs?: number;
  /** Image, for container executors; the process executor ignores it. */
  readonly image?: string;
  /** Container executors: the container's hostname. @default the engine's choice */
  readonly hostname?: string;
  /** Container executors: the user (`name`, `uid` or `uid:gid`). @default the image's */
  readonly user?: string;
  /** Container executors: labels on the container, beside the executor's own. */
  readonly labels?: Readonly<Record<string, string>>;
  /** The task's secrets, resolved by the agent. Kept in memory only. @default none */
  readonly secrets?: readonly TaskFile[];
  /** The task's configs, resolved by the agent. @default none */
  readonly configs?: readonly TaskFile[];
}

/** The status the agent observes and reports for a task. */
export interface ObservedStatus {
  readonly state: TaskState;
  /** Short human description of the last transition (`"started"`, `"finished"`). */
  readonly message: string;
  /** Error text of a failure (`"task: non-zero exit (3)"`). */
  readonly err?: string;
  readonly exitCode?: number;
  readonly pid?: number;
  /** When the status last changed, in milliseconds since the Unix epoch. */
  readonly timestamp: number;
}
