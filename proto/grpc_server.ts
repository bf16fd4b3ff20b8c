/**
 * Typed server side of the bridge: {@link addService} registers handlers typed from a
 * protobuf-es service descriptor on a grpc-js `Server`.
 *
 * Handler shapes (`Req`/`Res` are the descriptor's message types):
 * - unary: `(req, ctx) => Promise<Res> | Res`
 * - server streaming: `(req, ctx) => AsyncIterable<Res>` (an `async function*`, or an
 *   {@link AsyncQueue} used as a writer)
 * - client streaming: `(reqs: AsyncIterable<Req>, ctx) => Promise<Res> | Res`
 * - bidi: `(reqs: AsyncIterable<Req>, ctx) => AsyncIterable<Res>`
 *
 * Responses may be full messages or `create()` init objects. A thrown {@link GrpcStatusError}
 * keeps its code and message; anything else becomes `INTERNAL` (and is reported to
 * `onInternalError`); a handler error never crashes the server.
 *
 * Long-running handlers must watch `ctx.signal`: it aborts when the client cancels, the
 * deadline passes, or the server is stopped with {@link markStopping}.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import type { EventEmitter } from "node:events";
import {
  create,
  type DescMessage,
  type DescMethod,
  type DescService,
  type MessageInitShape,
  type MessageShape,
} from "@bufbuild/protobuf";
import { methodDefinition, type MethodInput, type MethodOutput, methodPath } from "./grpc.ts";
import { GrpcStatusError, Status, toServiceError, unavailable } from "./grpc_status.ts";
import { drained, nextOrAbort, StreamReader } from "./grpc_stream.ts";

/** What grpc-js knows about the peer's transport (`sslPeerCertificate.subject.CN/OU/O` on mTLS). */
export type AuthContext = ReturnType<grpc.ServerUnaryCall<unknown, unknown>["getAuthContext"]>;

/** Per-call context handed to every handler. */
export interface CallContext {
  /** Full method path, e.g. `/swarm.v1.Health/Check`. */
  readonly method: string;
  /** Peer address as grpc-js reports it (`ip:port`, or the socket path for unix sockets). */
  readonly peer: string;
  /** Request metadata (headers). */
  readonly metadata: grpc.Metadata;
  /** Aborts when the client cancels, the deadline passes, or the server is stopping. */
  readonly signal: AbortSignal;
  /** The call's deadline, or `undefined` if the client set none. */
  readonly deadline: Date | undefined;
  /** Peer identity source: `authContext().sslPeerCertificate?.subject` on mutual TLS. */
  authContext(): AuthContext;
}

/** Unary handler. */
export type UnaryHandler<I extends DescMessage, O extends DescMessage> = (
  req: MessageShape<I>,
  ctx: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;
/** Server-streaming handler. */
export type ServerStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  req: MessageShape<I>,
  ctx: CallContext,
) => AsyncIterable<MessageInitShape<O>>;
/** Client-streaming handler. */
export type ClientStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  reqs: AsyncIterable<MessageShape<I>>,
  ctx: CallContext,
) => Promise<MessageInitShape<O>> | MessageInitShape<O>;
/** Bidi-streaming handler. */
export type BidiStreamingHandler<I extends DescMessage, O extends DescMessage> = (
  reqs: AsyncIterable<MessageShape<I>>,
  ctx: CallContext,
) => AsyncIterable<MessageInitShape<O>>;

/** The handler type of one method descriptor type. */
export type MethodHandler<M> = M extends { readonly methodKind: "unary" }
  ? UnaryHandler<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "server_streaming" }
    ? ServerStreamingHandler<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "client_streaming" }
    ? ClientStreamingHandler<MethodInput<M>, MethodOutput<M>>
  : M extends { readonly methodKind: "bidi_streaming" }
    ? BidiStreamingHandler<MethodInput<M>, MethodOutput<M>>
  : never;

/** An implementation of every method of service `S`, keyed by `localName`. */
export type ServiceImpl<S extends DescService> = {
  [K in keyof S["method"]]: MethodHandler<S["method"][K]>;
};

/** Options of {@link addService}. */
export interface AddServiceOptions {
  /**
   * Called with every handler error that is not a {@link GrpcStatusError} (it is sent to the
   * client as `INTERNAL`). Default: `console.error`.
   */
  onInternalError?: (err: unknown, method: string) => void;
}

type AnyCall =
  | grpc.ServerUnaryCall<unknown, unknown>
  | grpc.ServerReadableStream<unknown, unknown>
  | grpc.ServerWritableStream<unknown, unknown>
  | grpc.ServerDuplexStream<unknown, unknown>;

