/**
 * Client connection policy: {@link ManagedChannel} owns the grpc-js client for one target
 * address and recreates it when calls fail in ways that suggest a dead connection;
 * {@link ChannelPool} keeps one `ManagedChannel` per address.
 *
 * ## Policy
 * - Lazy: the grpc-js client is created by the first call.
 * - Recreate on failure: when a call ends with `UNAVAILABLE` or `DEADLINE_EXCEEDED` (see
 *   `resetOn`; grpc-js' client-side transport errors such as EPIPE count as `UNAVAILABLE`, see
 *   `clientError`), the grpc-js client it ran on is retired: new calls get a fresh client (own
 *   subchannel, `grpc.use_local_subchannel_pool`) and so reconnect at once instead of waiting
 *   out grpc-js' reconnect backoff (measured: 25–215 ms instead of up to ~2 s). The retired
 *   client is closed once its in-flight calls (e.g. a healthy long-lived stream) have finished.
 * - Deadlines: unary and client-streaming calls always have one (default 5 s).
 * - Retries: only unary calls of idempotent methods (`idempotency_level` in the .proto, or
 *   `idempotent: true` per call), only on `UNAVAILABLE` by default, 3 attempts with jittered
 *   exponential backoff from 25 ms. Nothing else is retried.
 * - Keepalive: the client pings every 10 s (also without calls) and drops a connection whose
 *   ping is not answered within 5 s. Keepalive never makes the *server* send GOAWAY: grpc-js
 *   servers do not police ping rates, and our servers set no `max_connection_age/idle`
 *   (`grpc_listen.ts` rejects those options).
 * - Credentials: unix sockets default to insecure; TCP needs explicit credentials
 *   (`grpc.credentials.createSsl(rootCA, key, cert)` with Buffers, plus the channel option
 *   `grpc.ssl_target_name_override` when dialing an IP address, whose name cannot be a TLS
 *   servername).
 *
 * Server start/stop helpers live in `grpc_listen.ts` and are re-exported here.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { DescService } from "@bufbuild/protobuf";
import {
  type Client,
  type ClientOptions,
  createClient,
  type Lease,
  type RetryOptions,
  type Transport,
} from "./grpc_client.ts";
import { DEFAULT_MAX_MESSAGE_BYTES, parseAddress } from "./grpc_listen.ts";
import { GrpcStatusError, Status } from "./grpc_status.ts";

export {
  AddressError,
  AddressInUseError,
  bindAddress,
  DEFAULT_SERVER_OPTIONS,
  FORBIDDEN_SERVER_OPTIONS,
  ForbiddenServerOptionError,
  formatAddress,
  parseAddress,
  type ParsedAddress,
  prepareUnixSocket,
  type RunningServer,
  startServer,
  type StartServerOptions,
  stopServer,
  type StopServerOptions,
} from "./grpc_listen.ts";

/** Default grpc-js channel options of a {@link ManagedChannel}. */
export const DEFAULT_CHANNEL_OPTIONS: Readonly<grpc.ChannelOptions> = Object.freeze({
  "grpc.keepalive_time_ms": 10_000,
  "grpc.keepalive_timeout_ms": 5_000,
  "grpc.keepalive_permit_without_calls": 1,
  // A recreated client must not inherit the old connection or its backoff state.
  "grpc.use_local_subchannel_pool": 1,
  "grpc.initial_reconnect_backoff_ms": 100,
  "grpc.max_reconnect_backoff_ms": 1_000,
  // grpc-js' transparent retries stay off: retries are our policy (idempotent calls only).
  "grpc.enable_retries": 0,
  // Cluster traffic never goes through an http_proxy from the environment.
  "grpc.enable_http_proxy": 0,
  "grpc.max_receive_message_length": DEFAULT_MAX_MESSAGE_BYTES,
  "grpc.max_send_message_length": DEFAULT_MAX_MESSAGE_BYTES,
});

/** Default retry policy of a {@link ManagedChannel} (idempotent unary calls only). */
export const DEFAULT_RETRY: Readonly<Required<RetryOptions>> = Object.freeze({
  maxAttempts: 3,
  initialBackoffMs: 25,
  maxBackoffMs: 1_000,
  codes: Object.freeze([Status.UNAVAILABLE]),
});

/** Status codes after which the grpc-js client is retired and recreated. */
export const DEFAULT_RESET_ON: readonly Status[] = Object.freeze([
  Status.UNAVAILABLE,
  Status.DEADLINE_EXCEEDED,
]);

/** Options of a {@link ManagedChannel}. */
export interface ManagedChannelOptions {
  /** `host:port`, `[v6]:port` or `unix:/path`. */
  address: string;
  /** Channel credentials. Required for TCP; unix sockets default to insecure. */
  credentials?: grpc.ChannelCredentials;
  /**
   * grpc-js channel options merged over {@link DEFAULT_CHANNEL_OPTIONS}, e.g.
   * `{ "grpc.ssl_target_name_override": "swarm-manager" }`.
   */
  channelOptions?: grpc.ChannelOptions;
  /** Default deadline of unary and client-streaming calls, ms. Default 5000. */
  timeoutMs?: number;
  /** Default deadline of response streams, ms. Default: none. */
  streamTimeoutMs?: number;
  /** Retry policy for idempotent unary calls; `false` disables. Default {@link DEFAULT_RETRY}. */
  retry?: RetryOptions | false;
  /** Codes that retire the grpc-js client. Default {@link DEFAULT_RESET_ON}. */
  resetOn?: readonly Status[];
}

