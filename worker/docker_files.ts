/**
 * Where a container's secrets and configs go, as Docker puts them:
 *
 * - a secret at `/run/secrets/<target>`, or at its target when that is an absolute path;
 * - a config at its target: an absolute path as is, a relative one under `/` (`--config app.conf`
 *   → `/app.conf`, Docker's default for configs).
 *
 * Each file gets the reference's mode, uid and gid. The Docker executor copies them into the
 * container once it is created and before it starts, as one tar archive extracted at `/`
 * through the Engine API (`PUT /containers/{id}/archive`): that works with any engine — local or
 * remote (`tcp://`), any storage driver (vfs included) — and needs no directory shared with the
 * engine's host. The files live in the container's writable layer until the container is
 * removed; `docker inspect` does not show them, but `docker export` or `docker cp` by someone
 * with access to the engine would.
 *
 * @module
 */

import { TaskRejectedError } from "./executor.ts";
import { relativeTarget } from "./task_files.ts";
import { encodeTar, type TarFile } from "./tar.ts";
import type { TaskRuntime } from "./types.ts";

/** Where secrets with a relative target go in a container. */
export const CONTAINER_SECRETS_DIR = "/run/secrets";

/** The absolute path of each of the task's secrets and configs in its container. */
export function containerFilePaths(
  task: TaskRuntime,
): { kind: "secret" | "config"; name: string; path: string }[] {
  const out: { kind: "secret" | "config"; name: string; path: string }[] = [];
  const seen = new Map<string, string>();
  for (const [kind, files] of [["secret", task.secrets], ["config", task.configs]] as const) {
    for (const f of files ?? []) {
      const rel = relativeTarget(kind, f);
      const path = kind === "secret" && !f.target.startsWith("/")
        ? `${CONTAINER_SECRETS_DIR}/${rel}`
        : `/${rel}`;
      const clash = seen.get(path);
      if (clash !== undefined) {
        throw new TaskRejectedError(
          `Two files for ${path}: ${clash} and ${kind} ${f.name}: give each its own target`,
        );
      }
      seen.set(path, `${kind} ${f.name}`);
      out.push({ kind, name: f.name, path });
    }
  }
  return out;
}

/**
 * The tar archive that puts the task's secrets and configs in place when extracted at `/`, or
 * undefined for a task without any. Throws {@linkcode TaskRejectedError} for a target or owner
 * that cannot be used.
 */
export function containerFilesArchive(task: TaskRuntime): Uint8Array | undefined {
  const paths = containerFilePaths(task);
  if (paths.length === 0) return undefined;
  const files = [...(task.secrets ?? []), ...(task.configs ?? [])];
  const entries: TarFile[] = paths.map((p, i) => {
    const f = files[i]!;
    return { path: p.path.slice(1), data: f.data, mode: f.mode, uid: f.uid, gid: f.gid };
  });
  try {
    return encodeTar(entries);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new TaskRejectedError(`Cannot place the task's files: ${error.message}`, {
      cause: error,
    });
  }
}
