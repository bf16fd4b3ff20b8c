/**
 * Server lifecycle: addresses, binding (TCP and unix sockets), starting and stopping.
 *
 * ## Stopping policy (read this before stopping a server)
 * Under the Deno versions this project must survive, a grpc-js *client* process can die (nghttp2
 * assertion, exit 134/139) when its server sends HTTP/2 GOAWAY — which `tryShutdown`,
 * `forceShutdown`, `drain`, `unbind` and the `grpc.max_connection_age_ms` / `_idle_ms` options
 * all do (ENVIRONMENT.md, "gRPC (grpc-js under Deno)"). Therefore:
 *
 * - A node that stops serving calls {@link stopServer} (default `mode: "quiesce"`): new calls
 *   fail `UNAVAILABLE`, in-flight handlers see `ctx.signal` abort and streams end with
 *   `UNAVAILABLE`, unix socket files are removed — but no connection is closed and no GOAWAY is
 *   sent. The node then lets its process exit; the kernel closes the sockets and clients
 *   reconnect (see `ManagedChannel`).
 * - `mode: "force"` (`forceShutdown`) is for tests that run client and server in one process,
 *   and only after every client of that server was closed, so no live peer receives GOAWAY.
 * - Servers never set `grpc.max_connection_age_ms`, `grpc.max_connection_age_grace_ms` or
 *   `grpc.max_connection_idle_ms`: {@link startServer} rejects them.
 *
 * ## Unix sockets
 * `unix:/path` addresses are bound by {@link bindAddress}: a missing parent directory is created
 * with mode 0700; a stale socket file (nothing accepts on it) is removed first, while a live one
 * fails with {@link AddressInUseError} and a non-socket file is never touched; after binding the
 * socket file is chmod-ed to 0600. Between `bind` and `chmod` the socket briefly has the
 * umask's mode, so keep sockets in a directory only the owner can enter (0700, e.g. the node's
 * state directory): then the window does not matter. Unix sockets use insecure credentials by
 * default (the file mode is the access control).
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { dirname } from "node:path";
import { isStopping, markStopping } from "./grpc_server.ts";

/** A parsed listen/dial address. */
export type ParsedAddress =
  | { readonly kind: "unix"; readonly path: string }
  | { readonly kind: "tcp"; readonly host: string; readonly port: number };

/** The address is malformed or unusable. */
export class AddressError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AddressError";
  }
}

/** Something already accepts connections on the address. */
export class AddressInUseError extends Error {
  constructor(readonly address: string) {
    super(`address in use: ${address}`);
    this.name = "AddressInUseError";
  }
}

/** A server option that makes grpc-js send GOAWAY to live peers was passed. */
export class ForbiddenServerOptionError extends Error {
  constructor(readonly option: string) {
    super(`server option ${option} sends GOAWAY to live peers and is not allowed`);
    this.name = "ForbiddenServerOptionError";
  }
}

/** Longest unix socket path Linux accepts (sun_path is 108 bytes including the NUL). */
export const MAX_UNIX_PATH_BYTES = 107;

/**
 * Parses `host:port`, `[v6]:port` or `unix:/path` (also `unix:///path`, or a relative
 * `unix:path`). Throws {@link AddressError}.
 */
export function parseAddress(address: string): ParsedAddress {
  if (address.startsWith("unix:")) {
    let path = address.slice("unix:".length);
    if (path.startsWith("//")) path = path.slice(2);
    if (path === "") throw new AddressError(`empty unix socket path: ${address}`);
    if (new TextEncoder().encode(path).length > MAX_UNIX_PATH_BYTES) {
      throw new AddressError(`unix socket path longer than ${MAX_UNIX_PATH_BYTES} bytes: ${path}`);
    }
    return { kind: "unix", path };
  }
  const m = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:\[\]]+)):(\d{1,5})$/.exec(address);
  const host = m?.[1] ?? m?.[2];
  const port = Number(m?.[3]);
  if (host === undefined || !Number.isInteger(port) || port > 65535) {
    throw new AddressError(`expected host:port, [ipv6]:port or unix:/path, got "${address}"`);
  }
  return { kind: "tcp", host, port };
}

/** Formats a parsed address back into the form grpc-js dials and binds. */
export function formatAddress(addr: ParsedAddress): string {
  if (addr.kind === "unix") return `unix:${addr.path}`;
  return addr.host.includes(":") ? `[${addr.host}]:${addr.port}` : `${addr.host}:${addr.port}`;
}

async function lstatOrUndefined(path: string): Promise<Deno.FileInfo | undefined> {
  try {
    return await Deno.lstat(path);
  } catch (err) {
    if (err instanceof Deno.errors.NotFound) return undefined;
    throw err;
  }
}

/**
 * Makes `path` bindable as a unix socket: creates a missing parent directory (mode 0700),
 * removes a stale socket file, and throws {@link AddressInUseError} if a process accepts on
 * it, or {@link AddressError} if a non-socket file is in the way.
 */
export async function prepareUnixSocket(path: string): Promise<void> {
  const dir = dirname(path);
  if (await lstatOrUndefined(dir) === undefined) {
    await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  }
  const info = await lstatOrUndefined(path);
  if (info === undefined) return;
  if (!info.isSocket) {
    throw new AddressError(`${path} exists and is not a socket; refusing to remove it`);
  }
  let live = false;
  try {
    const conn = await Deno.connect({ transport: "unix", path });
    conn.close();
    live = true;
  } catch {
    // ECONNREFUSED: nobody accepts on it, the file is stale.
  }
  if (live) throw new AddressInUseError(`unix:${path}`);
  await Deno.remove(path).catch((err) => {
    if (!(err instanceof Deno.errors.NotFound)) throw err;
  });
}