type Slot = { client: grpc.Client; active: number; retired: boolean };

/**
 * One target address with the reconnect policy described in the module documentation.
 * Implements {@link Transport}, so `createClient(desc, channel)` works; {@link client} does the
 * same with the channel's deadline and retry defaults.
 *
 * @example
 * const ch = new ManagedChannel({ address: "unix:/run/swarm/swarm.sock" });
 * const health = ch.client(Health);
 * const { status } = await health.check({ service: "" });
 * ch.close();
 */
export class ManagedChannel implements Transport {
  readonly address: string;
  readonly #credentials: grpc.ChannelCredentials;
  readonly #channelOptions: grpc.ChannelOptions;
  readonly #clientOptions: ClientOptions;
  readonly #resetOn: readonly Status[];
  #current: Slot | undefined;
  readonly #retired = new Set<Slot>();
  #generation = 0;
  #closed = false;

  constructor(options: ManagedChannelOptions) {
    const parsed = parseAddress(options.address);
    this.address = options.address;
    if (options.credentials !== undefined) this.#credentials = options.credentials;
    else if (parsed.kind === "unix") this.#credentials = grpc.credentials.createInsecure();
    else throw new TypeError(`credentials are required for TCP address ${options.address}`);
    this.#channelOptions = { ...DEFAULT_CHANNEL_OPTIONS, ...options.channelOptions };
    this.#clientOptions = { retry: options.retry ?? DEFAULT_RETRY };
    if (options.timeoutMs !== undefined) this.#clientOptions.timeoutMs = options.timeoutMs;
    if (options.streamTimeoutMs !== undefined) {
      this.#clientOptions.streamTimeoutMs = options.streamTimeoutMs;
    }
    this.#resetOn = options.resetOn ?? DEFAULT_RESET_ON;
  }

  /** How many grpc-js clients were created so far (1 + number of reconnects). */
  get generation(): number {
    return this.#generation;
  }

  /** True after {@link close}. */
  get closed(): boolean {
    return this.#closed;
  }

  /** A typed client whose calls go through this channel (channel defaults, overridable). */
  client<S extends DescService>(desc: S, options: ClientOptions = {}): Client<S> {
    return createClient(desc, this, { ...this.#clientOptions, ...options });
  }

  /** {@link Transport}: the current grpc-js client (created on demand). */
  lease(): Lease {
    if (this.#closed) {
      throw new GrpcStatusError(Status.CANCELLED, `channel to ${this.address} is closed`);
    }
    let slot = this.#current;
    if (slot === undefined) {
      slot = {
        client: new grpc.Client(this.address, this.#credentials, this.#channelOptions),
        active: 0,
        retired: false,
      };
      this.#generation++;
      this.#current = slot;
    }
    const s = slot;
    s.active++;
    let released = false;
    return {
      client: s.client,
      release: (err) => {
        if (released) return;
        released = true;
        s.active--;
        if (err !== undefined && this.#resetOn.includes(err.code)) this.#retire(s);
        else if (s.retired && s.active === 0) this.#closeSlot(s);
      },
    };
  }

  /** Retires the current grpc-js client now: the next call connects afresh. */
  reset(): void {
    if (this.#current !== undefined) this.#retire(this.#current);
  }

  /** Closes every grpc-js client of this channel; later calls fail with `CANCELLED`. */
  close(): void {
    this.#closed = true;
    if (this.#current !== undefined) this.#closeSlot(this.#current);
    this.#current = undefined;
    for (const s of [...this.#retired]) this.#closeSlot(s);
  }

  #retire(s: Slot): void {
    if (this.#current === s) this.#current = undefined;
    if (!s.retired) {
      s.retired = true;
      this.#retired.add(s);
    }
    if (s.active === 0) this.#closeSlot(s);
  }

  #closeSlot(s: Slot): void {
    this.#retired.delete(s);
    try {
      s.client.close();
    } catch {
      // already closed
    }
  }
}

/**
 * One {@link ManagedChannel} per address, created on first use with shared defaults (e.g. the
 * node's TLS credentials). `options(address)` may refine them per address.
 */
export class ChannelPool {
  readonly #channels = new Map<string, ManagedChannel>();
  readonly #options: (address: string) => ManagedChannelOptions;

  constructor(
    defaults: Omit<ManagedChannelOptions, "address">,
    options: (address: string) => Partial<ManagedChannelOptions> = () => ({}),
  ) {
    this.#options = (address) => ({ ...defaults, ...options(address), address });
  }

  /** The channel for `address`, created if needed. */
  get(address: string): ManagedChannel {
    let ch = this.#channels.get(address);
    if (ch === undefined || ch.closed) {
      ch = new ManagedChannel(this.#options(address));
      this.#channels.set(address, ch);
    }
    return ch;
  }

  /** Addresses with an open channel. */
  addresses(): string[] {
    return [...this.#channels.keys()];
  }

  /** Closes and forgets the channel for `address` (e.g. a node left the cluster). */
  delete(address: string): void {
    this.#channels.get(address)?.close();
    this.#channels.delete(address);
  }

  /** Closes every channel. */
  close(): void {
    for (const ch of this.#channels.values()) ch.close();
    this.#channels.clear();
  }

  /**
   * Forgets every channel without cutting calls in flight: each channel's grpc-js client closes
   * once its last call (a long-lived stream included) has finished. For replacing the pool with
   * one of new credentials, e.g. after a certificate renewal.
   */
  retire(): void {
    for (const ch of this.#channels.values()) ch.reset();
    this.#channels.clear();
  }
}
