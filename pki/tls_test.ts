/**
 * Real grpc-js server and clients over loopback with mutual TLS, in one process. Clients are
 * always closed before the server shuts down (grpc-js under Deno can crash a client that
 * receives GOAWAY).
 */

import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { authorize } from "./authorize.ts";
import { PermissionDeniedError, UnauthenticatedError } from "./errors.ts";
import { createTestPki, type TestNodeIdentity } from "./testing.ts";
import {
  clientChannelOptions,
  clientCredentials,
  createServerTls,
  peerIdentity,
  serverCredentials,
} from "./tls.ts";
import type { NodeIdentity } from "./verify.ts";

const pki = await createTestPki({ clusterId: "cluster1" });
const other = await createTestPki({ clusterId: "cluster1" }); // another CA, same names
const manager = await pki.issue({ role: "manager", nodeId: "m1" });
const worker = await pki.issue({ role: "worker", nodeId: "w1" });
const foreignWorker = await other.issue({ role: "worker", nodeId: "w1" });
const foreignManager = await other.issue({ role: "manager", nodeId: "m2" });

const identity = (b: Buffer) => b;
const service: grpc.ServiceDefinition = {
  whoAmI: {
    path: "/swarm.test.Echo/WhoAmI",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
  },
};
const EchoClient = grpc.makeGenericClientConstructor(service, "Echo");

/** Starts a server whose WhoAmI answers with the caller's identity as JSON. */
async function startServer(
  credentials: grpc.ServerCredentials,
): Promise<{ server: grpc.Server; port: number }> {
  const server = new grpc.Server();
  server.addService(service, {
    whoAmI: (call: grpc.ServerUnaryCall<Buffer, Buffer>, done: grpc.sendUnaryData<Buffer>) => {
      done(null, Buffer.from(JSON.stringify(peerIdentity(call))));
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      "127.0.0.1:0",
      credentials,
      (err, p) => err ? reject(err) : resolve(p),
    )
  );
  return { server, port };
}

type CallResult = { ok: true; identity: NodeIdentity | null } | {
  ok: false;
  code: number;
  details: string;
};

/** Calls WhoAmI once with a fresh client, then closes the client. */
async function whoAmI(
  port: number,
  credentials: grpc.ChannelCredentials,
  options: grpc.ChannelOptions = clientChannelOptions(),
): Promise<CallResult> {
  const client = new EchoClient(`127.0.0.1:${port}`, credentials, options);
  try {
    return await new Promise<CallResult>((resolve) => {
      client.makeUnaryRequest(
        "/swarm.test.Echo/WhoAmI",
        identity,
        identity,
        Buffer.alloc(0),
        { deadline: Date.now() + 5000 },
        (err: grpc.ServiceError | null, value?: Buffer) => {
          if (err) resolve({ ok: false, code: err.code, details: err.details });
          else resolve({ ok: true, identity: JSON.parse(value?.toString() ?? "null") });
        },
      );
    });
  } finally {
    client.close();
  }
}

function asClient(node: TestNodeIdentity, rootPem = node.rootPem): grpc.ChannelCredentials {
  return clientCredentials({ rootPem, certPem: node.certPem, keyPem: node.keyPem });
}

/**
 * A test that talks gRPC. A failed handshake leaves a grpc-js subchannel backoff timer (global
 * subchannel pool, unref'd) running after the client is closed; that is not a leak of ours.
 */
function grpcTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

grpcTest(
  "mutual TLS over loopback: who is calling, with client certificates optional",
  async () => {
    const { server, port } = await startServer(serverCredentials(manager));
    try {
      // A valid worker certificate is identified, and authorized for a worker RPC.
      const w = await whoAmI(port, asClient(worker));
      assert.deepEqual(w, {
        ok: true,
        identity: { nodeId: "w1", role: "worker", clusterId: "cluster1" },
      });
      assert.equal(authorize(w.ok ? w.identity : null, ["worker"], "cluster1", () => false), null);

      // A manager client too.
      const m = await whoAmI(port, asClient(await pki.issue({ role: "manager", nodeId: "m9" })));
      assert.deepEqual(m.ok && m.identity?.role, "manager");

      // No client certificate: the call goes through (CA RPCs need that) with no identity.
      const anonymous = await whoAmI(port, clientCredentials({ rootPem: pki.root.certPem }));
      assert.deepEqual(anonymous, { ok: true, identity: null });
      assert.ok(
        authorize(null, ["worker"], "cluster1", () => false) instanceof UnauthenticatedError,
      );

      // A certificate from another CA (same subject!) is never identified: treated as anonymous.
      const foreign = await whoAmI(port, asClient(foreignWorker, pki.root.certPem));
      assert.deepEqual(foreign, { ok: true, identity: null });
    } finally {
      server.forceShutdown();
    }
  },
);

grpcTest("a client that does not trust the server's CA fails the handshake", async () => {
  const { server, port } = await startServer(serverCredentials(manager));
  try {
    const result = await whoAmI(port, asClient(foreignWorker));
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.code, grpc.status.UNAVAILABLE);
  } finally {
    server.forceShutdown();
  }
});

