/**
 * Typed client side of the bridge: {@link createClient} turns a protobuf-es service descriptor
 * into an object with one method per RPC:
 *
 * - unary: `(req, opts?) => Promise<Res>`
 * - server streaming: `(req, opts?) => ResponseStream<Res>` (an `AsyncIterable` with `cancel()`)
 * - client streaming: `(reqs: AsyncIterable<Req> | Iterable<Req>, opts?) => Promise<Res>`
 * - bidi: `(reqs: AsyncIterable<Req> | Iterable<Req>, opts?) => ResponseStream<Res>`
 *
 * Requests may be full messages or `create()` init objects. Every unary and client-streaming
 * call has a deadline (default {@link DEFAULT_TIMEOUT_MS}); response streams have none by
 * default but can be cancelled (`signal`, `cancel()`, or leaving a `for await` loop). Every
 * failure surfaces as a {@link GrpcStatusError} carrying the status code and the server's
 * message.
 *
 * Unary calls of idempotent methods (`option idempotency_level = NO_SIDE_EFFECTS | IDEMPOTENT;`
 * in the .proto, or `idempotent: true` per call) are retried when `retry` is configured.
 * Nothing else is ever retried.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { MethodOptions_IdempotencyLevel } from "@bufbuild/protobuf/wkt";
import {
  deserializer,
  isResponseStream,
  type MethodInput,
  type MethodOutput,
  methodPath,
  serializer,
} from "./grpc.ts";
import { fromServiceError, GrpcStatusError, Status } from "./grpc_status.ts";
import { pump, StreamReader } from "./grpc_stream.ts";

/** Default deadline of unary and client-streaming calls: 5 s. */
export const DEFAULT_TIMEOUT_MS = 5_000;

/** Per-call options. */
export interface CallOptions {
  /**
   * Deadline relative to the start of each attempt, in ms. Unary and client-streaming calls
   * default to `ClientOptions.timeoutMs` and must be finite; response streams default to
   * `ClientOptions.streamTimeoutMs` (none).
   */
  timeoutMs?: number;
  /** Absolute deadline shared by all attempts; takes precedence over `timeoutMs`. */
  deadline?: Date;
  /** Cancels the call (it then fails with `CANCELLED`). */
  signal?: AbortSignal;
  /** Request metadata (headers). */
  metadata?: grpc.Metadata;
  /** Treat this unary call as idempotent (retryable) even if its descriptor does not say so. */
  idempotent?: boolean;
}

/** Retry policy for idempotent unary calls. */
export interface RetryOptions {
  /** Total attempts including the first. Default 3. */
  maxAttempts?: number;
  /** Backoff before the 2nd attempt, doubled per attempt, with ±50 % jitter. Default 25 ms. */
  initialBackoffMs?: number;
  /** Backoff cap. Default 1000 ms. */
  maxBackoffMs?: number;
  /** Status codes that trigger a retry. Default `[UNAVAILABLE]`. */
  codes?: readonly Status[];
}

/** Options of {@link createClient}. */
export interface ClientOptions {
  /** Default deadline of unary and client-streaming calls, ms. Default {@link DEFAULT_TIMEOUT_MS}. */
  timeoutMs?: number;
  /** Default deadline of server-streaming and bidi calls, ms. Default: none. */
  streamTimeoutMs?: number;
  /** Retry policy for idempotent unary calls. Default: no retries. */
  retry?: RetryOptions | false;
}

/** One call's use of a grpc-js client, obtained from a {@link Transport}. */
export interface Lease {
  /** The grpc-js client to issue the call on. */
  readonly client: grpc.Client;
  /** Reports the call's outcome (`undefined` = OK). Called exactly once per lease. */
  release(err: GrpcStatusError | undefined): void;
}

/** Where a typed client sends its calls; implemented by `ManagedChannel` (connection.ts). */
export interface Transport {
  /** A grpc-js client for the next call. May throw a {@link GrpcStatusError} (e.g. closed). */
  lease(): Lease;
}

/** A stream of responses: iterate once with `for await`; `cancel()` ends the call early. */
export class ResponseStream<T> implements AsyncIterable<T> {
  readonly #reader: StreamReader<T>;
  readonly #cancel: () => void;
  #iterated = false;

