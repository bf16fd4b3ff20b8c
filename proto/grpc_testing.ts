/**
 * Test support: an `Echo` service with one method of each RPC kind, built at runtime from a
 * `FileDescriptorProto` over the well-known wrapper messages (so no .proto file is needed), and
 * a handler implementation whose behaviour is steered by the request.
 *
 * Not part of the production API.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { create, createFileRegistry } from "@bufbuild/protobuf";
import type { GenService } from "@bufbuild/protobuf/codegenv2";
import {
  BytesValueSchema,
  file_google_protobuf_wrappers,
  FileDescriptorProtoSchema,
  MethodOptions_IdempotencyLevel,
  StringValueSchema,
  UInt32ValueSchema,
} from "@bufbuild/protobuf/wkt";
import { addService, type CallContext, type ServiceImpl } from "./grpc_server.ts";
import { startServer, stopServer } from "./grpc_listen.ts";
import { GrpcStatusError, type Status } from "./grpc_status.ts";

const fdp = create(FileDescriptorProtoSchema, {
  name: "swarm/testing/v1/echo.proto",
  package: "swarm.testing.v1",
  syntax: "proto3",
  dependency: ["google/protobuf/wrappers.proto"],
  service: [{
    name: "Echo",
    method: [
      {
        name: "Say",
        inputType: ".google.protobuf.StringValue",
        outputType: ".google.protobuf.StringValue",
        options: { idempotencyLevel: MethodOptions_IdempotencyLevel.NO_SIDE_EFFECTS },
      },
      {
        name: "Add",
        inputType: ".google.protobuf.UInt32Value",
        outputType: ".google.protobuf.UInt32Value",
      },
      {
        name: "Count",
        inputType: ".google.protobuf.UInt32Value",
        outputType: ".google.protobuf.UInt32Value",
        serverStreaming: true,
      },
      {
        name: "Sum",
        inputType: ".google.protobuf.UInt32Value",
        outputType: ".google.protobuf.UInt32Value",
        clientStreaming: true,
      },
      {
        name: "Chat",
        inputType: ".google.protobuf.BytesValue",
        outputType: ".google.protobuf.BytesValue",
        clientStreaming: true,
        serverStreaming: true,
      },
    ],
  }],
});

const registry = createFileRegistry(
  fdp,
  (name) =>
    name === file_google_protobuf_wrappers.proto.name ? file_google_protobuf_wrappers : undefined,
);

/** `swarm.testing.v1.Echo`, typed like protoc-gen-es output. */
export const Echo = registry.getService("swarm.testing.v1.Echo") as unknown as GenService<{
  /** Unary, NO_SIDE_EFFECTS (retryable). See {@link echoImpl} for the commands. */
  say: {
    methodKind: "unary";
    input: typeof StringValueSchema;
    output: typeof StringValueSchema;
  };
  /** Unary, not idempotent: adds to a counter and returns the total. */
  add: {
    methodKind: "unary";
    input: typeof UInt32ValueSchema;
    output: typeof UInt32ValueSchema;
  };
  /** Server streaming: 0..n-1; n = 0 streams forever (every 5 ms) until cancelled. */
  count: {
    methodKind: "server_streaming";
    input: typeof UInt32ValueSchema;
    output: typeof UInt32ValueSchema;
  };
  /** Client streaming: the sum of the values. */
  sum: {
    methodKind: "client_streaming";
    input: typeof UInt32ValueSchema;
    output: typeof UInt32ValueSchema;
  };
  /** Bidi: echoes each message back reversed. */
  chat: {
    methodKind: "bidi_streaming";
    input: typeof BytesValueSchema;
    output: typeof BytesValueSchema;
  };
}>;

/** What the Echo implementation observed (for assertions). */
export interface EchoState {
  total: number;
  addCalls: number;
  /** Reasons of aborted `ctx.signal`s, in order. */
  aborts: unknown[];
  /** Streams whose handler finished (normally or not). */
  streamsFinished: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
  });
}

