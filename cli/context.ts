/**
 * The state one client run shares between the dispatcher and a command: the IO, where the
 * control API is (`--socket`, or `--host` with `--tls-*`; see `target.ts`), the output format,
 * and a lazily opened control API.
 *
 * @module
 */

import type { ClientIO } from "./client_io.ts";
import type { ControlApi } from "./control_api.ts";
import { GrpcCode, isConnectionError, rpcCode, rpcMessage } from "./control_api.ts";
import type { Flags } from "./args.ts";
import { parseChoice } from "./flag_values.ts";
import { chooseTarget, type ControlTarget, describeTarget, type TargetFlags } from "./target.ts";
import { readTlsMaterial, TlsMaterialError } from "./tls_material.ts";

/** How results are printed. */
export type OutputFormat = "table" | "json";

/** The manager could not be reached on the control socket or at its remote address. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  /** The socket path or `HOST:PORT` that was dialed. */
  readonly address: string;

  constructor(target: ControlTarget, options?: ErrorOptions) {
    super(
      target.kind === "socket"
        ? `cannot reach the swarm manager at ${target.path}: is a node running? Start one with 'swarm init', or point --socket/SWARM_SOCKET at its control socket`
        : `cannot reach the swarm manager at ${target.host}${
          detail(options?.cause)
        }: check --host/SWARM_HOST (a manager's --listen-remote-api address), that the manager runs, and that --tls-ca is the cluster's root CA`,
      options,
    );
    this.address = describeTarget(target);
  }
}

/** A remote manager refused the client's certificate (PERMISSION_DENIED or UNAUTHENTICATED). */
export class CertificateRefusedError extends Error {
  override name = "CertificateRefusedError";
  /** The manager's `HOST:PORT`. */
  readonly host: string;

  constructor(host: string, cert: string, options?: ErrorOptions) {
    super(
      `the manager at ${host} refused the client certificate ${cert}${
        detail(options?.cause)
      }. Remote administration needs a manager's certificate and key (on a manager: ` +
        "<state-dir>/certificates/swarm-node.crt and swarm-node.key) and the cluster's root CA " +
        "(swarm-root-ca.crt)",
      options,
    );
    this.host = host;
  }
}

/**
 * Whether an error is about the connection rather than one object: a command working through
 * several objects stops at it instead of reporting it per object.
 */
export function isConnectionFailure(err: unknown): boolean {
  return err instanceof UnreachableError || err instanceof CertificateRefusedError ||
    err instanceof TlsMaterialError;
}

function detail(cause: unknown): string {
  if (cause === undefined) return "";
  // grpc-js appends an empty "Resolution note: " to connection failures.
  return ` (${rpcMessage(cause).replace(/\.?\s*Resolution note:\s*$/, "")})`;
}

/** One run of the client. */
export class Context {
  readonly io: ClientIO;
  /** The connection flags given so far: the global ones, then the command's. */
  readonly flags: TargetFlags;
  /** The output format. */
  format: OutputFormat;
  #target: ControlTarget | undefined;
  #api: ControlApi | undefined;

  constructor(io: ClientIO, flags: TargetFlags, format: OutputFormat) {
    this.io = io;
    this.flags = { ...flags };
    this.format = format;
  }

  /** Applies `--socket`, `--host`, `--tls-*` and `--format` given after the command name. */
  applyCommonFlags(flags: Flags): void {
    const given: [keyof TargetFlags, string][] = [
      ["socket", "socket"],
      ["host", "host"],
      ["tlsCert", "tls-cert"],
      ["tlsKey", "tls-key"],
      ["tlsCa", "tls-ca"],
    ];
    for (const [key, flag] of given) {
      const value = flags.string(flag);
      if (value !== undefined) this.flags[key] = value;
    }
    const format = flags.string("format");
    if (format !== undefined) this.format = parseFormat(format, flags.command);
  }

  /**
   * Where the control API is, decided once from the flags and the environment.
   *
   * @param command the command whose help a usage error points at.
   * @throws {UsageError} for contradicting or incomplete connection flags.
   */
  target(command = "swarm"): ControlTarget {
    return this.#target ??= chooseTarget(this.flags, (name) => this.io.env(name), command);
  }

  /**
   * The control API, connected on first use. Connection failures, from `connect` or from any
   * call, become an {@linkcode UnreachableError}; a remote manager refusing the certificate a
   * {@linkcode CertificateRefusedError}. A remote target's TLS files are read by the first call
   * (a `TlsMaterialError` names the file at fault).
   */
  api(): ControlApi {
    if (this.#api === undefined) {
      const target = this.target();
      let inner: ControlApi;
      if (target.kind === "socket") {
        try {
          inner = this.io.connect(target.path);
        } catch (err) {
          throw new UnreachableError(target, { cause: err });
        }
      } else {
        inner = lazyApi(async () => {
          const connectRemote = this.io.connectRemote;
          if (connectRemote === undefined) {
            throw new Error("this client cannot dial remote managers: use --socket instead");
          }
          const material = await readTlsMaterial(
            target.tls,
            this.io.readFile ?? ((path) => Deno.readFile(path)),
            this.now(),
          );
          try {
            return connectRemote.call(this.io, { host: target.host, ...material });
          } catch (err) {
            throw new UnreachableError(target, { cause: err });
          }
        });
      }
      this.#api = guardConnection(inner, target);
    }
    return this.#api;
  }

  /** The current time. */
  now(): Date {
    return this.io.now?.() ?? new Date();
  }

  /** Writes to standard output. */
  out(text: string): void {
    this.io.stdout(text);
  }

  /** Writes to standard error. */
  err(text: string): void {
    this.io.stderr(text);
  }

  /** Prints a JSON value, pretty with two spaces. */
  json(value: unknown): void {
    this.io.stdout(`${JSON.stringify(value, null, 2)}\n`);
  }
}

/** Parses a `--format` value. @throws {UsageError} */
export function parseFormat(value: string, command: string): OutputFormat {
  return parseChoice(
    { flag: "format", command },
    value,
    {
      table: "table",
      json: "json",
    } as const,
  );
}

type Method = (...args: unknown[]) => Promise<unknown>;

/** A control API whose first call opens the real one. */
function lazyApi(open: () => Promise<ControlApi>): ControlApi {
  let opened: Promise<ControlApi> | undefined;
  return new Proxy({} as ControlApi, {
    get(_target, prop) {
      if (typeof prop !== "string" || prop === "then") return undefined;
      return async (...args: unknown[]) => {
        const api = await (opened ??= open());
        const method = (api as unknown as Record<string, Method | undefined>)[prop];
        if (method === undefined) throw new TypeError(`the control API has no method ${prop}`);
        return await method.apply(api, args);
      };
    },
  });
}

function guardConnection(api: ControlApi, target: ControlTarget): ControlApi {
  return new Proxy(api, {
    get(inner, prop, receiver) {
      const value = Reflect.get(inner, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(inner, args);
        } catch (err) {
          if (err instanceof UnreachableError) throw err;
          if (isConnectionError(err)) throw new UnreachableError(target, { cause: err });
          const code = rpcCode(err);
          if (
            target.kind === "remote" &&
            (code === GrpcCode.PERMISSION_DENIED || code === GrpcCode.UNAUTHENTICATED)
          ) {
            throw new CertificateRefusedError(target.host, target.tls.cert, { cause: err });
          }
          throw err;
        }
      };
    },
  });
}
