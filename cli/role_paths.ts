/**
 * Which paths a command's role needs, read off the command line before the role starts (so the
 * Worker can be given exactly those). Pure: environment and working directory are passed in.
 *
 * @module
 */
import type { Role, RolePaths } from "./roles.ts";
import { chooseTarget, type ControlTarget, type TargetFlags } from "./target.ts";
import { UsageError } from "./usage_error.ts";

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

/**
 * The paths a role needs. A client gets the control socket it will dial (read+write) or, with
 * `--host`, read access to exactly its three TLS files (see `target.ts`, whose decision this
 * mirrors), plus the file `secret create` / `config create` sends (`-f FILE`, or `NAME FILE`).
 */
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
  const flags: TargetFlags = {
    socket: flagValue(argv, ["-s", "--socket"]),
    host: flagValue(argv, ["--host"]),
    tlsCert: flagValue(argv, ["--tls-cert"]),
    tlsKey: flagValue(argv, ["--tls-key"]),
    tlsCa: flagValue(argv, ["--tls-ca"]),
  };
  let target: ControlTarget | undefined;
  try {
    target = chooseTarget(flags, env);
  } catch (e) {
    // The client reports the usage error itself; it dials nothing.
    if (!(e instanceof UsageError)) throw e;
  }
  const file = sentFile(argv);
  const sent = file ? [absolute(file, cwd)] : [];
  if (target?.kind === "remote") {
    const { cert, key, ca } = target.tls;
    return { clientReads: [...[cert, key, ca].map((p) => absolute(p, cwd)), ...sent] };
  }
  const socket = flags.socket ?? env("SWARM_SOCKET") ?? `${stateDir}/${SOCKET_NAME}`;
  return { socket: absolute(socket, cwd), clientReads: sent };
}

/** Flags of `secret|config create` and the common ones that take a value as the next word. */
const VALUE_FLAGS = new Set([
  "-f",
  "--file",
  "--label",
  "--format",
  "-s",
  "--socket",
  "--host",
  "--tls-cert",
  "--tls-key",
  "--tls-ca",
]);

/**
 * The file `secret create` / `config create` reads: its `-f/--file` (not `node rm -f`), else its
 * second positional (`NAME FILE`); `-` (standard input) is none.
 */
function sentFile(argv: readonly string[]): string | undefined {
  const end = argv.indexOf("--");
  const args = end < 0 ? argv : argv.slice(0, end);
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-") || a === "-") words.push(a);
    else if (VALUE_FLAGS.has(a)) i++;
  }
  const group = words.findIndex((w) => w === "secret" || w === "config");
  if (group < 0 || words[group + 1] !== "create") return undefined;
  const file = flagValue(args, ["-f", "--file"]) ?? words[group + 3];
  return file === "-" ? undefined : file;
}
