/**
 * The process executor's secret and config files: each task that has any gets a directory of its
 * own, mode 0700, holding
 *
 * - `secrets/<target>`: one file per secret — exported to the task as `SWARM_SECRETS_DIR`;
 * - `configs/<target>`: one file per config — exported as `SWARM_CONFIGS_DIR`.
 *
 * A target is a relative path, or an absolute one, which is placed under the directory with the
 * same relative path (`/etc/app.conf` → `$SWARM_CONFIGS_DIR/etc/app.conf`). Files get the
 * reference's mode; they belong to the node's user, as task processes run as that user (uid and
 * gid apply to containers only). Intermediate directories are 0700.
 *
 * Where: on a tmpfs when one is usable, so that secrets never reach a disk —
 * `<tmpfsDir>/swarm-<uid>-<hash of the state dir>/<taskId>/` with `tmpfsDir` `/dev/shm` by
 * default. That per-node root must be a real directory (not a link) owned by this user with no
 * access for others; if `/dev/shm` is missing, not writable or the root fails those checks, the
 * files go to `<stateDir>/files/<taskId>/` instead (on disk, in the node's private state
 * directory). The choice is made once per executor.
 *
 * The process executor writes a task's files in `prepare`, and deletes them when its process
 * exits, when the task is removed, on a graceful node stop, and — after a crash — in
 * `reapOrphans` (every task directory no running task owns).
 *
 * @module
 */

import { TaskRejectedError } from "./executor.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

/** Options of {@linkcode TaskFiles}. */
export interface TaskFilesOptions {
  /** The executor's state directory; the fallback root is `<stateDir>/files`. */
  readonly stateDir: string;
  /** A tmpfs directory to prefer; null to always use the state directory. @default "/dev/shm" */
  readonly tmpfsDir?: string | null;
}

/** The directories of one task's files, for the task's environment. */
export interface TaskFileDirs {
  /** `SWARM_SECRETS_DIR`; present only when the task has secrets. */
  readonly secretsDir?: string;
  /** `SWARM_CONFIGS_DIR`; present only when the task has configs. */
  readonly configsDir?: string;
}

/** The environment variables of a task's file directories. */
export function fileDirsEnv(dirs: TaskFileDirs): Record<string, string> {
  return {
    ...(dirs.secretsDir === undefined ? {} : { SWARM_SECRETS_DIR: dirs.secretsDir }),
    ...(dirs.configsDir === undefined ? {} : { SWARM_CONFIGS_DIR: dirs.configsDir }),
  };
}

/**
 * A file target as a safe relative path: leading `/` dropped, empty and `.` segments skipped.
 * Throws {@linkcode TaskRejectedError} for `..` or a target that names no file.
 */
export function relativeTarget(kind: "secret" | "config", file: TaskFile): string {
  const parts = file.target.split("/").filter((p) => p !== "" && p !== ".");
  if (parts.length === 0 || parts.includes("..")) {
    throw new TaskRejectedError(
      `Invalid target for ${kind} ${file.name}: ${JSON.stringify(file.target)}: give a file ` +
        "name such as db-password, or an absolute path without '..'",
    );
  }
  return parts.join("/");
}

/** One executor's task file directories; see the module documentation. */
export class TaskFiles {
  readonly #stateDir: string;
  readonly #tmpfsDir: string | null;
  #root: Promise<{ path: string; tmpfs: boolean }> | undefined;
  /** File operations run one at a time: removing an empty root never races a write. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(options: TaskFilesOptions) {
    this.#stateDir = options.stateDir;
    this.#tmpfsDir = options.tmpfsDir === undefined ? "/dev/shm" : options.tmpfsDir;
  }

  /** The directory holding every task's directory (chosen on first use). */
  async root(): Promise<string> {
    return (await this.#chooseRoot()).path;
  }

  /** Whether the root is on the tmpfs. */
  async onTmpfs(): Promise<boolean> {
    return (await this.#chooseRoot()).tmpfs;
  }

  /** Where `task`'s files go (nothing for a task without any); validates every target. */
  async dirs(task: TaskRuntime): Promise<TaskFileDirs> {
    const secrets = task.secrets ?? [];
    const configs = task.configs ?? [];
    for (const f of secrets) relativeTarget("secret", f);
    for (const f of configs) relativeTarget("config", f);
    if (secrets.length === 0 && configs.length === 0) return {};
    const dir = `${await this.root()}/${task.taskId}`;
    return {
      ...(secrets.length > 0 ? { secretsDir: `${dir}/secrets` } : {}),
      ...(configs.length > 0 ? { configsDir: `${dir}/configs` } : {}),
    };
  }

  /**
   * Writes `task`'s files afresh (whatever an earlier attempt left is replaced) and resolves with
   * their directories. A file that cannot be written is a {@linkcode TaskRejectedError}; nothing
   * of the task's is left behind then.
   */
  write(task: TaskRuntime): Promise<TaskFileDirs> {
    return this.#serial(async () => {
      const dirs = await this.dirs(task);
      if (dirs.secretsDir === undefined && dirs.configsDir === undefined) return dirs;
      const root = await this.#ensureRoot();
      const taskDir = `${root}/${task.taskId}`;
      await removeTree(taskDir);
      try {
        await Deno.mkdir(taskDir, { mode: 0o700 });
        await Deno.chmod(taskDir, 0o700);
        for (
          const [kind, dir, files] of [
            ["secret", dirs.secretsDir, task.secrets ?? []],
            ["config", dirs.configsDir, task.configs ?? []],
          ] as const
        ) {
          for (const f of files) await writeTaskFile(kind, dir!, f);
        }
      } catch (error) {
        await removeTree(taskDir).catch(() => {});
        throw error;
      }
      return dirs;
    });
  }