grpcTest("the server name is verified: swarm-manager works by IP, another name fails", async () => {
  const { server, port } = await startServer(serverCredentials(manager));
  try {
    assert.ok((await whoAmI(port, asClient(worker), clientChannelOptions())).ok);
    assert.ok((await whoAmI(port, asClient(worker), clientChannelOptions("m1"))).ok);
    const wrong = await whoAmI(port, asClient(worker), clientChannelOptions("swarm-worker"));
    assert.equal(!wrong.ok && wrong.code, grpc.status.UNAVAILABLE);
  } finally {
    server.forceShutdown();
  }
});

grpcTest(
  "requireClientCertificate: foreign and missing client certificates fail the handshake",
  async () => {
    const { server, port } = await startServer(
      serverCredentials({ ...manager, requireClientCertificate: true }),
    );
    try {
      const ok = await whoAmI(port, asClient(worker));
      assert.deepEqual(ok.ok && ok.identity?.nodeId, "w1");
      const foreign = await whoAmI(port, asClient(foreignWorker, pki.root.certPem));
      assert.equal(!foreign.ok && foreign.code, grpc.status.UNAVAILABLE);
      const none = await whoAmI(port, clientCredentials({ rootPem: pki.root.certPem }));
      assert.equal(!none.ok && none.code, grpc.status.UNAVAILABLE);
    } finally {
      server.forceShutdown();
    }
  },
);

grpcTest("createServerTls.update swaps certificate and roots for new connections", async () => {
  const tls = createServerTls(manager);
  const { server, port } = await startServer(tls.credentials);
  try {
    assert.ok((await whoAmI(port, asClient(worker))).ok);
    tls.update(foreignManager); // e.g. after a root rotation
    const old = await whoAmI(port, asClient(worker));
    assert.equal(!old.ok && old.code, grpc.status.UNAVAILABLE);
    const now = await whoAmI(port, asClient(foreignWorker));
    assert.deepEqual(now.ok && now.identity?.nodeId, "w1");
  } finally {
    server.forceShutdown();
  }
});

Deno.test("peerIdentity and authorize on a stubbed call", () => {
  const call = (subject: Record<string, unknown> | undefined) => ({
    getAuthContext: () => (subject === undefined ? {} : { sslPeerCertificate: { subject } }),
  });
  assert.equal(peerIdentity(call(undefined)), null);
  assert.deepEqual(peerIdentity(call({ CN: "n", OU: "swarm-manager", O: "c" })), {
    nodeId: "n",
    role: "manager",
    clusterId: "c",
  });
  assert.equal(peerIdentity(call({ CN: "n", OU: "other", O: "c" })), null);
  const id = peerIdentity(call({ CN: "n", OU: "swarm-worker", O: "c" }));
  assert.ok(authorize(id, ["manager"], "c", () => false) instanceof PermissionDeniedError);
});

Deno.test("clientCredentials needs both certificate and key, or neither", () => {
  assert.throws(
    () => clientCredentials({ rootPem: pki.root.certPem, certPem: worker.certPem }),
    TypeError,
  );
  assert.deepEqual(clientChannelOptions(), { "grpc.ssl_target_name_override": "swarm-manager" });
});
