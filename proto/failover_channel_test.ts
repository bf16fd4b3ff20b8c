import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { Echo, echoImpl } from "./grpc_testing.ts";
import { addService } from "./grpc_server.ts";
import { startServer, stopServer } from "./grpc_listen.ts";
import { FailoverChannel } from "./failover_channel.ts";
import { isGrpcStatusError, Status } from "./grpc_status.ts";

const insecure = { credentials: grpc.credentials.createInsecure() };
const state = () => ({ total: 0, addCalls: 0, aborts: [], streamsFinished: 0 });

Deno.test("FailoverChannel moves to the next server when one is gone", async () => {
  const a = await startServer({
    address: "127.0.0.1:0",
    credentials: grpc.ServerCredentials.createInsecure(),
    register: (s) => addService(s, Echo, echoImpl(state())),
  });
  const b = await startServer({
    address: "127.0.0.1:0",
    credentials: grpc.ServerCredentials.createInsecure(),
    register: (s) => addService(s, Echo, echoImpl(state())),
  });
  // A port nothing listens on comes first: the first call fails, the next goes to `a`.
  const free = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dead = `127.0.0.1:${free.addr.port}`;
  free.close();
  const ch = new FailoverChannel([dead, a.address, b.address], insecure);
  try {
    const echo = ch.client(Echo, { retry: false });
    await assert.rejects(
      echo.say({ value: "peer" }, { timeoutMs: 2_000 }),
      (e) => isGrpcStatusError(e, Status.UNAVAILABLE, Status.DEADLINE_EXCEEDED),
    );
    assert.equal(ch.address, a.address);
    assert.equal((await echo.say({ value: "hi" })).value, "hi");

    // The list can change under it; the current address stays while it is listed.
    ch.setAddresses([b.address, a.address]);
    assert.equal(ch.address, a.address);
    ch.setAddresses([b.address]);
    assert.equal(ch.address, b.address);
    assert.equal((await echo.say({ value: "there" })).value, "there");
    ch.setAddresses([]);
    assert.deepEqual(ch.addresses, [b.address], "an empty list is ignored");
  } finally {
    ch.close();
    await stopServer(a);
    await stopServer(b);
  }
});

Deno.test("FailoverChannel.setDefaults keeps streams in flight and uses the new defaults", async () => {
  const s = state();
  const server = await startServer({
    address: "127.0.0.1:0",
    credentials: grpc.ServerCredentials.createInsecure(),
    register: (srv) => addService(srv, Echo, echoImpl(s)),
  });
  const ch = new FailoverChannel([server.address], insecure);
  const abort = new AbortController();
  try {
    const echo = ch.client(Echo, { retry: false });
    const stream = echo.count({ value: 0 }, { signal: abort.signal })[Symbol.asyncIterator]();
    assert.equal((await stream.next()).value?.value, 0);
    const peer = (await echo.say({ value: "peer" })).value;
    ch.setDefaults({ ...insecure, channelOptions: { "grpc.primary_user_agent": "renewed" } });
    // The stream carries on over its connection; new calls get a new one.
    for (let i = 1; i <= 3; i++) assert.equal((await stream.next()).value?.value, i);
    assert.notEqual((await echo.say({ value: "peer" })).value, peer);
    assert.equal(s.streamsFinished, 0);
    abort.abort();
    await stream.next().catch(() => {});
  } finally {
    ch.close();
    await stopServer(server);
  }
});