  /** Deletes `taskId`'s files; nothing there is fine. */
  remove(taskId: string): Promise<void> {
    return this.#serial(async () => {
      if (this.#root === undefined) return; // nothing was ever written
      const { path, tmpfs } = await this.#root;
      // On the shared tmpfs, never follow a root someone else put there.
      if (tmpfs && !await isPrivateDir(path)) return;
      await removeTree(`${path}/${taskId}`);
      // Leave no empty per-node directory behind on the shared tmpfs.
      if (tmpfs) await Deno.remove(path).catch(() => {});
    });
  }

  /**
   * Deletes the file directories of every task not in `keep` — what a killed previous run left.
   * Looks under both possible roots. Resolves with the task IDs whose files were deleted.
   */
  removeAllExcept(keep: ReadonlySet<string>): Promise<string[]> {
    return this.#serial(async () => {
      const removed: string[] = [];
      const roots = [`${this.#stateDir}/files`];
      const tmpfsRoot = await this.#tmpfsRoot();
      if (tmpfsRoot !== undefined) roots.push(tmpfsRoot);
      for (const root of roots) {
        if (root === tmpfsRoot && !await isPrivateDir(root)) continue;
        let entries: Deno.DirEntry[];
        try {
          entries = await Array.fromAsync(Deno.readDir(root));
        } catch {
          continue; // no such root
        }
        for (const e of entries) {
          if (keep.has(e.name)) continue;
          await removeTree(`${root}/${e.name}`);
          removed.push(e.name);
        }
        if (root === tmpfsRoot) await Deno.remove(root).catch(() => {});
      }
      return [...new Set(removed)];
    });
  }

  #serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(fn, fn);
    this.#queue = run.catch(() => {});
    return run;
  }

  #chooseRoot(): Promise<{ path: string; tmpfs: boolean }> {
    this.#root ??= (async () => {
      const tmpfsRoot = await this.#tmpfsRoot();
      if (tmpfsRoot !== undefined && await makePrivateDir(tmpfsRoot)) {
        return { path: tmpfsRoot, tmpfs: true };
      }
      return { path: `${this.#stateDir}/files`, tmpfs: false };
    })();
    return this.#root;
  }

  /** Creates the chosen root again if it is gone (an empty tmpfs root is deleted). */
  async #ensureRoot(): Promise<string> {
    const { path, tmpfs } = await this.#chooseRoot();
    if (tmpfs) {
      if (!await makePrivateDir(path)) {
        throw new TaskRejectedError(
          `Unsafe secrets directory: ${path} is not a private directory of this user; remove ` +
            "it and start the task again",
        );
      }
    } else {
      await Deno.mkdir(path, { recursive: true, mode: 0o700 });
      await Deno.chmod(path, 0o700);
    }
    return path;
  }

  /** `<tmpfsDir>/swarm-<uid>-<hash>` if the tmpfs directory exists, else undefined. */
  async #tmpfsRoot(): Promise<string | undefined> {
    if (this.#tmpfsDir === null) return undefined;
    try {
      if (!(await Deno.stat(this.#tmpfsDir)).isDirectory) return undefined;
    } catch {
      return undefined;
    }
    const stateDir = await Deno.realPath(this.#stateDir).catch(() => this.#stateDir);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(stateDir));
    const hash = [...new Uint8Array(digest).slice(0, 8)]
      .map((b) => b.toString(16).padStart(2, "0")).join("");
    return `${this.#tmpfsDir}/swarm-${Deno.uid() ?? "u"}-${hash}`;
  }
}

/**
 * Creates `path` (mode 0700) unless it exists, and checks it is a directory — not a link — owned
 * by this user with no access for anyone else. False when it cannot be used.
 */
async function makePrivateDir(path: string): Promise<boolean> {
  try {
    await Deno.mkdir(path, { mode: 0o700 });
  } catch (error) {
    if (!(error instanceof Deno.errors.AlreadyExists)) return false;
  }
  return await isPrivateDir(path);
}

/** Whether `path` is a directory — not a link — of this user, with no access for others. */
async function isPrivateDir(path: string): Promise<boolean> {
  try {
    const info = await Deno.lstat(path);
    const uid = Deno.uid();
    return info.isDirectory && !info.isSymlink && (uid === null || info.uid === uid) &&
      ((info.mode ?? 0) & 0o077) === 0;
  } catch {
    return false;
  }
}

async function writeTaskFile(kind: "secret" | "config", dir: string, f: TaskFile): Promise<void> {
  const path = `${dir}/${relativeTarget(kind, f)}`;
  try {
    await Deno.mkdir(path.slice(0, path.lastIndexOf("/")), { recursive: true, mode: 0o700 });
    await Deno.writeFile(path, f.data, { createNew: true, mode: f.mode });
    await Deno.chmod(path, f.mode); // the umask may have taken bits away
  } catch (error) {
    throw new TaskRejectedError(
      `Cannot write ${kind} ${f.name} to ${f.target}: ${
        error instanceof Error ? error.message : String(error)
      }: give each ${kind} a target of its own`,
      { cause: error },
    );
  }
}

async function removeTree(path: string): Promise<void> {
  try {
    await Deno.remove(path, { recursive: true });
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
}
