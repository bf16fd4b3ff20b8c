import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { create } from "@bufbuild/protobuf";
import { StringValueSchema } from "@bufbuild/protobuf/wkt";
import { createClient } from "./grpc_client.ts";
import { startServer, stopServer } from "./grpc_listen.ts";
import {
  addService,
  type CallContext,
  isStopping,
  markStopping,
  type ServiceImpl,
} from "./grpc_server.ts";
import { isGrpcStatusError, notFound, Status } from "./grpc_status.ts";
import { AsyncQueue } from "./grpc_stream.ts";
import { Echo, insecure } from "./grpc_testing.ts";

/** Runs `impl` (cast: partial implementations are allowed here) on a unix socket server. */
async function withImpl(
  impl: Partial<ServiceImpl<typeof Echo>>,
  fn: (echo: ReturnType<typeof createClient<typeof Echo>>, server: grpc.Server) => Promise<void>,
  internal: unknown[] = [],
) {
  const dir = await Deno.makeTempDir();
  const s = await startServer({
    address: `unix:${dir}/s.sock`,
    register: (srv) =>
      addService(srv, Echo, impl as ServiceImpl<typeof Echo>, {
        onInternalError: (e) => internal.push(e),
      }),
  });
  const raw = new grpc.Client(s.address, insecure());
  try {
    await fn(createClient(Echo, raw), s.server);
  } finally {
    raw.close();
    await stopServer(s, { mode: "force" });
    await Deno.remove(dir, { recursive: true });
  }
}

const isCode = (code: Status, msg?: RegExp) => (e: unknown) =>
  isGrpcStatusError(e, code) && (msg === undefined || msg.test(e.message));

Deno.test("addService: missing methods answer UNIMPLEMENTED", async () => {
  await withImpl({ say: (r) => r }, async (echo) => {
    assert.equal((await echo.say({ value: "full message back" })).value, "full message back");
    await assert.rejects(echo.add({ value: 1 }), isCode(Status.UNIMPLEMENTED));
  });
});

Deno.test("addService: sync throws, non-Error throws and bad responses become INTERNAL", async () => {
  const internal: unknown[] = [];
  await withImpl({
    say(req) {
      if (req.value === "sync") throw new RangeError("sync failure");
      throw "a string"; // not an Error: still handled
    },
    add: () => Promise.reject(notFound("counter missing")),
  }, async (echo) => {
    await assert.rejects(echo.say({ value: "sync" }), isCode(Status.INTERNAL, /sync failure/));
    await assert.rejects(echo.say({ value: "string" }), isCode(Status.INTERNAL, /a string/));
    await assert.rejects(echo.add({ value: 1 }), isCode(Status.NOT_FOUND, /^counter missing$/));
  }, internal);
  assert.equal(internal.length, 2, "status errors are not reported as internal");
});

Deno.test("addService: a stream handler failing mid-way delivers messages, then the status", async () => {
  await withImpl({
    async *count() {
      yield { value: 1 };
      yield { value: 2 };
      // grpc-js clients report a non-OK status as soon as it arrives and drop messages not yet
      // read (a documented limitation); give the client time to read them first.
      await new Promise((r) => setTimeout(r, 50));
      throw notFound("ran out");
    },
    async *chat(reqs) {
      for await (const r of reqs) {
        if (r.value.length === 0) throw new Error("empty message");
        yield { value: r.value };
      }
    },
  }, async (echo) => {
    const got: number[] = [];
    await assert.rejects(async () => {
      for await (const m of echo.count({ value: 0 })) got.push(m.value);
    }, isCode(Status.NOT_FOUND, /ran out/));
    assert.deepEqual(got, [1, 2]);
    const replies = echo.chat([{ value: new Uint8Array([1]) }, { value: new Uint8Array() }]);
    await assert.rejects(replies.toArray(), isCode(Status.INTERNAL, /empty message/));
  });
});

Deno.test("addService: ctx has deadline, metadata, peer, auth context and signal", async () => {
  let seen: CallContext | undefined;
  await withImpl({
    say(req, ctx) {
      seen = ctx;
      return create(StringValueSchema, { value: req.value });
    },
    async *count(_req, ctx) {
      seen = ctx;
      yield { value: 1 };
    },
  }, async (echo) => {
    await echo.say({ value: "x" }, { timeoutMs: 3_000 });
    assert.ok(seen?.deadline instanceof Date);
    assert.equal(seen.method, "/swarm.testing.v1.Echo/Say");
    assert.equal(seen.signal.aborted, false);
    assert.equal(seen.authContext().sslPeerCertificate, undefined); // insecure: no certificate
    // A deadline beyond the 2^31 ms timer range must not abort the call at once.
    await echo.say({ value: "x" }, { deadline: new Date(Date.now() + 40 * 86_400_000) });
    assert.equal(seen?.signal.aborted, false);
    await echo.count({ value: 1 }).toArray();
    assert.equal(seen?.deadline, undefined, "streams have no default deadline");
    assert.equal(seen?.method, "/swarm.testing.v1.Echo/Count");
  });
});

Deno.test("addService: client-streaming handler sees cancellation", async () => {
  let failure: unknown;
  const entered = Promise.withResolvers<void>();
  await withImpl({
    async sum(reqs, ctx) {
      entered.resolve();
      try {
        let n = 0;
        for await (const r of reqs) n += r.value;
        return { value: n };
      } catch (err) {
        failure = err;
        assert.ok(ctx.signal.aborted);
        throw err;
      }
    },
  }, async (echo) => {
    const q = new AsyncQueue<{ value: number }>();
    const ac = new AbortController();
    const p = echo.sum(q, { signal: ac.signal });
    q.push({ value: 1 });
    await entered.promise;
    ac.abort();
    await assert.rejects(p, isCode(Status.CANCELLED));
    const end = Date.now() + 2_000;
    while (failure === undefined && Date.now() < end) await new Promise((r) => setTimeout(r, 10));
    assert.ok(isGrpcStatusError(failure, Status.CANCELLED));
  });
});

Deno.test("markStopping: in-flight handlers abort, new calls get UNAVAILABLE", async () => {
  const started = Promise.withResolvers<void>();
  await withImpl({
    say(_req, ctx) {
      started.resolve();
      return new Promise((_, reject) =>
        ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))
      );
    },
    async *count() {
      yield { value: 1 };
    },
  }, async (echo, server) => {
    const p = echo.say({ value: "wait" });
    await started.promise;
    assert.equal(isStopping(server), false);
    markStopping(server, "draining");
    assert.equal(isStopping(server), true);
    await assert.rejects(p, isCode(Status.UNAVAILABLE, /^draining$/));
    await assert.rejects(echo.say({ value: "new" }), isCode(Status.UNAVAILABLE, /^draining$/));
    await assert.rejects(echo.count({ value: 1 }).toArray(), isCode(Status.UNAVAILABLE));
  });
});
