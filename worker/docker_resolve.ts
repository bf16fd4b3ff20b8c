/**
 * Finds a container's executable before it starts, so that a command the image does not have is
 * REJECTED in `prepare` (as with the process executor) instead of failing at start. The lookup
 * follows `execvp` like the container runtime does: a name without `/` is searched in `PATH`, a
 * path is taken relative to the working directory; symbolic links are followed. Files are
 * examined through the engine's path-stat call on the created container, so nothing runs.
 *
 * @module
 */

import type { PathStat } from "./docker_engine.ts";
import { TaskRejectedError } from "./executor.ts";

/** Stats a path inside the container; undefined if it does not exist. */
export type ContainerStat = (path: string) => Promise<PathStat | undefined>;

/** Type bits of Go's `os.FileMode`, as the engine reports them. */
const MODE_DIR = 31;
const MODE_SYMLINK = 27;
const MODE_DEVICE = 26;
const MODE_NAMED_PIPE = 25;
const MODE_SOCKET = 24;
const MODE_CHAR_DEVICE = 21;
const MODE_IRREGULAR = 19;

/** Whether bit `n` (0 = lowest) of a file mode is set; modes may exceed 32-bit integers. */
function bit(mode: number, n: number): boolean {
  return Math.floor(mode / 2 ** n) % 2 === 1;
}

/** The engine's `X-Docker-Container-Path-Stat` header (base64 JSON) as a {@linkcode PathStat}. */
export function decodePathStat(header: string): PathStat {
  const value: unknown = JSON.parse(new TextDecoder().decode(base64Bytes(header)));
  if (typeof value !== "object" || value === null) {
    throw new TypeError(`Invalid path stat header: ${header}`);
  }
  const v = value as Record<string, unknown>;
  return {
    name: typeof v.name === "string" ? v.name : "",
    size: typeof v.size === "number" ? v.size : 0,
    mode: typeof v.mode === "number" ? v.mode : 0,
    linkTarget: typeof v.linkTarget === "string" ? v.linkTarget : "",
  };
}

/** Whether a stat describes a regular file with an execute bit. */
export function isExecutableFile(stat: PathStat): boolean {
  const special = [
    MODE_DIR,
    MODE_SYMLINK,
    MODE_DEVICE,
    MODE_NAMED_PIPE,
    MODE_SOCKET,
    MODE_CHAR_DEVICE,
    MODE_IRREGULAR,
  ];
  return !special.some((n) => bit(stat.mode, n)) && (stat.mode & 0o111) !== 0;
}

type Kind = "ok" | "missing" | "not-runnable";

/** Follows symbolic links (the engine gives their resolved target) to the file itself. */
async function kindOf(path: string, stat: ContainerStat): Promise<Kind> {
  let info = await stat(path);
  for (let hops = 0; info !== undefined && bit(info.mode, MODE_SYMLINK); hops++) {
    if (hops >= 8 || info.linkTarget === "" || info.linkTarget === path) return "not-runnable";
    info = await stat(info.linkTarget);
  }
  if (info === undefined) return "missing";
  return isExecutableFile(info) ? "ok" : "not-runnable";
}

/**
 * Resolves `command` in the container; throws {@linkcode TaskRejectedError} naming the command and
 * the image when nothing executable is found.
 */
export async function resolveContainerExecutable(
  command: string,
  options: { readonly path: string; readonly cwd: string; readonly image: string },
  stat: ContainerStat,
): Promise<string> {
  const where = `in image ${options.image}`;
  if (command.includes("/")) {
    const candidate = absolute(command, options.cwd);
    const kind = await kindOf(candidate, stat);
    if (kind === "ok") return candidate;
    throw new TaskRejectedError(
      kind === "missing"
        ? `Executable file not found ${where}: ${command}`
        : `Executable file not runnable ${where}: ${command}: not a file with execute permission`,
    );
  }
  let notRunnable: string | undefined;
  for (const dir of options.path.split(":")) {
    const candidate = absolute(`${dir === "" ? "." : dir}/${command}`, options.cwd);
    const kind = await kindOf(candidate, stat);
    if (kind === "ok") return candidate;
    if (kind === "not-runnable") notRunnable ??= candidate;
  }
  throw new TaskRejectedError(
    notRunnable === undefined
      ? `Executable file not found ${where}: ${command}: not in PATH=${options.path}`
      : `Executable file not runnable ${where}: ${notRunnable}: not a file with execute permission`,
  );
}

function absolute(path: string, cwd: string): string {
  const joined = path.startsWith("/") ? path : `${cwd.replace(/\/+$/, "")}/${path}`;
  const parts: string[] = [];
  for (const part of joined.split("/")) {
    if (part === "" || part === ".") continue;
    if (part === "..") parts.pop();
    else parts.push(part);
  }
  return `/${parts.join("/")}`;
}

function base64Bytes(text: string): Uint8Array {
  const binary = atob(text.trim());
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}
