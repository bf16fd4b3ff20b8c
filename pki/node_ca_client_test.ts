/**
 * The node side of the CA against the real services over loopback TLS, in one process. Clients
 * are always closed before the server shuts down (grpc-js under Deno can crash a client that
 * receives GOAWAY); every client function here closes its channel before returning.
 */
import assert from "node:assert/strict";
import { clone } from "@bufbuild/protobuf";
import { CA, NodeCA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../proto/gen/swarm/v1/specs_pb.ts";
import { NodeRole } from "../proto/gen/swarm/v1/types_pb.ts";
import { addService } from "../proto/grpc_server.ts";
import { type RunningServer, startServer, stopServer } from "../proto/grpc_listen.ts";
import { caService, nodeCAService } from "../manager/ca/node_ca_server.ts";
import { createTestCluster, type TestCluster } from "../manager/ca/testing.ts";
import { newId } from "../manager/identity.ts";
import { MalformedJoinTokenError } from "./errors.ts";
import { generateJoinToken } from "./join_token.ts";
import { keyMatchesCertificate } from "./keys.ts";
import {
  CAUnavailableError,
  CertificateRequestRefusedError,
  fetchPinnedRootCA,
  JoinRefusedError,
  RenewalRefusedError,
  renewNodeCertificate,
  requestNodeCertificate,
  RootCAMismatchError,
} from "./node_ca_client.ts";
import { createTestPki } from "./testing.ts";
import { createServerTls } from "./tls.ts";
import { verifyNodeCertificate } from "./verify.ts";

interface Harness extends TestCluster {
  readonly server: RunningServer;
  readonly addr: string;
}

/** A manager's remote API with only the CA services, over a test cluster's store. */
async function withCA(fn: (h: Harness) => Promise<void>): Promise<void> {
  const cluster = await createTestCluster({ clusterId: "c1" });
  const manager = await cluster.pki.issue({ role: "manager", nodeId: "m0" });
  const server = await startServer({
    address: "127.0.0.1:0",
    credentials: createServerTls(manager).credentials,
    register: (s) => {
      addService(s, CA, caService({ store: cluster.store, clusterId: "c1" }));
      addService(
        s,
        NodeCA,
        nodeCAService({
          store: cluster.store,
          clusterId: "c1",
          newId: () => newId(),
          now: () => new Date(),
        }),
      );
    },
  });
  try {
    await fn({ ...cluster, server, addr: server.address });
  } finally {
    await stopServer(server, { mode: "force" });
  }
}

/** A failed handshake leaves grpc-js timers behind after the client closed: not ours. */
function grpcTest(name: string, fn: () => Promise<void>): void {
  Deno.test({ name, sanitizeOps: false, sanitizeResources: false, fn });
}

grpcTest("join as a worker, then as a manager", async () => {
  await withCA(async (h) => {
    const rootPem = await fetchPinnedRootCA(h.addr, h.tokens.worker);
    assert.equal(rootPem, h.pki.root.certPem);

    const worker = await requestNodeCertificate({
      addr: h.addr,
      token: h.tokens.worker,
      rootPem,
      hostname: "w-host",
      availability: "pause",
    });
    assert.equal(worker.role, "worker");
    assert.equal(worker.rootPem, rootPem);
    assert.ok(await keyMatchesCertificate(worker.keyPem, worker.certPem));
    const info = await verifyNodeCertificate({
      certPem: worker.certPem,
      rootPem,
      now: new Date(),
      clusterId: "c1",
    });
    assert.equal(info.nodeId, worker.nodeId);
    const node = h.store.get("node", worker.nodeId)!;
    assert.equal(node.description?.hostname, "w-host");
    assert.equal(node.spec?.availability, NodeSpec_Availability.PAUSE);
    assert.equal(node.status?.addr, "127.0.0.1", "no advertise address: the peer's host");

    const manager = await requestNodeCertificate({
      addr: h.addr,
      token: h.tokens.manager,
      rootPem: await fetchPinnedRootCA(h.addr, h.tokens.manager),
      hostname: "m-host",
      advertiseAddr: "127.0.0.9:4242",
    });
    assert.equal(manager.role, "manager");
    assert.notEqual(manager.nodeId, worker.nodeId);
    assert.equal(h.store.get("node", manager.nodeId)?.managerStatus?.addr, "127.0.0.9:4242");
  });
});

grpcTest("a wrong token is refused with the CA's advice, and creates nothing", async () => {
  await withCA(async (h) => {
    const rootPem = await fetchPinnedRootCA(h.addr, h.tokens.worker);
    const wrong = generateJoinToken(h.pki.rootDigest); // right cluster, unknown secret
    // The digest matches, so the root is handed out; the CA refuses the secret.
    assert.equal(await fetchPinnedRootCA(h.addr, wrong), rootPem);
    await assert.rejects(
      requestNodeCertificate({ addr: h.addr, token: wrong, rootPem, hostname: "x" }),
      (e: unknown) => {
        assert.ok(e instanceof JoinRefusedError);
        assert.ok(e instanceof CertificateRequestRefusedError);
        assert.equal(e.code, "PERMISSION_DENIED");
        assert.match(e.message, /swarm join-token worker/);
        assert.match(e.serverMessage, /^The join token is not valid/);
        return true;
      },
    );
    assert.equal(h.store.list("node").length, 0);
  });
});

grpcTest("a token with a tampered digest is refused before any CSR is sent", async () => {
  await withCA(async (h) => {
    const other = await createTestPki();
    const tampered = generateJoinToken(other.rootDigest);
    const before = h.store.appliedIndex;
    await assert.rejects(fetchPinnedRootCA(h.addr, tampered), (e: unknown) => {
      assert.ok(e instanceof RootCAMismatchError);
      assert.equal(e.addr, h.addr);
      assert.match(e.message, /does not match the join token: check the token and the address/);
      return true;
    });
    // Given the real root anyway, the client still refuses to send anything.
    await assert.rejects(
      requestNodeCertificate({
        addr: h.addr,
        token: tampered,
        rootPem: h.pki.root.certPem,
        hostname: "x",
      }),
      RootCAMismatchError,
    );
    assert.equal(h.store.list("node").length, 0);
    assert.equal(h.store.appliedIndex, before);
    await assert.rejects(fetchPinnedRootCA(h.addr, "SWMTKN-1-nope"), MalformedJoinTokenError);
  });
});

grpcTest(
  "a manager whose certificate does not chain to the pinned root is not trusted",
  async () => {
    await withCA(async (h) => {
      const other = await createTestPki();
      await assert.rejects(
        requestNodeCertificate({
          addr: h.addr,
          token: generateJoinToken(other.rootDigest),
          rootPem: other.root.certPem,
          hostname: "x",
          timeoutMs: 2_000,
        }),
        (e: unknown) => {
          assert.ok(e instanceof CAUnavailableError);
          assert.match(e.message, /not signed by the cluster's root CA/);
          return true;
        },
      );
      assert.equal(h.store.list("node").length, 0);
    });
  },
);

grpcTest(
  "renewal gives a new key and the node's desired role; removed nodes are refused",
  async () => {
    await withCA(async (h) => {
      const rootPem = await fetchPinnedRootCA(h.addr, h.tokens.worker);
      const joined = await requestNodeCertificate({
        addr: h.addr,
        token: h.tokens.worker,
        rootPem,
        hostname: "w",
      });
      const same = await renewNodeCertificate({ addrs: h.addr, current: joined });
      assert.equal(same.nodeId, joined.nodeId);
      assert.equal(same.role, "worker");
      assert.notEqual(same.keyPem, joined.keyPem);

      // Promote it: the next renewal (with the renewed credentials) brings a manager certificate.
      const node = clone(NodeSchema, h.store.get("node", joined.nodeId)!);
      node.spec!.desiredRole = NodeRole.MANAGER;
      await h.store.update((tx) => tx.update("node", node));
      // An unreachable manager first: the next address is tried.
      const promoted = await renewNodeCertificate({
        addrs: ["127.0.0.1:1", h.addr],
        current: same,
      });
      assert.equal(promoted.role, "manager");
      assert.equal(promoted.nodeId, joined.nodeId);
      assert.ok(await keyMatchesCertificate(promoted.keyPem, promoted.certPem));
      const info = await verifyNodeCertificate({
        certPem: promoted.certPem,
        rootPem,
        now: new Date(),
        clusterId: "c1",
      });
      assert.equal(info.role, "manager");

      // Removed from the cluster: renewal is refused.
      await h.store.update((tx) => tx.remove("node", h.store.get("node", joined.nodeId)!));
      await assert.rejects(
        renewNodeCertificate({ addrs: [h.addr], current: promoted }),
        (e: unknown) => {
          assert.ok(e instanceof RenewalRefusedError);
          assert.equal(e.code, "PERMISSION_DENIED");
          assert.match(e.message, /join again with a join token/);
          return true;
        },
      );
    });
  },
);

grpcTest("renewal with a certificate of another CA is refused as unauthenticated", async () => {
  await withCA(async (h) => {
    const other = await createTestPki({ clusterId: "c1" });
    const stranger = await other.issue({ role: "worker", nodeId: "s1" });
    await assert.rejects(
      renewNodeCertificate({
        addrs: h.addr,
        current: {
          certPem: stranger.certPem,
          keyPem: stranger.keyPem,
          rootPem: h.pki.root.certPem,
        },
      }),
      (e: unknown) => {
        assert.ok(e instanceof RenewalRefusedError);
        assert.equal(e.code, "UNAUTHENTICATED");
        return true;
      },
    );
  });
});

grpcTest("no manager at the address: CAUnavailableError", async () => {
  const pki = await createTestPki();
  const token = generateJoinToken(pki.rootDigest);
  await assert.rejects(fetchPinnedRootCA("127.0.0.1:1", token, { timeoutMs: 2_000 }), (e) => {
    assert.ok(e instanceof CAUnavailableError);
    assert.deepEqual(e.addrs, ["127.0.0.1:1"]);
    assert.match(e.message, /Check the address/);
    return true;
  });
});
