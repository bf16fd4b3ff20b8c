import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import {
  type RaftMessage,
  RaftMessageBatchSchema,
  RaftMessageSchema,
  ResolveAddressRequestSchema,
} from "../proto/gen/swarm/v1/raft_pb.ts";
import type { AuthContext, CallContext } from "../proto/grpc_server.ts";
import { GrpcStatusError, Status, unauthenticated } from "../proto/grpc_status.ts";
import { managerAuthorizer } from "./_grpc_testing.ts";
import { encodeRaftMessage } from "./grpc_codec.ts";
import { raftService, type RaftServiceOptions } from "./grpc_service.ts";
import { newMessage } from "./message.ts";
import type { Message } from "./types.ts";

/** A call context whose TLS peer certificate has `subject` (none when undefined). */
function fakeCtx(
  subject?: { CN: string; OU: string; O: string },
  method = "/swarm.v1.Raft/ProcessRaftMessages",
): CallContext {
  const auth = (subject === undefined ? {} : { sslPeerCertificate: { subject } }) as AuthContext;
  return {
    method,
    peer: "127.0.0.1:1",
    metadata: new grpc.Metadata(),
    signal: new AbortController().signal,
    deadline: undefined,
    authContext: () => auth,
  };
}

const M2 = { CN: "m2", OU: "swarm-manager", O: "c1" };

function setup(extra: Partial<RaftServiceOptions> = {}) {
  const received: Message[] = [];
  const impl = raftService({
    selfId: "m1",
    receive: (m) => received.push(m),
    authorize: managerAuthorizer("c1"),
    ...extra,
  });
  return { impl, received };
}

const heartbeat = (from = "m2", to = "m1") =>
  encodeRaftMessage(newMessage({ type: "heartbeat-resp", from, to, term: 3 }));

function batch(...messages: RaftMessage[]) {
  return create(RaftMessageBatchSchema, { messages });
}

/** Handlers may throw synchronously (addService turns that into a status too). */
async function rejectsWith(call: () => unknown, code: Status, re?: RegExp): Promise<void> {
  await assert.rejects(
    (async () => await call())(),
    (e: unknown) => {
      assert.ok(e instanceof GrpcStatusError, String(e));
      assert.equal(e.codeName, Status[code], e.message);
      if (re !== undefined) assert.match(e.message, re);
      return true;
    },
  );
}

Deno.test("raft service: a good batch from the caller is delivered in order", async () => {
  const { impl, received } = setup();
  const append = encodeRaftMessage(newMessage({
    type: "append-resp",
    from: "m2",
    to: "m1",
    term: 3,
    index: 9,
  }));
  await impl.processRaftMessages(batch(heartbeat(), append), fakeCtx(M2));
  assert.deepEqual(received.map((m) => m.type), ["heartbeat-resp", "append-resp"]);
  assert.equal(received[1]?.index, 9);
});

Deno.test("raft service: a message claiming another sender is PERMISSION_DENIED", async () => {
  const { impl, received } = setup();
  // m2 tries to speak for m3 (e.g. to forge a vote): nothing of the batch is delivered.
  await rejectsWith(
    () => impl.processRaftMessages(batch(heartbeat(), heartbeat("m3")), fakeCtx(M2)),
    Status.PERMISSION_DENIED,
    /m2 .*m3/,
  );
  assert.equal(received.length, 0);
});

Deno.test("raft service: a message for another member is PERMISSION_DENIED", async () => {
  const { impl, received } = setup();
  await rejectsWith(
    () => impl.processRaftMessages(batch(heartbeat("m2", "m3")), fakeCtx(M2)),
    Status.PERMISSION_DENIED,
    /m3/,
  );
  assert.equal(received.length, 0);
});