  /** @internal Built by {@link createClient}. */
  constructor(reader: StreamReader<T>, cancel: () => void) {
    this.#reader = reader;
    this.#cancel = cancel;
  }

  /** Cancels the call; a pending or later `next()` fails with `CANCELLED`. */
  cancel(): void {
    this.#cancel();
  }

  /** Collects every remaining message into an array (for short, finite streams). */
  async toArray(): Promise<T[]> {
    const out: T[] = [];
    for await (const m of this) out.push(m);
    return out;
  }

  [Symbol.asyncIterator](): AsyncIterator<T, undefined> {
    if (this.#iterated) throw new TypeError("ResponseStream can be iterated only once");
    this.#iterated = true;
    return this.#reader;
  }
}

/** Unary method of a typed client. */
export type UnaryMethod<I extends DescMessage, O extends DescMessage> = (
  req: MessageInitShape<I>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** Server-streaming method of a typed client. */
export type ServerStreamingMethod<I extends DescMessage, O extends DescMessage> = (
  req: MessageInitShape<I>,
  options?: CallOptions,
) => ResponseStream<MessageShape<O>>;
/** Client-streaming method of a typed client. */
export type ClientStreamingMethod<I extends DescMessage, O extends DescMessage> = (
  reqs: AsyncIterable<MessageInitShape<I>> | Iterable<MessageInitShape<I>>,
  options?: CallOptions,
) => Promise<MessageShape<O>>;
/** Bidi-streaming method of a typed client. */
export type BidiStreamingMethod<I extends DescMessage, O extends DescMessage> = (
  reqs: AsyncIterable<MessageInitShape<I>> | Iterable<MessageInitShape<I>>,
  options?: CallOptions,
) => ResponseStream<MessageShape<O>>;

/** The client method type of one method descriptor type. */
export type ClientMethod<M> = M extends { readonly methodKind: "unary" }
  ? UnaryMethod<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "server_streaming" }
    ? ServerStreamingMethod<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "client_streaming" }
    ? ClientStreamingMethod<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "bidi_streaming" }
    ? BidiStreamingMethod<MethodInput<M>, MethodOutput<M>>
  : never;

/** A typed client for service `S`: one method per RPC, keyed by `localName`. */
export type Client<S extends DescService> = {
  readonly [K in keyof S["method"]]: ClientMethod<S["method"][K]>;
};

/** A {@link Transport} over one fixed grpc-js client (no reconnect policy). */
export function fixedTransport(client: grpc.Client): Transport {
  return { lease: () => ({ client, release: () => {} }) };
}

/**
 * A client-side failure as {@link GrpcStatusError}. grpc-js maps a broken connection to
 * `UNAVAILABLE` only for ECONNRESET/ETIMEDOUT; under Deno a peer that died often shows up as
 * EPIPE ("This socket has been ended by the other party"), which grpc-js reports as `INTERNAL`
 * "Received RST_STREAM with code 2 triggered by internal client error: …". Such client-side
 * transport errors are reported as `UNAVAILABLE` (the original error is the `cause`), so the
 * reconnect and retry policies treat them like any other lost connection.
 */
export function clientError(err: unknown): GrpcStatusError {
  const e = fromServiceError(err);
  if (e.code === Status.INTERNAL && /triggered by internal client error/.test(e.message)) {
    return new GrpcStatusError(Status.UNAVAILABLE, e.message, { cause: err });
  }
  return e;
}

