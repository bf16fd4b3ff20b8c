/**
 * The flags every node command shares (`swarm init`, `up`, `join`): where the node keeps its
 * state, where it listens and is reached, its name, heartbeat and executor — parsed and checked
 * once, so the commands agree on defaults and messages.
 *
 * @module
 */
import { DEFAULT_STATE_DIR, SOCKET_NAME } from "./role_paths.ts";
import { type ExecutorKind, parseExecutorFlag } from "./node_executor.ts";

/** A command line a node command cannot run with; the message says what to give instead. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** `parseArgs` options of the shared flags. */
export const NODE_FLAG_OPTIONS = {
  "state-dir": { type: "string", short: "d" },
  "listen-remote-api": { type: "string" },
  "advertise-addr": { type: "string" },
  "listen-control-api": { type: "string" },
  hostname: { type: "string" },
  "heartbeat-period": { type: "string" },
  executor: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

/** The values `parseArgs` gives for {@link NODE_FLAG_OPTIONS}. */
export interface NodeFlagValues {
  readonly "state-dir"?: string | undefined;
  readonly "listen-remote-api"?: string | undefined;
  readonly "advertise-addr"?: string | undefined;
  readonly "listen-control-api"?: string | undefined;
  readonly hostname?: string | undefined;
  readonly "heartbeat-period"?: string | undefined;
  readonly executor?: string | undefined;
}

export interface NodeFlags {
  readonly stateDir: string;
  readonly listenAddr: string;
  readonly advertiseAddr: string;
  readonly controlSocket: string;
  readonly hostname: string;
  readonly heartbeatPeriodMs: number;
  readonly executor: ExecutorKind;
}

/** Checks the shared flags and fills in their defaults. @throws {UsageError} */
export function nodeFlags(
  v: NodeFlagValues,
  env: (n: string) => string | undefined,
  hostname: () => string,
): NodeFlags {
  const stateDir = absolute(v["state-dir"] ?? env("SWARM_STATE_DIR") ?? DEFAULT_STATE_DIR);
  const listenAddr = v["listen-remote-api"] ?? "127.0.0.1:4242";
  checkHostPort(listenAddr, "--listen-remote-api");
  const advertiseAddr = v["advertise-addr"] ?? listenAddr;
  checkHostPort(advertiseAddr, "--advertise-addr");
  if (advertiseAddr.startsWith("0.0.0.0:")) {
    throw new UsageError(
      "--advertise-addr must be an address other nodes can reach, not 0.0.0.0: give --advertise-addr HOST:PORT",
    );
  }
  const period = Number(v["heartbeat-period"] ?? 5000);
  if (!Number.isInteger(period) || period < 100) {
    throw new UsageError(
      `--heartbeat-period must be a whole number of milliseconds ≥ 100, got "${
        v["heartbeat-period"]
      }"`,
    );
  }
  const executor = parseExecutorFlag(v.executor);
  if (typeof executor !== "string") throw new UsageError(executor.error);
  return {
    stateDir,
    listenAddr,
    advertiseAddr,
    controlSocket: absolute(v["listen-control-api"] ?? `${stateDir}/${SOCKET_NAME}`),
    hostname: v.hostname ?? hostname(),
    heartbeatPeriodMs: period,
    executor,
  };
}

export function checkHostPort(addr: string, flag: string): void {
  const m = /^(.+):(\d{1,5})$/.exec(addr);
  if (!m || Number(m[2]) > 65535) throw new UsageError(`${flag} must be HOST:PORT, got "${addr}"`);
}

export function absolute(path: string): string {
  return path.startsWith("/") ? path : `${Deno.cwd()}/${path}`;
}