const unixPaths = new WeakMap<grpc.Server, string[]>();

function bindAsync(server: grpc.Server, address: string, creds: grpc.ServerCredentials) {
  return new Promise<number>((resolve, reject) => {
    server.bindAsync(address, creds, (err, port) => {
      if (err) {
        reject(
          /in use|EADDRINUSE/i.test(err.message)
            ? new AddressInUseError(address)
            : new AddressError(`cannot bind ${address}: ${err.message}`),
        );
      } else resolve(port);
    });
  });
}

/**
 * Binds `server` to `address` and returns the dialable address (with the real port when `:0`
 * was asked for). Unix sockets: see the module documentation (stale file removed, 0600 mode).
 */
export async function bindAddress(
  server: grpc.Server,
  address: string,
  credentials: grpc.ServerCredentials,
): Promise<string> {
  const parsed = parseAddress(address);
  if (parsed.kind === "unix") {
    await prepareUnixSocket(parsed.path);
    await bindAsync(server, formatAddress(parsed), credentials);
    await Deno.chmod(parsed.path, 0o600);
    unixPaths.set(server, [...(unixPaths.get(server) ?? []), parsed.path]);
    return formatAddress(parsed);
  }
  const port = await bindAsync(server, formatAddress(parsed), credentials);
  return formatAddress({ ...parsed, port });
}

/** Server options that make grpc-js send GOAWAY to live peers; {@link startServer} rejects them. */
export const FORBIDDEN_SERVER_OPTIONS: readonly string[] = [
  "grpc.max_connection_age_ms",
  "grpc.max_connection_age_grace_ms",
  "grpc.max_connection_idle_ms",
];

/** Largest message accepted or sent by default: 16 MiB (chunk anything larger). */
export const DEFAULT_MAX_MESSAGE_BYTES = 16 * 1024 * 1024;

/**
 * Default grpc-js server options. Keepalive pings from the server reap sessions of peers that
 * are gone (no answer within 20 s); a live peer answers pings, so it never gets closed by them.
 */
export const DEFAULT_SERVER_OPTIONS: Readonly<grpc.ServerOptions> = Object.freeze({
  "grpc.keepalive_time_ms": 120_000,
  "grpc.keepalive_timeout_ms": 20_000,
  "grpc.max_receive_message_length": DEFAULT_MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": DEFAULT_MAX_MESSAGE_BYTES,
});

/** Options of {@link startServer}. */
export interface StartServerOptions {
  /** `host:port` (port 0 picks a free one), `[v6]:port`, or `unix:/path`. */
  address: string;
  /**
   * Transport credentials, e.g. `grpc.ServerCredentials.createSsl(ca, [{private_key,
   * cert_chain}], true)` (Buffers!). Required for TCP; unix sockets default to insecure.
   */
  credentials?: grpc.ServerCredentials;
  /** grpc-js server options merged over {@link DEFAULT_SERVER_OPTIONS}. */
  options?: grpc.ServerOptions;
  /** Registers services (e.g. with `addService`) before the server starts accepting calls. */
  register?: (server: grpc.Server) => void;
}

/** A started server. */
export interface RunningServer {
  readonly server: grpc.Server;
  /** Dialable address: `127.0.0.1:43121` (real port) or `unix:/path`. */
  readonly address: string;
}

/** Creates a grpc-js server, registers services and binds it. See the stopping policy above. */
export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  for (const key of FORBIDDEN_SERVER_OPTIONS) {
    if (options.options !== undefined && key in options.options) {
      throw new ForbiddenServerOptionError(key);
    }
  }
  const parsed = parseAddress(options.address);
  let credentials = options.credentials;
  if (credentials === undefined) {
    if (parsed.kind !== "unix") {
      throw new AddressError(`credentials are required for TCP address ${options.address}`);
    }
    credentials = grpc.ServerCredentials.createInsecure();
  }
  const server = new grpc.Server({ ...DEFAULT_SERVER_OPTIONS, ...options.options });
  options.register?.(server);
  try {
    const address = await bindAddress(server, options.address, credentials);
    return { server, address };
  } catch (err) {
    server.forceShutdown(); // nothing is connected yet: no peer can receive a GOAWAY
    throw err;
  }
}

/** Options of {@link stopServer}. */
export interface StopServerOptions {
  /**
   * `"quiesce"` (default): refuse new calls with `UNAVAILABLE`, end in-flight handlers through
   * `ctx.signal`, remove unix socket files; no connection is closed, no GOAWAY is sent; the
   * process is expected to exit next. `"force"`: additionally `forceShutdown()` — GOAWAY to
   * every connected peer; only for single-process tests after their clients were closed.
   */
  mode?: "quiesce" | "force";
  /** Message of the `UNAVAILABLE` status new and in-flight calls get. */
  reason?: string;
}

/** Stops `server` according to the stopping policy (module documentation). */
export async function stopServer(
  target: grpc.Server | RunningServer,
  options: StopServerOptions = {},
): Promise<void> {
  const server = target instanceof grpc.Server ? target : target.server;
  if (!isStopping(server)) markStopping(server, options.reason);
  for (const path of unixPaths.get(server) ?? []) {
    const info = await lstatOrUndefined(path);
    if (info?.isSocket) await Deno.remove(path).catch(() => {});
  }
  unixPaths.delete(server);
  if (options.mode === "force") server.forceShutdown();
}