function callDeadline(
  method: DescMethod,
  opts: CallOptions,
  clientOpts: ClientOptions,
): Date | undefined {
  if (opts.deadline !== undefined) return opts.deadline;
  const streaming = isResponseStream(method);
  const ms = opts.timeoutMs ??
    (streaming ? clientOpts.streamTimeoutMs : clientOpts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  if (ms === undefined) return undefined;
  if (!Number.isFinite(ms) || ms < 0) {
    if (streaming && ms === Infinity) return undefined;
    throw new RangeError(`${methodPath(method)}: timeoutMs must be a finite number >= 0`);
  }
  return new Date(Date.now() + ms);
}

function grpcCallOptions(deadline: Date | undefined): grpc.CallOptions {
  return deadline === undefined ? {} : { deadline };
}

function takeLease(transport: Transport): Lease {
  try {
    return transport.lease();
  } catch (err) {
    throw clientError(err);
  }
}

/** Runs `start`; a synchronous throw (e.g. "Channel has been shut down") becomes UNAVAILABLE. */
function startCall<C>(lease: Lease, start: () => C): C {
  try {
    return start();
  } catch (err) {
    const e = err instanceof GrpcStatusError
      ? err
      : new GrpcStatusError(Status.UNAVAILABLE, `cannot start call: ${String(err)}`, {
        cause: err,
      });
    lease.release(e);
    throw e;
  }
}

function callerCancelled(): GrpcStatusError {
  return new GrpcStatusError(Status.CANCELLED, "call cancelled by the caller");
}

function unaryOnce(
  transport: Transport,
  method: DescMethod,
  msg: unknown,
  opts: CallOptions,
  clientOpts: ClientOptions,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const signal = opts.signal;
    if (signal?.aborted) return reject(callerCancelled());
    const deadline = callDeadline(method, opts, clientOpts);
    const lease = takeLease(transport);
    let onAbort: (() => void) | undefined;
    const call = startCall(lease, () =>
      lease.client.makeUnaryRequest(
        methodPath(method),
        serializer(method.input),
        deserializer(method.output),
        msg as never,
        opts.metadata ?? new grpc.Metadata(),
        grpcCallOptions(deadline),
        (err, res) => {
          if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
          if (err) {
            const e = clientError(err);
            lease.release(e);
            reject(e);
          } else {
            lease.release(undefined);
            resolve(res);
          }
        },
      ));
    if (signal !== undefined) {
      onAbort = () => call.cancel();
      signal.addEventListener("abort", onAbort, { once: true });
    }
  });
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(callerCancelled());
    const onAbort = () => {
      clearTimeout(t);
      reject(callerCancelled());
    };
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

async function unary(
  transport: Transport,
  method: DescMethod,
  req: unknown,
  opts: CallOptions,
  clientOpts: ClientOptions,
): Promise<unknown> {
  const msg = create(method.input, req as never);
  const idempotent = opts.idempotent ??
    method.idempotency !== MethodOptions_IdempotencyLevel.IDEMPOTENCY_UNKNOWN;
  const retry = idempotent && clientOpts.retry ? clientOpts.retry : undefined;
  const maxAttempts = Math.max(1, retry?.maxAttempts ?? 3);
  const codes = retry?.codes ?? [Status.UNAVAILABLE];
  let backoff = retry?.initialBackoffMs ?? 25;
  for (let attempt = 1;; attempt++) {
    try {
      return await unaryOnce(transport, method, msg, opts, clientOpts);
    } catch (e) {
      if (!(e instanceof GrpcStatusError)) throw e; // e.g. RangeError for a bad timeout
      const expired = opts.deadline !== undefined && Date.now() >= opts.deadline.getTime();
      if (
        retry === undefined || attempt >= maxAttempts || !codes.includes(e.code) ||
        opts.signal?.aborted || expired
      ) {
        throw e;
      }
      await sleep(backoff * (0.5 + Math.random()), opts.signal);
      backoff = Math.min(backoff * 2, retry.maxBackoffMs ?? 1_000);
    }
  }
}

function clientStream(
  transport: Transport,
  method: DescMethod,
  reqs: AsyncIterable<unknown> | Iterable<unknown>,
  opts: CallOptions,
  clientOpts: ClientOptions,
): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const signal = opts.signal;
    if (signal?.aborted) return reject(callerCancelled());
    const deadline = callDeadline(method, opts, clientOpts);
    const lease = takeLease(transport);
    const finished = new AbortController();
    let sourceError: { err: unknown } | undefined;
    let onAbort: (() => void) | undefined;
    const call = startCall(lease, () =>
      lease.client.makeClientStreamRequest(
        methodPath(method),
        serializer(method.input),
        deserializer(method.output),
        opts.metadata ?? new grpc.Metadata(),
        grpcCallOptions(deadline),
        (err, res) => {
          finished.abort();
          if (onAbort !== undefined) signal?.removeEventListener("abort", onAbort);
          if (err) {
            const e = clientError(err);
            lease.release(sourceError === undefined ? e : undefined);
            reject(sourceError === undefined ? e : sourceError.err);
          } else {
            lease.release(undefined);
            resolve(res);
          }
        },
      ));
    call.on("error", () => {}); // failures arrive through the callback
    if (signal !== undefined) {
      onAbort = () => call.cancel();
      signal.addEventListener("abort", onAbort, { once: true });
    }
    pump(reqs, call, (r) => create(method.input, r as never), finished.signal).catch((err) => {
      sourceError = { err };
      call.cancel();
    });
  });
}

