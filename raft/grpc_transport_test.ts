/**
 * The transport against real gRPC servers with mutual TLS on 127.0.0.1, in one process. Servers
 * are stopped with `mode: "force"` only after every client of theirs was closed, so no live peer
 * ever receives a GOAWAY (see `proto/grpc_listen.ts`).
 */
import assert from "node:assert/strict";
import { Raft } from "../proto/gen/swarm/v1/raft_pb.ts";
import { addService, type CallContext } from "../proto/grpc_server.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { GrpcStatusError, Status } from "../proto/grpc_status.ts";
import { clientChannelOptions, clientCredentials, createServerTls } from "../pki/mod.ts";
import { createTestPki, type TestNodeIdentity } from "../pki/testing.ts";
import { managerAuthorizer, waitFor } from "./_grpc_testing.ts";
import { GrpcRaftTransport, type GrpcRaftTransportOptions } from "./grpc_transport.ts";
import { raftService } from "./grpc_service.ts";
import { chunkSnapshot } from "./snapshot_chunks.ts";
import { newMessage } from "./message.ts";
import type { Message } from "./types.ts";

const pki = await createTestPki({ clusterId: "c1" });
const ids: Record<string, TestNodeIdentity> = {};
for (const id of ["m1", "m2", "m3"]) ids[id] = await pki.issue({ role: "manager", nodeId: id });
const tls = (id: string) => ids[id] as TestNodeIdentity;

interface Receiver {
  readonly server: RunningServer;
  readonly received: Message[];
  readonly methods: string[];
}

/** A gRPC server for member `id` that records what it receives. */
async function receiver(id: string): Promise<Receiver> {
  const received: Message[] = [];
  const methods: string[] = [];
  const authorize = managerAuthorizer("c1");
  const server = await startServer({
    address: "127.0.0.1:0",
    credentials: createServerTls(tls(id)).credentials,
    register: (s) =>
      addService(
        s,
        Raft,
        raftService({
          selfId: id,
          receive: (m) => received.push(m),
          authorize: (ctx: CallContext) => {
            methods.push(ctx.method);
            return authorize(ctx);
          },
        }),
      ),
  });
  return { server, received, methods };
}

function transport(
  selfId: string,
  extra: Partial<GrpcRaftTransportOptions> = {},
  identity = tls(selfId),
): GrpcRaftTransport {
  return new GrpcRaftTransport({
    selfId,
    credentials: clientCredentials(identity),
    channelOptions: clientChannelOptions(),
    ...extra,
  });
}

const heartbeat = (i: number, from = "m1", to = "m2") =>
  newMessage({ type: "heartbeat", from, to, term: 5, commit: 0, context: Uint8Array.of(i) });

