import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import {
  AddressError,
  AddressInUseError,
  ForbiddenServerOptionError,
  formatAddress,
  parseAddress,
  prepareUnixSocket,
  startServer,
  stopServer,
} from "./grpc_listen.ts";
import { createClient } from "./grpc_client.ts";
import { addService } from "./grpc_server.ts";
import { isGrpcStatusError, Status } from "./grpc_status.ts";
import { Echo, echoImpl, insecure, newEchoState } from "./grpc_testing.ts";

/** Leaves a stale socket file at `path`, as a process killed -9 does (Deno unlinks on close). */
async function staleSocket(path: string): Promise<void> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      `Deno.listen({ transport: "unix", path: ${JSON.stringify(path)} }); console.log("up");` +
      ` setInterval(() => {}, 1000);`,
    ],
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.getReader();
  await reader.read();
  child.kill("SIGKILL");
  await child.status;
  await reader.cancel();
  assert.ok((await Deno.lstat(path)).isSocket, "stale socket left behind");
}

Deno.test("parseAddress/formatAddress", () => {
  assert.deepEqual(parseAddress("127.0.0.1:4242"), { kind: "tcp", host: "127.0.0.1", port: 4242 });
  assert.deepEqual(parseAddress("node-1.local:0"), { kind: "tcp", host: "node-1.local", port: 0 });
  assert.deepEqual(parseAddress("[::1]:80"), { kind: "tcp", host: "::1", port: 80 });
  assert.deepEqual(parseAddress("unix:/run/s.sock"), { kind: "unix", path: "/run/s.sock" });
  assert.deepEqual(parseAddress("unix:///run/s.sock"), { kind: "unix", path: "/run/s.sock" });
  assert.equal(formatAddress(parseAddress("[::1]:80")), "[::1]:80");
  assert.equal(formatAddress(parseAddress("unix:///a/b")), "unix:/a/b");
  for (const bad of ["", "host", "::1:80", "h:99999", "unix:", `unix:/${"x".repeat(120)}`]) {
    assert.throws(() => parseAddress(bad), AddressError, bad);
  }
});

Deno.test("prepareUnixSocket: 0700 parent, stale socket removed, live socket and files kept", async () => {
  const root = await Deno.makeTempDir();
  try {
    const path = `${root}/sub/dir/s.sock`;
    await prepareUnixSocket(path);
    assert.equal((await Deno.stat(`${root}/sub/dir`)).mode! & 0o777, 0o700);

    const live = Deno.listen({ transport: "unix", path });
    await assert.rejects(prepareUnixSocket(path), AddressInUseError);
    live.close();
    await staleSocket(path);
    await prepareUnixSocket(path); // stale: removed
    await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);

    await Deno.writeTextFile(`${root}/file`, "keep me");
    await assert.rejects(prepareUnixSocket(`${root}/file`), AddressError);
    assert.equal(await Deno.readTextFile(`${root}/file`), "keep me");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("startServer: unix socket mode 0600, stale socket replaced, live one refused", async () => {
  const root = await Deno.makeTempDir();
  const path = `${root}/echo.sock`;
  // A stale socket file left by a crashed process.
  await staleSocket(path);
  const state = newEchoState();
  const a = await startServer({
    address: `unix:${path}`,
    register: (s) => addService(s, Echo, echoImpl(state)),
  });
  try {
    assert.equal(a.address, `unix:${path}`);
    assert.equal((await Deno.lstat(path)).mode! & 0o777, 0o600);
    await assert.rejects(startServer({ address: `unix:${path}` }), AddressInUseError);
    const raw = new grpc.Client(a.address, insecure());
    assert.equal((await createClient(Echo, raw).say({ value: "u" })).value, "u");
    raw.close();
  } finally {
    await stopServer(a, { mode: "force" });
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("startServer: rejects GOAWAY-causing options and credential-less TCP", async () => {
  for (const key of ["grpc.max_connection_age_ms", "grpc.max_connection_idle_ms"]) {
    await assert.rejects(
      startServer({
        address: "127.0.0.1:0",
        credentials: grpc.ServerCredentials.createInsecure(),
        options: { [key]: 1000 },
      }),
      ForbiddenServerOptionError,
    );
  }
  await assert.rejects(startServer({ address: "127.0.0.1:0" }), AddressError);
  const s = await startServer({
    address: "127.0.0.1:0",
    credentials: grpc.ServerCredentials.createInsecure(),
  });
  assert.match(s.address, /^127\.0\.0\.1:\d+$/);
  const parsed = parseAddress(s.address);
  assert.ok(parsed.kind === "tcp" && parsed.port > 0);
  await stopServer(s, { mode: "force" });
});

Deno.test("stopServer quiesce: UNAVAILABLE for new calls, streams end, socket removed, no GOAWAY", async () => {
  const root = await Deno.makeTempDir();
  const state = newEchoState();
  const s = await startServer({
    address: `unix:${root}/q.sock`,
    register: (srv) => addService(srv, Echo, echoImpl(state)),
  });
  const raw = new grpc.Client(s.address, insecure());
  try {
    const echo = createClient(Echo, raw);
    const stream = echo.count({ value: 0 });
    const it = stream[Symbol.asyncIterator]();
    await it.next();
    await stopServer(s, { reason: "node is leaving" });
    // The open stream ends with UNAVAILABLE and the stop reason.
    await assert.rejects(
      (async () => {
        for (;;) if ((await it.next()).done) return;
      })(),
      (e: unknown) => isGrpcStatusError(e, Status.UNAVAILABLE) && e.message === "node is leaving",
    );
    // The connection stays open (no GOAWAY): the call reaches the server and is refused by it.
    await assert.rejects(
      echo.say({ value: "x" }),
      (e: unknown) => isGrpcStatusError(e, Status.UNAVAILABLE) && e.message === "node is leaving",
    );
    await assert.rejects(Deno.lstat(`${root}/q.sock`), Deno.errors.NotFound);
  } finally {
    raw.close();
    await stopServer(s, { mode: "force" });
    await Deno.remove(root, { recursive: true });
  }
});
