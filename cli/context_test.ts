import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ListNodesRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { parseCommandArgs } from "./args.ts";
import type { ClientIO } from "./client_io.ts";
import { CertificateRefusedError, Context, parseFormat, UnreachableError } from "./context.ts";
import { GrpcCode, RpcError } from "./control_api.ts";
import { FakeControlApi } from "./fake_control_api.ts";
import { remoteContext } from "./_remote_context.ts";
import { TlsMaterialError } from "./tls_material.ts";
import { createTestPki } from "../pki/testing.ts";
import { UsageError } from "./usage_error.ts";

function context(connect: () => FakeControlApi, io: Partial<ClientIO> = {}) {
  let connects = 0;
  const ctx = new Context(
    {
      stdout: () => {},
      stderr: () => {},
      env: () => undefined,
      connect: () => {
        connects++;
        return connect();
      },
      ...io,
    },
    { socket: "/s.sock" },
    "table",
  );
  return { ctx, connects: () => connects };
}

// Real material: the key must belong to the certificate.
const pki = await createTestPki();
const identity = await pki.issue({ role: "manager" });
const other = await pki.issue({ role: "manager" });
const PEM: Record<string, string> = {
  "/tls/cert.pem": identity.certPem,
  "/tls/key.pem": identity.keyPem,
  "/tls/ca.pem": identity.rootPem,
};

Deno.test("Context connects once, on first use", async () => {
  const api = new FakeControlApi();
  const { ctx, connects } = context(() => api);
  assert.equal(connects(), 0);
  await ctx.api().listNodes(create(ListNodesRequestSchema));
  await ctx.api().listNodes(create(ListNodesRequestSchema));
  assert.equal(connects(), 1);
  assert.equal(api.calls.length, 2);
});

Deno.test("Context turns connection failures into UnreachableError", async () => {
  const api = new FakeControlApi();
  api.unreachable = true;
  const { ctx } = context(() => api);
  await assert.rejects(
    () => ctx.api().listNodes(create(ListNodesRequestSchema)),
    (err: unknown) => {
      assert.ok(err instanceof UnreachableError);
      assert.equal(err.address, "/s.sock");
      assert.match(
        err.message,
        /^cannot reach the swarm manager at \/s\.sock: is a node running\?/,
      );
      return true;
    },
  );
  const failing = context(() => {
    throw new Error("dial failed");
  });
  assert.throws(() => failing.ctx.api(), UnreachableError);
});

Deno.test("Context keeps other errors as they are", async () => {
  const api = new FakeControlApi();
  api.failNext("listNodes", new Error("boom"));
  const { ctx } = context(() => api);
  await assert.rejects(() => ctx.api().listNodes(create(ListNodesRequestSchema)), {
    message: "boom",
  });
});

Deno.test("applyCommonFlags overrides the connection flags and the format", () => {
  const { ctx } = context(() => new FakeControlApi());
  ctx.applyCommonFlags(
    parseCommandArgs("swarm x", ["-s", "/o.sock", "--format", "JSON"], {}).flags,
  );
  assert.deepEqual(ctx.target(), { kind: "socket", path: "/o.sock" });
  assert.equal(ctx.format, "json");
  assert.throws(() => parseFormat("csv", "swarm x"), UsageError);
  assert.ok(ctx.now() instanceof Date);

  const remote = context(() => new FakeControlApi()).ctx;
  remote.applyCommonFlags(
    parseCommandArgs("swarm x", [
      "--host",
      "h:1",
      "--tls-cert",
      "c",
      "--tls-key",
      "k",
      "--tls-ca",
      "a",
    ], {}).flags,
  );
  // --socket came first (the constructor), --host after it: both given is a usage error.
  assert.throws(() => remote.target("swarm x"), /give either --socket .* or --host/);
});

Deno.test("a remote target reads the TLS files on the first call and dials the host", async () => {
  const { ctx, dialed, api } = remoteContext(PEM);
  const api1 = ctx.api();
  assert.equal(dialed.length, 0, "nothing is read or dialed before the first call");
  await api1.listNodes(create(ListNodesRequestSchema));
  await ctx.api().listNodes(create(ListNodesRequestSchema));
  assert.equal(dialed.length, 1);
  assert.deepEqual(dialed[0], {
    host: "10.0.0.5:4242",
    certPem: PEM["/tls/cert.pem"],
    keyPem: PEM["/tls/key.pem"],
    rootPem: PEM["/tls/ca.pem"],
  });
  assert.equal(api.calls.length, 2);
});

Deno.test("a missing or wrong TLS file is named", async () => {
  const missing = remoteContext(
    Object.fromEntries(Object.entries(PEM).filter(([path]) => path !== "/tls/key.pem")),
  );
  await assert.rejects(
    () => missing.ctx.api().listNodes(create(ListNodesRequestSchema)),
    (err: unknown) => {
      assert.ok(err instanceof TlsMaterialError);
      assert.equal(err.file, "/tls/key.pem");
      assert.equal(
        err.message,
        "cannot read the private key /tls/key.pem (--tls-key): no such file",
      );
      return true;
    },
  );
  assert.equal(missing.dialed.length, 0);
  const swapped = remoteContext({ ...PEM, "/tls/ca.pem": PEM["/tls/key.pem"]! });
  await assert.rejects(
    () => swapped.ctx.api().listNodes(create(ListNodesRequestSchema)),
    /the root CA certificate \/tls\/ca\.pem \(--tls-ca\) is not a PEM certificate/,
  );
  const mismatched = remoteContext({ ...PEM, "/tls/key.pem": other.keyPem });
  await assert.rejects(
    () => mismatched.ctx.api().listNodes(create(ListNodesRequestSchema)),
    /the private key \/tls\/key\.pem \(--tls-key\) does not belong to the certificate \/tls\/cert\.pem/,
  );
  const locked = remoteContext({
    ...PEM,
    "/tls/key.pem":
      "-----BEGIN SWARM ENCRYPTED PRIVATE KEY-----\nx\n-----END SWARM ENCRYPTED PRIVATE KEY-----\n",
  });
  await assert.rejects(
    () => locked.ctx.api().listNodes(create(ListNodesRequestSchema)),
    /is encrypted \(autolock\)/,
  );
});

Deno.test("a remote manager refusing the certificate, or unreachable, is explained", async () => {
  const { ctx, api } = remoteContext(PEM);
  api.failNext(
    "listNodes",
    new RpcError(GrpcCode.PERMISSION_DENIED, "Permission denied: role worker of node w1 ..."),
  );
  await assert.rejects(
    () => ctx.api().listNodes(create(ListNodesRequestSchema)),
    (err: unknown) => {
      assert.ok(err instanceof CertificateRefusedError);
      assert.match(
        err.message,
        /^the manager at 10\.0\.0\.5:4242 refused the client certificate \/tls\/cert\.pem \(Permission denied: role worker/,
      );
      assert.match(err.message, /needs a manager's certificate and key/);
      return true;
    },
  );
  api.unreachable = true;
  await assert.rejects(
    () => ctx.api().listNodes(create(ListNodesRequestSchema)),
    /^UnreachableError: cannot reach the swarm manager at 10\.0\.0\.5:4242 \(No connection established\): check --host/,
  );
});