type ServerState = { stopping: GrpcStatusError | undefined; calls: Set<AbortController> };
const states = new WeakMap<grpc.Server, ServerState>();

function stateOf(server: grpc.Server): ServerState {
  let s = states.get(server);
  if (s === undefined) {
    s = { stopping: undefined, calls: new Set() };
    states.set(server, s);
  }
  return s;
}

/**
 * Puts a server into "stopping": new calls fail with `UNAVAILABLE`, and the signal of every
 * in-flight call aborts (streams end with `UNAVAILABLE`). Sends no HTTP/2 GOAWAY: connections
 * stay open until the process exits (see `stopServer` in `grpc_listen.ts`).
 */
export function markStopping(server: grpc.Server, reason = "server is stopping"): void {
  const s = stateOf(server);
  if (s.stopping !== undefined) return;
  s.stopping = unavailable(reason);
  for (const ac of s.calls) ac.abort(s.stopping);
  s.calls.clear();
}

/** True once {@link markStopping} was called for `server`. */
export function isStopping(server: grpc.Server): boolean {
  return states.get(server)?.stopping !== undefined;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

function toDeadline(d: grpc.Deadline): Date | undefined {
  if (d instanceof Date) return d;
  return Number.isFinite(d) ? new Date(d) : undefined;
}

type Scope = { ctx: CallContext; done: () => void; stopReason: () => GrpcStatusError | undefined };

function openScope(server: grpc.Server, call: AnyCall, path: string): Scope {
  const state = stateOf(server);
  const ac = new AbortController();
  const deadline = toDeadline(call.getDeadline());
  const onCancel = () => {
    if (ac.signal.aborted) return;
    const expired = deadline !== undefined && Date.now() >= deadline.getTime();
    ac.abort(
      new GrpcStatusError(
        expired ? Status.DEADLINE_EXCEEDED : Status.CANCELLED,
        expired ? "deadline exceeded" : "call cancelled by the client",
      ),
    );
  };
  const events: EventEmitter = call;
  events.on("cancelled", onCancel);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const untilDeadline = deadline === undefined ? Infinity : deadline.getTime() - Date.now() + 1;
  // grpc-js cancels expired calls itself; this timer only makes sure the signal says
  // DEADLINE_EXCEEDED. Timers cannot exceed 2^31-1 ms (they would fire at once).
  if (untilDeadline <= MAX_TIMER_MS) timer = setTimeout(onCancel, Math.max(0, untilDeadline));
  state.calls.add(ac);
  if (state.stopping !== undefined) ac.abort(state.stopping);
  const ctx: CallContext = {
    method: path,
    peer: call.getPeer(),
    metadata: call.metadata,
    signal: ac.signal,
    deadline,
    authContext: () => call.getAuthContext(),
  };
  return {
    ctx,
    done: () => {
      if (timer !== undefined) clearTimeout(timer);
      events.off("cancelled", onCancel);
      state.calls.delete(ac);
    },
    stopReason: () => {
      const r: unknown = ac.signal.reason;
      return ac.signal.aborted && r === state.stopping ? state.stopping : undefined;
    },
  };
}

function reportInternal(opts: AddServiceOptions, err: unknown, scope: Scope): void {
  // Errors of cancelled calls are expected (handlers see `ctx.signal` abort); don't report them.
  if (err instanceof GrpcStatusError || scope.ctx.signal.aborted) return;
  const path = scope.ctx.method;
  try {
    if (opts.onInternalError !== undefined) opts.onInternalError(err, path);
    else console.error(`grpc handler ${path} failed:`, err);
  } catch {
    // a failing reporter must not crash the server either
  }
}

function unaryWrapper(
  server: grpc.Server,
  method: DescMethod,
  handler: (req: unknown, ctx: CallContext) => unknown,
  opts: AddServiceOptions,
): grpc.handleUnaryCall<unknown, unknown> {
  const path = methodPath(method);
  return (call, callback) => {
    const stopping = stateOf(server).stopping;
    if (stopping !== undefined) return callback(toServiceError(stopping));
    const scope = openScope(server, call, path);
    (async () => create(method.output, await handler(call.request, scope.ctx) as never))().then(
      (res) => {
        scope.done();
        callback(null, res);
      },
      (err: unknown) => {
        scope.done();
        reportInternal(opts, err, scope);
        callback(toServiceError(err));
      },
    );
  };
}

function clientStreamWrapper(
  server: grpc.Server,
  method: DescMethod,
  handler: (reqs: AsyncIterable<unknown>, ctx: CallContext) => unknown,
  opts: AddServiceOptions,
): grpc.handleClientStreamingCall<unknown, unknown> {
  const path = methodPath(method);
  return (call, callback) => {
    const stopping = stateOf(server).stopping;
    if (stopping !== undefined) return callback(toServiceError(stopping));
    const scope = openScope(server, call, path);
    const reader = new StreamReader<unknown>(call, { confirmEnd: (end) => setImmediate(end) });
    scope.ctx.signal.addEventListener("abort", () => reader.fail(scope.ctx.signal.reason), {
      once: true,
    });
    (async () => create(method.output, await handler(reader, scope.ctx) as never))().then(
      (res) => {
        scope.done();
        callback(null, res);
      },
      (err: unknown) => {
        scope.done();
        reportInternal(opts, err, scope);
        callback(toServiceError(err));
      },
    );
  };
}

/** Writes a handler's response iterable to a grpc-js writable call, then ends it with a status. */
async function writeResponses(
  call: grpc.ServerWritableStream<unknown, unknown> | grpc.ServerDuplexStream<unknown, unknown>,
  output: DescMessage,
  responses: () => AsyncIterable<unknown>,
  scope: Scope,
  opts: AddServiceOptions,
): Promise<void> {
  const signal = scope.ctx.signal;
  try {
    const it = responses()[Symbol.asyncIterator]();
    for (;;) {
      const r = await nextOrAbort(it, signal);
      if (r === undefined || r.done) break;
      if (!call.write(create(output, r.value as never))) await drained(call, signal);
    }
    scope.done();
    const stop = scope.stopReason();
    if (stop !== undefined) call.emit("error", toServiceError(stop));
    else if (!signal.aborted) call.end();
  } catch (err) {
    scope.done();
    reportInternal(opts, err, scope);
    if (!signal.aborted || scope.stopReason() !== undefined) {
      call.emit("error", toServiceError(err));
    }
  }
}

function serverStreamWrapper(
  server: grpc.Server,
  method: DescMethod,
  handler: (req: unknown, ctx: CallContext) => AsyncIterable<unknown>,
  opts: AddServiceOptions,
): grpc.handleServerStreamingCall<unknown, unknown> {
  const path = methodPath(method);
  return (call) => {
    const stopping = stateOf(server).stopping;
    if (stopping !== undefined) {
      call.emit("error", toServiceError(stopping));
      return;
    }
    const scope = openScope(server, call, path);
    void writeResponses(
      call,
      method.output,
      () => handler(call.request, scope.ctx),
      scope,
      opts,
    );
  };
}

function bidiWrapper(
  server: grpc.Server,
  method: DescMethod,
  handler: (reqs: AsyncIterable<unknown>, ctx: CallContext) => AsyncIterable<unknown>,
  opts: AddServiceOptions,
): grpc.handleBidiStreamingCall<unknown, unknown> {
  const path = methodPath(method);
  return (call) => {
    const stopping = stateOf(server).stopping;
    if (stopping !== undefined) {
      call.emit("error", toServiceError(stopping));
      return;
    }
    const scope = openScope(server, call, path);
    const reader = new StreamReader<unknown>(call, { confirmEnd: (end) => setImmediate(end) });
    scope.ctx.signal.addEventListener("abort", () => reader.fail(scope.ctx.signal.reason), {
      once: true,
    });
    void writeResponses(call, method.output, () => handler(reader, scope.ctx), scope, opts);
  };
}

/**
 * Registers `impl` for every method of `desc` on `server`. Methods missing from `impl` (only
 * possible through casts) answer `UNIMPLEMENTED`.
 */
export function addService<S extends DescService>(
  server: grpc.Server,
  desc: S,
  impl: ServiceImpl<S>,
  options: AddServiceOptions = {},
): void {
  const def: Record<string, grpc.MethodDefinition<unknown, unknown>> = {};
  const handlers: grpc.UntypedServiceImplementation = {};
  const table = impl as unknown as Record<string, unknown>;
  for (const method of desc.methods) {
    const fn = table[method.localName];
    if (typeof fn !== "function") continue;
    const h = fn.bind(impl) as (a: unknown, ctx: CallContext) => never;
    def[method.localName] = methodDefinition(method) as grpc.MethodDefinition<unknown, unknown>;
    switch (method.methodKind) {
      case "unary":
        handlers[method.localName] = unaryWrapper(server, method, h, options);
        break;
      case "server_streaming":
        handlers[method.localName] = serverStreamWrapper(server, method, h, options);
        break;
      case "client_streaming":
        handlers[method.localName] = clientStreamWrapper(server, method, h, options);
        break;
      case "bidi_streaming":
        handlers[method.localName] = bidiWrapper(server, method, h, options);
        break;
    }
  }
  server.addService(def, handlers);
}
