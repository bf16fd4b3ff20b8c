/**
 * Which paths a command's role needs, read off the command line before the role starts (so the
 * Worker can be given exactly those). Pure: environment and working directory are passed in.
 *
 * @module
 */
import type { Role, RolePaths } from "./roles.ts";

/** Where a node keeps its state when neither `--state-dir` nor SWARM_STATE_DIR says. */
export const DEFAULT_STATE_DIR = ".swarm";
export const SOCKET_NAME = "swarm.sock";

function flagValue(argv: readonly string[], names: readonly string[]): string | undefined {
  let value: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") break;
    for (const n of names) {
      if (a === n && i + 1 < argv.length) value = argv[i + 1];
      else if (a.startsWith(`${n}=`)) value = a.slice(n.length + 1);
    }
  }
  return value;
}

function absolute(path: string, cwd: string): string {
  return path.startsWith("/") ? path : `${cwd.replace(/\/$/, "")}/${path}`;
}

export function stateDirFor(
  argv: readonly string[],
  env: (name: string) => string | undefined,
  cwd: string,
): string {
  return absolute(
    flagValue(argv, ["-d", "--state-dir"]) ?? env("SWARM_STATE_DIR") ?? DEFAULT_STATE_DIR,
    cwd,
  );
}

export function rolePathsFor(
  role: Role,
  argv: readonly string[],
  env: (name: string) => string | undefined,
  cwd: string,
): RolePaths {
  const stateDir = stateDirFor(argv, env, cwd);
  if (role === "node") {
    const socket = flagValue(argv, ["--listen-control-api"]);
    return { stateDir, socket: absolute(socket ?? `${stateDir}/${SOCKET_NAME}`, cwd) };
  }
  const socket = flagValue(argv, ["-s", "--socket"]) ?? env("SWARM_SOCKET") ??
    `${stateDir}/${SOCKET_NAME}`;
  const file = flagValue(argv, ["-f", "--file"]);
  return { socket: absolute(socket, cwd), clientReads: file ? [absolute(file, cwd)] : [] };
}