Deno.test("grpc transport: one call in flight keeps the order; a snapshot is one stream", async () => {
  const r = await receiver("m2");
  // Only a window of one call guarantees the order (the default window may let a snapshot
  // stream finish before the batches around it).
  const t = transport("m1", { maxInflightCalls: 1 });
  try {
    t.setPeer("m2", r.server.address);
    const snapshot = { meta: { index: 40, term: 4, conf: { voters: ["m1", "m2"], learners: [] } } };
    const chunks = chunkSnapshot({ ...snapshot, data: new Uint8Array(1000).fill(7) }, 300).map(
      (snapshotChunk) =>
        newMessage({ type: "snapshot", from: "m1", to: "m2", term: 5, snapshotChunk }),
    );
    assert.equal(chunks.length, 4);
    const sent = [
      ...Array.from({ length: 300 }, (_, i) => heartbeat(i)),
      ...chunks,
      ...Array.from({ length: 200 }, (_, i) => heartbeat(i)),
    ];
    t.send(sent.slice(0, 250));
    t.send(sent.slice(250)); // a second Ready right after: its messages join the same queue
    await waitFor("every message", () => r.received.length === sent.length);
    assert.deepEqual(r.received, sent);
    const streams = r.methods.filter((m) => m.endsWith("/StreamRaftMessage"));
    assert.equal(streams.length, 1, "the four chunks travel in one stream");
    const unary = r.methods.filter((m) => m.endsWith("/ProcessRaftMessages")).length;
    assert.ok(unary <= 4, `500 messages took ${unary} unary calls`);
    // The server may have delivered the last batch before its response reached us.
    await waitFor("the last response", () => t.stats().messages === sent.length);
    assert.deepEqual(t.stats(), {
      calls: unary + 1,
      messages: sent.length,
      failedCalls: 0,
      dropped: 0,
    });
    assert.equal(t.reachable("m2"), true);
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: a resent snapshot is a second stream, not more chunks", async () => {
  const r = await receiver("m2");
  const t = transport("m1");
  try {
    t.setPeer("m2", r.server.address);
    const meta = { index: 40, term: 4, conf: { voters: ["m1", "m2"], learners: [] } };
    const chunks = chunkSnapshot({ meta, data: new Uint8Array(100).fill(1) }, 40).map(
      (snapshotChunk) =>
        newMessage({ type: "snapshot", from: "m1", to: "m2", term: 5, snapshotChunk }),
    );
    t.send([...chunks, ...chunks]);
    await waitFor("both transfers", () => r.received.length === 6);
    assert.equal(r.methods.filter((m) => m.endsWith("/StreamRaftMessage")).length, 2);
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: with the default window every message arrives once", async () => {
  const r = await receiver("m2");
  const t = transport("m1", { maxBatchMessages: 7 });
  try {
    t.setPeer("m2", r.server.address);
    const sent = Array.from({ length: 200 }, (_, i) => heartbeat(i));
    for (let i = 0; i < sent.length; i += 10) t.send(sent.slice(i, i + 10));
    await waitFor("every message", () => r.received.length === sent.length);
    const key = (m: Message) => m.context[0] ?? -1;
    assert.deepEqual(r.received.map(key).sort((a, b) => a - b), sent.map(key));
    await waitFor("the last response", () => t.stats().messages === sent.length);
    assert.equal(t.stats().failedCalls, 0);
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: batches are cut at maxBatchMessages and maxBatchBytes", async () => {
  const r = await receiver("m2");
  const t = transport("m1", { maxBatchMessages: 10, maxBatchBytes: 2000 });
  try {
    t.setPeer("m2", r.server.address);
    const big = (i: number) =>
      newMessage({
        type: "append",
        from: "m1",
        to: "m2",
        term: 5,
        index: i,
        logTerm: 5,
        entries: [{ term: 5, index: i + 1, kind: "normal", data: new Uint8Array(800) }],
      });
    t.send(Array.from({ length: 25 }, (_, i) => heartbeat(i)));
    await waitFor("heartbeats", () => r.received.length === 25);
    assert.equal(r.methods.length, 3, "25 messages at most 10 per batch: 3 calls");
    t.send([big(1), big(2), big(3)]);
    await waitFor("appends", () => r.received.length === 28);
    assert.equal(r.methods.length, 5, "two ~1 KB appends fit in 2000 bytes, the third does not");
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: a manager cannot speak for another over the wire", async () => {
  const r = await receiver("m2");
  const failures: string[] = [];
  // m3's certificate, sending messages that claim to be m1's.
  const t = transport("m1", { onUnreachable: (_id, e) => failures.push(String(e)) }, tls("m3"));
  try {
    t.setPeer("m2", r.server.address);
    t.send([heartbeat(1)]);
    await waitFor("the refusal", () => failures.length > 0);
    assert.match(failures[0] ?? "", /PERMISSION_DENIED/);
    assert.equal(r.received.length, 0);
    assert.equal(t.reachable("m2"), false);
    const [peer] = t.peers();
    assert.ok(peer?.lastError instanceof GrpcStatusError);
    assert.equal(peer.lastError.code, Status.PERMISSION_DENIED);
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: a caller without a client certificate is UNAUTHENTICATED", async () => {
  const r = await receiver("m2");
  const errors: Error[] = [];
  const t = new GrpcRaftTransport({
    selfId: "m1",
    credentials: clientCredentials({ rootPem: pki.root.certPem }),
    channelOptions: clientChannelOptions(),
    onUnreachable: (_id, e) => errors.push(e),
  });
  try {
    t.setPeer("m2", r.server.address);
    t.send([heartbeat(1)]);
    await waitFor("the refusal", () => errors.length > 0);
    assert.equal((errors[0] as GrpcStatusError).code, Status.UNAUTHENTICATED);
    assert.equal(r.received.length, 0);
  } finally {
    t.close();
    await stopServer(r.server, { mode: "force" });
  }
});

Deno.test("grpc transport: a silent peer: deadline, bounded queue, one unreachable report", async () => {
  // Accepts TCP connections and never answers: the TLS handshake hangs, so only the call
  // deadline ends each call.
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const conns: Deno.Conn[] = [];
  const accepting = (async () => {
    try {
      for await (const c of listener) conns.push(c);
    } catch {
      // closed
    }
  })();
  const unreachable: string[] = [];
  const logs: string[] = [];
  const t = transport("m1", {
    timeoutMs: 200,
    maxQueuedMessages: 10,
    onUnreachable: (id, e) => unreachable.push(`${id} ${(e as GrpcStatusError).codeName}`),
    log: (m) => logs.push(m),
  });
  try {
    t.setPeer("m2", `127.0.0.1:${(listener.addr as Deno.NetAddr).port}`);
    const start = Date.now();
    t.send([heartbeat(0)]);
    for (let i = 1; i <= 100; i++) t.send([heartbeat(i)]); // never throws, never waits
    assert.ok(Date.now() - start < 100, "send returned at once");
    await waitFor("the deadline", () => unreachable.length > 0, 3000);
    assert.ok(Date.now() - start >= 190, "the call ran until its deadline");
    assert.deepEqual(unreachable, ["m2 DEADLINE_EXCEEDED"]);
    const [peer] = t.peers();
    assert.ok(peer !== undefined && peer.queued <= 10, `queued ${peer?.queued}`);
    // 101 sent: one batch in flight (1 message, then lost), at most 10 queued, the rest dropped.
    assert.ok(peer.dropped >= 90, `dropped ${peer.dropped}`);
    // Further failures neither report again nor log a line per attempt.
    await new Promise((r) => setTimeout(r, 700));
    assert.equal(unreachable.length, 1);
    assert.ok(logs.length <= 2, logs.join("\n"));
    t.send([heartbeat(1, "m1", "nobody")]); // an unknown peer: dropped, logged once
    t.send([heartbeat(2, "m1", "nobody")]);
    assert.equal(logs.filter((l) => l.includes("nobody")).length, 1);
  } finally {
    t.close();
    t.send([heartbeat(3)]); // after close: dropped silently
    listener.close();
    await accepting;
    for (const c of conns) c.close();
  }
});

Deno.test("grpc transport: a peer that comes back on the same port is reached again", async () => {
  const first = await receiver("m2");
  const addr = first.server.address;
  const reachable: string[] = [];
  const t = transport("m1", {
    onUnreachable: (id) => reachable.push(`${id} down`),
    onReachable: (id) => reachable.push(`${id} up`),
  });
  let second: Receiver | undefined;
  try {
    t.setPeer("m2", addr);
    t.send([heartbeat(1)]);
    await waitFor("first delivery", () => first.received.length === 1);
    // Stop the peer's server. In one process the only way to free the port is forceShutdown,
    // whose GOAWAY would reach our live client: forget the peer first (closing our client),
    // stop the server, then know the peer again at the same address.
    t.removePeer("m2");
    await stopServer(first.server, { mode: "force" });
    t.setPeer("m2", addr);
    t.send([heartbeat(2)]);
    await waitFor("the failure", () => reachable.length === 1);
    second = await startRaftServerAt(addr); // the very same port
    for (let i = 3; second.received.length === 0; i++) {
      t.send([heartbeat(i)]);
      await new Promise((r) => setTimeout(r, 50));
      assert.ok(i < 60, "the restarted peer was not reached within 3 s");
    }
    assert.deepEqual(reachable, ["m2 down", "m2 up"]);
    assert.equal(t.reachable("m2"), true);
  } finally {
    t.close();
    if (second !== undefined) await stopServer(second.server, { mode: "force" });
  }
});

/** A receiver for m2 bound to a given address (the port of a stopped one). */
async function startRaftServerAt(address: string): Promise<Receiver> {
  const received: Message[] = [];
  const server = await startServer({
    address,
    credentials: createServerTls(tls("m2")).credentials,
    register: (s) =>
      addService(
        s,
        Raft,
        raftService({
          selfId: "m2",
          receive: (m) => received.push(m),
          authorize: managerAuthorizer("c1"),
        }),
      ),
  });
  return { server, received, methods: [] };
}

Deno.test("grpc transport: setPeer validates, peers() lists, removePeer forgets", () => {
  const t = transport("m1");
  try {
    assert.throws(() => t.setPeer("m1", "127.0.0.1:1"), TypeError);
    t.setPeer("m2", "127.0.0.1:1");
    t.setPeer("m3", "127.0.0.1:2");
    t.setPeer("m3", "127.0.0.1:3"); // moved
    assert.deepEqual(
      t.peers().map((p) => [p.id, p.addr, p.reachable]),
      [["m2", "127.0.0.1:1", true], ["m3", "127.0.0.1:3", true]],
    );
    t.removePeer("m2");
    assert.deepEqual(t.peers().map((p) => p.id), ["m3"]);
    assert.equal(t.reachable("m2"), false);
  } finally {
    t.close();
  }
  assert.deepEqual(t.peers(), []);
});
