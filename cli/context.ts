/**
 * The state one client run shares between the dispatcher and a command: the IO, the socket
 * path, the output format and a lazily opened control API.
 *
 * @module
 */

import type { ClientIO } from "./client_io.ts";
import type { ControlApi } from "./control_api.ts";
import { isConnectionError } from "./control_api.ts";
import type { Flags } from "./args.ts";
import { parseChoice } from "./flag_values.ts";

/** How results are printed. */
export type OutputFormat = "table" | "json";

/** The manager could not be reached on the control socket. */
export class UnreachableError extends Error {
  override name = "UnreachableError";
  readonly socket: string;

  constructor(socket: string, options?: ErrorOptions) {
    super(
      `cannot reach the swarm manager at ${socket}: is a node running? Start one with 'swarm init', or point --socket/SWARM_SOCKET at its control socket`,
      options,
    );
    this.socket = socket;
  }
}

/** One run of the client. */
export class Context {
  readonly io: ClientIO;
  /** The control socket path. */
  socket: string;
  /** The output format. */
  format: OutputFormat;
  #api: ControlApi | undefined;

  constructor(io: ClientIO, socket: string, format: OutputFormat) {
    this.io = io;
    this.socket = socket;
    this.format = format;
  }

  /** Applies `--socket` and `--format` given after the command name. */
  applyCommonFlags(flags: Flags): void {
    const socket = flags.string("socket");
    if (socket !== undefined) this.socket = socket;
    const format = flags.string("format");
    if (format !== undefined) this.format = parseFormat(format, flags.command);
  }

  /**
   * The control API, connected on first use. Connection failures, from `connect` or from any
   * call, become an {@linkcode UnreachableError}.
   */
  api(): ControlApi {
    if (this.#api === undefined) {
      let inner: ControlApi;
      try {
        inner = this.io.connect(this.socket);
      } catch (err) {
        throw new UnreachableError(this.socket, { cause: err });
      }
      this.#api = guardConnection(inner, this.socket);
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

function guardConnection(api: ControlApi, socket: string): ControlApi {
  return new Proxy(api, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        try {
          return await value.apply(target, args);
        } catch (err) {
          if (isConnectionError(err)) throw new UnreachableError(socket, { cause: err });
          throw err;
        }
      };
    },
  });
}