function responseStream(
  transport: Transport,
  method: DescMethod,
  input: { req: unknown } | { reqs: AsyncIterable<unknown> | Iterable<unknown> },
  opts: CallOptions,
  clientOpts: ClientOptions,
): ResponseStream<unknown> {
  const signal = opts.signal;
  const deadline = callDeadline(method, opts, clientOpts);
  const request = "req" in input ? create(method.input, input.req as never) : undefined;
  const lease = takeLease(transport);
  const md = opts.metadata ?? new grpc.Metadata();
  const call: grpc.ClientReadableStream<unknown> | grpc.ClientDuplexStream<unknown, unknown> =
    startCall(lease, () =>
      request !== undefined
        ? lease.client.makeServerStreamRequest(
          methodPath(method),
          serializer(method.input),
          deserializer(method.output),
          request,
          md,
          grpcCallOptions(deadline),
        )
        : lease.client.makeBidiStreamRequest(
          methodPath(method),
          serializer(method.input),
          deserializer(method.output),
          md,
          grpcCallOptions(deadline),
        ));
  const finished = new AbortController();
  let sourceError: { err: unknown } | undefined;
  const onAbort = () => call.cancel();
  const reader = new StreamReader<unknown>(call, {
    mapError: (err) => sourceError !== undefined ? sourceError.err : clientError(err),
    onReturn: () => call.cancel(),
  });
  call.on("status", (s: grpc.StatusObject) => {
    finished.abort();
    signal?.removeEventListener("abort", onAbort);
    lease.release(
      s.code === Status.OK || sourceError !== undefined
        ? undefined
        : clientError({ code: s.code, details: s.details }),
    );
  });
  if (signal !== undefined) {
    if (signal.aborted) queueMicrotask(onAbort);
    else signal.addEventListener("abort", onAbort, { once: true });
  }
  if ("reqs" in input) {
    const duplex = call as grpc.ClientDuplexStream<unknown, unknown>;
    pump(input.reqs, duplex, (r) => create(method.input, r as never), finished.signal).catch(
      (err) => {
        sourceError = { err };
        duplex.cancel();
      },
    );
  }
  return new ResponseStream(reader, () => call.cancel());
}

/**
 * A typed client for `desc` whose calls go through `target`: a grpc-js `Client` (used as is) or
 * a {@link Transport} such as `ManagedChannel` (reconnect policy).
 *
 * @example
 * const health = createClient(Health, channel);
 * const res = await health.check({ service: "" }, { timeoutMs: 1000 });
 */
export function createClient<S extends DescService>(
  desc: S,
  target: grpc.Client | Transport,
  options: ClientOptions = {},
): Client<S> {
  const transport = target instanceof grpc.Client ? fixedTransport(target) : target;
  const out: Record<string, unknown> = {};
  for (const method of desc.methods) {
    switch (method.methodKind) {
      case "unary":
        out[method.localName] = (req: unknown, opts: CallOptions = {}) =>
          unary(transport, method, req, opts, options);
        break;
      case "server_streaming":
        out[method.localName] = (req: unknown, opts: CallOptions = {}) =>
          responseStream(transport, method, { req }, opts, options);
        break;
      case "client_streaming":
        out[method.localName] = (reqs: AsyncIterable<unknown>, opts: CallOptions = {}) =>
          clientStream(transport, method, reqs, opts, options);
        break;
      case "bidi_streaming":
        out[method.localName] = (reqs: AsyncIterable<unknown>, opts: CallOptions = {}) =>
          responseStream(transport, method, { reqs }, opts, options);
        break;
    }
  }
  return Object.freeze(out) as Client<S>;
}