function watch(state: EchoState, ctx: CallContext): void {
  ctx.signal.addEventListener("abort", () => state.aborts.push(ctx.signal.reason), { once: true });
}

/**
 * The Echo handlers. `say` commands: `throw:<msg>` throws a plain Error (→ INTERNAL),
 * `status:<code>:<msg>` throws a GrpcStatusError, `sleep:<ms>` sleeps (honouring the signal),
 * `peer` returns `ctx.peer`, `meta:<key>` a request metadata value, `deadline` the deadline's
 * ISO string or `none`; anything else is echoed.
 */
export function echoImpl(state: EchoState): ServiceImpl<typeof Echo> {
  return {
    async say(req, ctx) {
      watch(state, ctx);
      const [cmd, ...rest] = req.value.split(":");
      const arg = rest.join(":");
      switch (cmd) {
        case "throw":
          throw new Error(arg);
        case "status": {
          const [code, ...msg] = rest;
          throw new GrpcStatusError(Number(code) as Status, msg.join(":"));
        }
        case "sleep":
          await sleep(Number(arg), ctx.signal);
          return { value: "slept" };
        case "peer":
          return { value: ctx.peer };
        case "meta":
          return { value: String(ctx.metadata.get(arg)[0] ?? "") };
        case "deadline":
          return { value: ctx.deadline?.toISOString() ?? "none" };
        default:
          return create(StringValueSchema, { value: req.value });
      }
    },
    add(req) {
      state.addCalls++;
      state.total += req.value;
      return { value: state.total };
    },
    async *count(req, ctx) {
      watch(state, ctx);
      try {
        for (let i = 0; req.value === 0 || i < req.value; i++) {
          if (req.value === 0) await sleep(5, ctx.signal);
          yield { value: i };
        }
      } finally {
        state.streamsFinished++;
      }
    },
    async sum(reqs, ctx) {
      watch(state, ctx);
      let total = 0;
      for await (const r of reqs) total += r.value;
      return { value: total };
    },
    async *chat(reqs, ctx) {
      watch(state, ctx);
      try {
        for await (const r of reqs) yield { value: r.value.slice().reverse() };
      } finally {
        state.streamsFinished++;
      }
    },
  };
}

/** A fresh {@link EchoState}. */
export function newEchoState(): EchoState {
  return { total: 0, addCalls: 0, aborts: [], streamsFinished: 0 };
}

/** A running Echo server for tests. */
export interface EchoServer {
  readonly address: string;
  readonly state: EchoState;
  readonly internalErrors: unknown[];
  readonly server: grpc.Server;
  /** Force-stops the server (close its clients first!) and removes its temp dir. */
  close(): Promise<void>;
}

/** Starts an Echo server on a unix socket in a fresh 0700 temp dir, or on TCP 127.0.0.1:0. */
export async function startEchoServer(kind: "unix" | "tcp"): Promise<EchoServer> {
  const state = newEchoState();
  const internalErrors: unknown[] = [];
  const dir = kind === "unix" ? await Deno.makeTempDir({ prefix: "grpc-echo-" }) : undefined;
  const running = await startServer({
    address: dir !== undefined ? `unix:${dir}/echo.sock` : "127.0.0.1:0",
    ...(kind === "tcp" ? { credentials: grpc.ServerCredentials.createInsecure() } : {}),
    register: (server) =>
      addService(server, Echo, echoImpl(state), {
        onInternalError: (err) => internalErrors.push(err),
      }),
  });
  return {
    address: running.address,
    state,
    internalErrors,
    server: running.server,
    close: async () => {
      await stopServer(running, { mode: "force" });
      if (dir !== undefined) await Deno.remove(dir, { recursive: true });
    },
  };
}

/** Insecure grpc-js client credentials (tests, unix sockets). */
export function insecure(): grpc.ChannelCredentials {
  return grpc.credentials.createInsecure();
}
