import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { ChannelPool, DEFAULT_CHANNEL_OPTIONS, ManagedChannel } from "./connection.ts";
import { Health, ServingStatus } from "./grpc_health.ts";
import { GrpcStatusError, isGrpcStatusError, Status } from "./grpc_status.ts";
import { Echo, echoImpl, insecure, newEchoState, startEchoServer } from "./grpc_testing.ts";
import { addService } from "./grpc_server.ts";
import { startServer, stopServer } from "./grpc_listen.ts";
import { freePort, spawnFixture } from "../tests/fixtures/goaway_proc.ts";

Deno.test("ManagedChannel: lazy client, typed calls, close", async () => {
  const srv = await startEchoServer("unix");
  const ch = new ManagedChannel({ address: srv.address });
  try {
    assert.equal(ch.generation, 0);
    const echo = ch.client(Echo);
    assert.equal((await echo.say({ value: "a" })).value, "a");
    assert.equal((await echo.say({ value: "b" })).value, "b");
    assert.equal(ch.generation, 1);
    // An application error does not recreate the client.
    await assert.rejects(echo.say({ value: `status:${Status.NOT_FOUND}:nope` }));
    await echo.say({ value: "c" });
    assert.equal(ch.generation, 1);
    // DEADLINE_EXCEEDED does.
    await assert.rejects(echo.say({ value: "sleep:2000" }, { timeoutMs: 50 }));
    await echo.say({ value: "d" });
    assert.equal(ch.generation, 2);
  } finally {
    ch.close();
    await srv.close();
  }
  await assert.rejects(
    ch.client(Echo).say({ value: "x" }),
    (e: unknown) => isGrpcStatusError(e, Status.CANCELLED),
  );
});

Deno.test("ManagedChannel: TCP needs credentials, options are merged", () => {
  assert.throws(() => new ManagedChannel({ address: "127.0.0.1:1" }), TypeError);
  assert.throws(() => new ManagedChannel({ address: "nonsense" }));
  assert.equal(DEFAULT_CHANNEL_OPTIONS["grpc.use_local_subchannel_pool"], 1);
  new ManagedChannel({
    address: "127.0.0.1:1",
    credentials: insecure(),
    channelOptions: { "grpc.ssl_target_name_override": "swarm-manager" },
  }).close();
});

Deno.test("ManagedChannel: a retired client keeps its healthy stream until it ends", async () => {
  const srv = await startEchoServer("tcp");
  const ch = new ManagedChannel({ address: srv.address, credentials: insecure() });
  try {
    const echo = ch.client(Echo);
    const stream = echo.count({ value: 0 });
    const it = stream[Symbol.asyncIterator]();
    assert.equal((await it.next()).value?.value, 0);
    ch.reset(); // as after an UNAVAILABLE elsewhere
    assert.equal((await echo.say({ value: "new" })).value, "new");
    assert.equal(ch.generation, 2);
    // The old stream still flows on the retired client.
    assert.equal((await it.next()).value?.value, 1);
    await it.return?.();
  } finally {
    ch.close();
    await srv.close();
  }
});

Deno.test("ManagedChannel: retries idempotent calls only, reconnecting to a late server", async () => {
  const dir = await Deno.makeTempDir();
  const address = `unix:${dir}/late.sock`;
  const ch = new ManagedChannel({
    address,
    retry: { maxAttempts: 30, initialBackoffMs: 20, maxBackoffMs: 50 },
  });
  const state = newEchoState();
  let running: Awaited<ReturnType<typeof startServer>> | undefined;
  try {
    const echo = ch.client(Echo);
    // Not idempotent: exactly one attempt, UNAVAILABLE.
    await assert.rejects(
      echo.add({ value: 1 }),
      (e: unknown) => isGrpcStatusError(e, Status.UNAVAILABLE),
    );
    const gen = ch.generation;
    // Idempotent (NO_SIDE_EFFECTS in the descriptor): retried until the server appears.
    const pending = echo.say({ value: "eventually" }, { timeoutMs: 500 });
    setTimeout(async () => {
      running = await startServer({
        address,
        register: (s) => addService(s, Echo, echoImpl(state)),
      });
    }, 150);
    assert.equal((await pending).value, "eventually");
    assert.ok(ch.generation > gen, "the client was recreated between attempts");
    // idempotent: true per call makes a non-idempotent method retryable.
    assert.equal((await echo.add({ value: 2 }, { idempotent: true })).value, 2);
    assert.equal(state.addCalls, 1);
  } finally {
    ch.close();
    if (running !== undefined) await stopServer(running, { mode: "force" });
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("ChannelPool: one channel per address", async () => {
  const srv = await startEchoServer("unix");
  const pool = new ChannelPool({ timeoutMs: 1_000 });
  try {
    const a = pool.get(srv.address);
    assert.equal(pool.get(srv.address), a);
    assert.equal((await a.client(Echo).say({ value: "p" })).value, "p");
    assert.deepEqual(pool.addresses(), [srv.address]);
    pool.delete(srv.address);
    assert.ok(a.closed);
    assert.notEqual(pool.get(srv.address), a);
  } finally {
    pool.close();
    await srv.close();
  }
});

Deno.test({
  name:
    "ManagedChannel: reconnects within ~2 s after the server process is killed -9 and restarted",
  sanitizeResources: false,
  sanitizeOps: false,
  async fn() {
    const port = freePort();
    const address = `127.0.0.1:${port}`;
    const ch = new ManagedChannel({ address, credentials: insecure(), timeoutMs: 1_000 });
    const health = ch.client(Health);
    let server = spawnFixture("goaway_server.ts", ["--address", address]);
    try {
      await server.waitForLine(/^LISTENING /, 20_000);
      const first = await health.check({ service: "" });
      assert.equal(first.status, ServingStatus.SERVING);

      const killed = await server.stop(); // SIGKILL: no GOAWAY, the kernel resets the connection
      assert.equal(killed.signal, "SIGKILL");
      await assert.rejects(
        health.check({ service: "" }, { idempotent: false }),
        (e: unknown) => isGrpcStatusError(e, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED),
      );

      server = spawnFixture("goaway_server.ts", ["--address", address]);
      await server.waitForLine(/^LISTENING /, 20_000);
      const t0 = Date.now();
      let lastError: unknown;
      for (;;) {
        try {
          const res = await health.check({ service: "" }, { timeoutMs: 500 });
          assert.equal(res.status, ServingStatus.SERVING);
          break;
        } catch (err) {
          lastError = err;
          if (Date.now() - t0 > 2_000) throw new Error(`no reconnect within 2 s: ${lastError}`);
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      const elapsed = Date.now() - t0;
      assert.ok(elapsed < 2_000, `reconnected after ${elapsed} ms`);
      for (let i = 0; i < 5; i++) await health.check({ service: "" });
      assert.ok(ch.generation >= 2);
    } finally {
      ch.close();
      await server.stop();
    }
  },
});

Deno.test("GrpcStatusError surfaces from ManagedChannel calls", async () => {
  const srv = await startEchoServer("tcp");
  const ch = new ManagedChannel({ address: srv.address, credentials: insecure() });
  try {
    const err = await ch.client(Echo).say({ value: `status:${Status.ALREADY_EXISTS}:dup` }).then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.ok(err instanceof GrpcStatusError);
    assert.equal(err.code, Status.ALREADY_EXISTS);
    assert.equal(err.message, "dup");
  } finally {
    ch.close();
    await srv.close();
  }
  void grpc;
});