Deno.test("raft service: malformed messages are INVALID_ARGUMENT", async () => {
  const { impl, received } = setup();
  const cases: RaftMessage[] = [
    create(RaftMessageSchema, { type: "gossip", from: "m2", to: "m1", term: 1n }),
    create(RaftMessageSchema, {
      type: "heartbeat",
      from: "m2",
      to: "m1",
      term: BigInt(Number.MAX_SAFE_INTEGER) + 1n,
    }),
    create(RaftMessageSchema, { type: "snapshot", from: "m2", to: "m1", term: 1n }),
    // Decodes, but validateMessage refuses it: entries not contiguous after `index`.
    create(RaftMessageSchema, {
      type: "append",
      from: "m2",
      to: "m1",
      term: 2n,
      index: 4n,
      entries: [{ term: 2n, index: 7n, kind: "normal" }],
    }),
  ];
  for (const bad of cases) {
    await rejectsWith(
      () => impl.processRaftMessages(batch(heartbeat(), bad), fakeCtx(M2)),
      Status.INVALID_ARGUMENT,
    );
  }
  assert.equal(received.length, 0);
});

Deno.test("raft service: callers without a manager certificate of this cluster are refused", async () => {
  const { impl, received } = setup();
  await rejectsWith(
    () => impl.processRaftMessages(batch(heartbeat()), fakeCtx()),
    Status.UNAUTHENTICATED,
  );
  await rejectsWith(
    () =>
      impl.processRaftMessages(
        batch(heartbeat()),
        fakeCtx({ CN: "m2", OU: "swarm-worker", O: "c1" }),
      ),
    Status.PERMISSION_DENIED,
  );
  await rejectsWith(
    () => impl.processRaftMessages(batch(heartbeat()), fakeCtx({ ...M2, O: "other-cluster" })),
    Status.PERMISSION_DENIED,
  );
  assert.equal(received.length, 0);
});

Deno.test("raft service: the authorize hook's own error reaches the caller", async () => {
  const { impl } = setup({
    authorize: () => {
      throw unauthenticated("no certificate");
    },
  });
  await rejectsWith(
    () => impl.processRaftMessages(batch(heartbeat()), fakeCtx(M2)),
    Status.UNAUTHENTICATED,
    /no certificate/,
  );
});

Deno.test("raft service: an oversized batch is RESOURCE_EXHAUSTED", async () => {
  const { impl, received } = setup({ maxBatchMessages: 3 });
  await impl.processRaftMessages(batch(heartbeat(), heartbeat(), heartbeat()), fakeCtx(M2));
  await rejectsWith(
    () =>
      impl.processRaftMessages(batch(...Array.from({ length: 4 }, () => heartbeat())), fakeCtx(M2)),
    Status.RESOURCE_EXHAUSTED,
  );
  assert.equal(received.length, 3);
});

Deno.test("raft service: a stream delivers batch by batch and stops at a bad one", async () => {
  const { impl, received } = setup();
  const ctx = fakeCtx(M2, "/swarm.v1.Raft/StreamRaftMessage");
  async function* stream(...batches: RaftMessage[][]) {
    for (const b of batches) yield batch(...b);
  }
  await impl.streamRaftMessage(stream([heartbeat()], [heartbeat(), heartbeat()]), ctx);
  assert.equal(received.length, 3);
  await rejectsWith(
    () => impl.streamRaftMessage(stream([heartbeat()], [heartbeat("m3")], [heartbeat()]), ctx),
    Status.PERMISSION_DENIED,
  );
  assert.equal(received.length, 4, "the batch before the bad one was delivered, none after");
  await rejectsWith(
    () => impl.streamRaftMessage(stream([heartbeat()]), fakeCtx(undefined, ctx.method)),
    Status.UNAUTHENTICATED,
  );
  assert.equal(received.length, 4);
});

Deno.test("raft service: ResolveAddress answers from the resolve hook, else NOT_FOUND", async () => {
  const req = (raftId: string) => create(ResolveAddressRequestSchema, { raftId });
  const withHook = setup({ resolve: (id) => id === "m3" ? "10.0.0.3:4242" : undefined }).impl;
  assert.deepEqual(await withHook.resolveAddress(req("m3"), fakeCtx(M2)), {
    addr: "10.0.0.3:4242",
  });
  await rejectsWith(() => withHook.resolveAddress(req("m9"), fakeCtx(M2)), Status.NOT_FOUND);
  await rejectsWith(() => setup().impl.resolveAddress(req("m3"), fakeCtx(M2)), Status.NOT_FOUND);
  await rejectsWith(() => withHook.resolveAddress(req("m3"), fakeCtx()), Status.UNAUTHENTICATED);
});
