/**
 * Where the client finds the control API: a manager's local control socket (the default), or a
 * manager's remote API over mutual TLS (remote administration), in the spirit of Docker's
 * `DOCKER_HOST` / `DOCKER_CERT_PATH`:
 *
 * | flag                 | environment             | meaning                                  |
 * | -------------------- | ----------------------- | ---------------------------------------- |
 * | `-s, --socket PATH`  | `SWARM_SOCKET`          | the control socket (default `$SWARM_STATE_DIR/swarm.sock`, else {@link DEFAULT_SOCKET}) |
 * | `--host HOST:PORT`   | `SWARM_HOST`            | a manager's remote API (`--listen-remote-api`) |
 * | `--tls-cert FILE`    | `SWARM_CERT_PATH`/cert.pem | the client certificate (a manager's)  |
 * | `--tls-key FILE`     | `SWARM_CERT_PATH`/key.pem  | its private key (unencrypted)         |
 * | `--tls-ca FILE`      | `SWARM_CERT_PATH`/ca.pem   | the cluster's root CA certificate     |
 *
 * Precedence: a flag beats its environment variable. `--socket` beats `SWARM_HOST`, `--host`
 * beats `SWARM_SOCKET`, and `SWARM_HOST` beats `SWARM_SOCKET`; giving both `--socket` and
 * `--host` is a usage error, as is a host without all three TLS files, or `--tls-*` without a
 * host. `SWARM_CERT_PATH` alone (no host) is ignored.
 *
 * Pure, so that `role_paths.ts` computes the Worker's file permissions from exactly the decision
 * the client will make.
 *
 * @module
 */

import { UsageError } from "./usage_error.ts";

/** The control socket used when neither --socket, SWARM_SOCKET nor SWARM_STATE_DIR is given. */
export const DEFAULT_SOCKET = ".swarm/swarm.sock";

function stateDirSocket(stateDir: string | undefined): string | undefined {
  return stateDir === undefined ? undefined : `${stateDir.replace(/\/+$/, "")}/swarm.sock`;
}

/** The TLS files of a remote target. */
export interface TlsFiles {
  /** The client certificate (chain), PEM. */
  readonly cert: string;
  /** The client's private key, PEM. */
  readonly key: string;
  /** The root CA certificate the manager's certificate must chain to, PEM. */
  readonly ca: string;
}

/** Where to dial. */
export type ControlTarget =
  | { readonly kind: "socket"; readonly path: string }
  | { readonly kind: "remote"; readonly host: string; readonly tls: TlsFiles };

/** The connection flags as given on the command line; undefined when not given. */
export interface TargetFlags {
  socket?: string | undefined;
  host?: string | undefined;
  tlsCert?: string | undefined;
  tlsKey?: string | undefined;
  tlsCa?: string | undefined;
}

/** The flag names of {@link TargetFlags}, as typed on the command line. */
export const TARGET_FLAG_NAMES = {
  socket: "--socket",
  host: "--host",
  tlsCert: "--tls-cert",
  tlsKey: "--tls-key",
  tlsCa: "--tls-ca",
} as const satisfies Record<keyof TargetFlags, string>;

/** The file names `SWARM_CERT_PATH` points at. */
export const CERT_PATH_FILES: TlsFiles = { cert: "cert.pem", key: "key.pem", ca: "ca.pem" };

/**
 * Decides where to dial (see the module doc for the rules).
 *
 * @param command the command whose help a usage error points at.
 * @throws {UsageError} for contradicting flags, a malformed host, or missing TLS files.
 */
export function chooseTarget(
  flags: TargetFlags,
  env: (name: string) => string | undefined,
  command = "swarm",
): ControlTarget {
  if (flags.socket !== undefined && flags.host !== undefined) {
    throw new UsageError(
      "give either --socket (a local control socket) or --host (a remote manager), not both",
      command,
    );
  }
  const envHost = nonEmpty(env("SWARM_HOST"));
  const host = flags.host ?? (flags.socket === undefined ? envHost : undefined);
  if (host === undefined) {
    const tls = (["tlsCert", "tlsKey", "tlsCa"] as const).find((k) => flags[k] !== undefined);
    if (tls !== undefined) {
      throw new UsageError(
        `${TARGET_FLAG_NAMES[tls]} is only used with --host HOST:PORT (or SWARM_HOST): ` +
          "the local control socket needs no TLS",
        command,
      );
    }
    return {
      kind: "socket",
      // A node started with SWARM_STATE_DIR puts its socket there: the client looks there too.
      path: flags.socket ?? nonEmpty(env("SWARM_SOCKET")) ??
        stateDirSocket(nonEmpty(env("SWARM_STATE_DIR"))) ?? DEFAULT_SOCKET,
    };
  }
  checkHost(host, flags.host !== undefined ? "--host" : "SWARM_HOST", command);
  const dir = nonEmpty(env("SWARM_CERT_PATH"))?.replace(/\/+$/, "");
  const pick = (flag: string | undefined, file: string) =>
    flag ?? (dir === undefined ? undefined : `${dir}/${file}`);
  const cert = pick(flags.tlsCert, CERT_PATH_FILES.cert);
  const key = pick(flags.tlsKey, CERT_PATH_FILES.key);
  const ca = pick(flags.tlsCa, CERT_PATH_FILES.ca);
  if (cert === undefined || key === undefined || ca === undefined) {
    const missing = [
      cert === undefined ? "--tls-cert" : "",
      key === undefined ? "--tls-key" : "",
      ca === undefined ? "--tls-ca" : "",
    ].filter((m) => m !== "");
    throw new UsageError(
      `--host needs TLS material, missing ${missing.join(", ")}: give --tls-cert FILE ` +
        "--tls-key FILE --tls-ca FILE (a manager's certificate, its key and the cluster's " +
        "root CA), or set SWARM_CERT_PATH to a directory holding cert.pem, key.pem and ca.pem",
      command,
    );
  }
  return { kind: "remote", host, tls: { cert, key, ca } };
}

/** A short description of a target for messages: the socket path or the host. */
export function describeTarget(target: ControlTarget): string {
  return target.kind === "socket" ? target.path : target.host;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === "" ? undefined : value;
}

function checkHost(host: string, source: string, command: string): void {
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]\s/]+)):(\d{1,5})$/.exec(host);
  if (m === null || Number(m[3]) === 0 || Number(m[3]) > 65535) {
    const hint = host.startsWith("unix:") || host.startsWith("/")
      ? ": for a local control socket use --socket PATH"
      : "";
    throw new UsageError(
      `invalid value ${
        JSON.stringify(host)
      } for ${source}: expected HOST:PORT, e.g. 10.0.0.5:4242 (a manager's --listen-remote-api)${hint}`,
      command,
    );
  }
}
