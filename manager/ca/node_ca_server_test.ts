/**
 * The CA services called directly (no network): the caller's certificate is simulated through
 * the call context, as grpc-js reports a verified peer certificate.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { clone, create } from "@bufbuild/protobuf";
import {
  GetRootCACertificateRequestSchema,
  IssueNodeCertificateRequestSchema,
  NodeCertificateStatusRequestSchema,
} from "../../proto/gen/swarm/v1/ca_pb.ts";
import { ClusterSchema, NodeSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpec_Membership } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  Certificate_IssuanceState,
  NodeRole,
  NodeStatus_State,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { AuthContext, CallContext } from "../../proto/grpc_server.ts";
import { GrpcStatusError, Status } from "../../proto/grpc_status.ts";
import {
  generateJoinToken,
  generateKeyAndCSR,
  type NodeRole as Role,
  ouForRole,
  readNodeCertificate,
  verifyNodeCertificate,
} from "../../pki/mod.ts";
import { createTestPki } from "../../pki/testing.ts";
import { MemoryStore } from "../store/memory_store.ts";
import { NotLeaderError } from "../../raft/types.ts";
import { durationFromMs } from "../duration.ts";
import { caService, nodeCAService, nodeCertValidityMs } from "./node_ca_server.ts";
import { createTestCluster, type TestCluster } from "./testing.ts";

const NOW = new Date("2026-03-01T12:00:00Z");
const HOUR = 3_600_000;
const decoder = new TextDecoder();

/** A call context; `caller` simulates a verified client certificate. */
function ctx(
  caller?: { nodeId: string; role: Role; clusterId?: string },
  peer = "127.0.0.1:50000",
): CallContext {
  const auth = caller === undefined ? {} : {
    sslPeerCertificate: {
      subject: { CN: caller.nodeId, OU: ouForRole(caller.role), O: caller.clusterId ?? "c1" },
    },
  };
  return {
    method: "/swarm.v1.NodeCA/Test",
    peer,
    metadata: new grpc.Metadata(),
    signal: new AbortController().signal,
    deadline: undefined,
    authContext: () => auth as unknown as AuthContext,
  };
}

async function setup(options: Parameters<typeof createTestCluster>[0] = {}) {
  const cluster = await createTestCluster({ clusterId: "c1", now: () => NOW, ...options });
  let n = 0;
  const svc = nodeCAService({
    store: cluster.store,
    clusterId: "c1",
    newId: () => `node${++n}`,
    now: () => NOW,
  });
  const ca = caService({ store: cluster.store, clusterId: "c1" });
  return { ...cluster, svc, ca };
}

type Setup = Awaited<ReturnType<typeof setup>>;

async function join(
  s: Setup,
  init: {
    token?: string;
    csr?: Uint8Array;
    availability?: NodeSpec_Availability;
    advertiseAddr?: string;
  } = {},
  context: CallContext = ctx(),
) {
  const { keyPem, csrPem } = await generateKeyAndCSR();
  const res = await s.svc.issueNodeCertificate(
    create(IssueNodeCertificateRequestSchema, {
      csr: new TextEncoder().encode(csrPem),
      token: s.tokens.worker,
      description: { hostname: "host-a" },
      advertiseAddr: "10.0.0.7:4242",
      ...init,
    }),
    context,
  );
  return { res, keyPem, csrPem };
}

/** Asserts that `fn` is refused with `code` (message matching `pattern`) and writes nothing. */
async function refused(
  s: TestCluster,
  fn: () => Promise<unknown> | unknown,
  code: Status,
  pattern: RegExp,
): Promise<void> {
  const before = s.store.appliedIndex;
  const nodes = s.store.list("node").length;
  await assert.rejects(async () => await fn(), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError, `expected a GrpcStatusError, got ${e}`);
    assert.equal(e.codeName, Status[code], e.message);
    assert.match(e.message, pattern);
    return true;
  });
  assert.equal(s.store.appliedIndex, before, "a refused request must not write");
  assert.equal(s.store.list("node").length, nodes);
}

Deno.test("join with the worker token creates an accepted worker node with its certificate", async () => {
  const s = await setup();
  const { res, csrPem } = await join(s, { availability: NodeSpec_Availability.DRAIN });
  assert.deepEqual(res, { nodeId: "node1", nodeMembership: NodeSpec_Membership.ACCEPTED });
  const node = s.store.get("node", "node1")!;
  assert.equal(node.role, NodeRole.WORKER);
  assert.equal(node.spec?.desiredRole, NodeRole.WORKER);
  assert.equal(node.spec?.membership, NodeSpec_Membership.ACCEPTED);
  assert.equal(node.spec?.availability, NodeSpec_Availability.DRAIN);
  assert.equal(node.description?.hostname, "host-a");
  assert.equal(node.status?.state, NodeStatus_State.UNKNOWN);
  assert.equal(node.status?.addr, "10.0.0.7");
  assert.equal(node.managerStatus, undefined);
  const cert = node.certificate!;
  assert.equal(cert.state, Certificate_IssuanceState.ISSUED);
  assert.equal(cert.role, NodeRole.WORKER);
  assert.equal(cert.cn, "node1");
  assert.equal(decoder.decode(cert.csr), csrPem);
  const certPem = decoder.decode(cert.certificate);
  const info = await verifyNodeCertificate({
    certPem,
    rootPem: s.pki.root.certPem,
    now: NOW,
    clusterId: "c1",
  });
  assert.deepEqual([info.nodeId, info.role, info.clusterId], ["node1", "worker", "c1"]);
  assert.equal(info.notAfter.getTime(), NOW.getTime() + 90 * 24 * HOUR);
  assert.ok(certPem.endsWith(s.pki.root.certPem), "the chain ends with the root");
});

Deno.test("join with the manager token records the manager's address", async () => {
  const s = await setup();
  const { res } = await join(s, { token: s.tokens.manager });
  const node = s.store.get("node", res.nodeId!)!;
  assert.equal(node.role, NodeRole.MANAGER);
  assert.equal(node.spec?.desiredRole, NodeRole.MANAGER);
  assert.equal(node.spec?.availability, NodeSpec_Availability.ACTIVE);
  assert.equal(node.managerStatus?.addr, "10.0.0.7:4242");
  assert.equal(node.managerStatus?.raftId, res.nodeId);
  assert.equal(node.certificate?.role, NodeRole.MANAGER);
  assert.equal(readNodeCertificate(decoder.decode(node.certificate!.certificate)).role, "manager");
});

Deno.test("join addresses: unspecified or missing hosts fall back to the peer's", async () => {
  const s = await setup();
  const m = await join(
    s,
    { token: s.tokens.manager, advertiseAddr: "0.0.0.0:4242" },
    ctx(
      undefined,
      "10.1.1.1:3333",
    ),
  );
  assert.equal(s.store.get("node", m.res.nodeId!)!.managerStatus?.addr, "10.1.1.1:4242");
  assert.equal(s.store.get("node", m.res.nodeId!)!.status?.addr, "10.1.1.1");
  const w = await join(s, { advertiseAddr: "" }, ctx(undefined, "[::1]:3333"));
  assert.equal(s.store.get("node", w.res.nodeId!)!.status?.addr, "::1");
  await refused(
    s,
    () => join(s, { token: s.tokens.manager, advertiseAddr: "" }),
    Status.INVALID_ARGUMENT,
    /--advertise-addr/,
  );
  await refused(
    s,
    () => join(s, { advertiseAddr: "not an address" }),
    Status.INVALID_ARGUMENT,
    /advertise address/,
  );
  await refused(
    s,
    () => join(s, { availability: 9 as NodeSpec_Availability }),
    Status.INVALID_ARGUMENT,
    /availability/,
  );
});

Deno.test("certificate expiry follows the cluster's caConfig, with the 90-day default", async () => {
  const s = await setup({ nodeCertExpiryMs: 2 * HOUR });
  const { res } = await join(s);
  const cert = decoder.decode(s.store.get("node", res.nodeId!)!.certificate!.certificate);
  assert.equal(readNodeCertificate(cert).notAfter.getTime(), NOW.getTime() + 2 * HOUR);
  const cluster = s.store.get("cluster", "c1")!;
  const tooShort = clone(ClusterSchema, cluster);
  tooShort.spec!.caConfig = { $typeName: "swarm.v1.CAConfig", nodeCertExpiry: durationFromMs(1) };
  assert.equal(nodeCertValidityMs(tooShort), 90 * 24 * HOUR);
  const unset = clone(ClusterSchema, cluster);
  delete unset.spec!.caConfig;
  assert.equal(nodeCertValidityMs(unset), 90 * 24 * HOUR);
});

Deno.test("join refusals: malformed, foreign, wrong and rotated tokens; bad CSRs", async () => {
  const s = await setup();
  await refused(s, () => join(s, { token: "SWMTKN-1-abc" }), Status.INVALID_ARGUMENT, /join-token/);
  await refused(s, () => join(s, { token: "hello" }), Status.INVALID_ARGUMENT, /Malformed/);
  const other = await createTestPki();
  await refused(
    s,
    () => join(s, { token: generateJoinToken(other.rootDigest) }),
    Status.PERMISSION_DENIED,
    /belongs to another cluster/,
  );
  await refused(
    s,
    () => join(s, { token: generateJoinToken(s.pki.rootDigest) }),
    Status.PERMISSION_DENIED,
    /swarm join-token worker.*swarm join-token manager/,
  );
  await refused(
    s,
    () => join(s, { csr: new Uint8Array() }),
    Status.INVALID_ARGUMENT,
    /signing request/,
  );
  await refused(
    s,
    () => join(s, { csr: new TextEncoder().encode("not a csr") }),
    Status.INVALID_ARGUMENT,
    /Invalid CSR/,
  );
  await refused(
    s,
    () => join(s, { csr: new Uint8Array([0xff, 0xfe, 0x00]) }),
    Status.INVALID_ARGUMENT,
    /Invalid CSR/,
  );
  await refused(
    s,
    () => join(s, { csr: new Uint8Array(64 * 1024) }),
    Status.INVALID_ARGUMENT,
    /Invalid CSR/,
  );

  // Rotating the worker token invalidates the old one.
  const rotated = clone(ClusterSchema, s.store.get("cluster", "c1")!);
  const newToken = generateJoinToken(s.pki.rootDigest);
  rotated.rootCa!.joinTokens!.worker = newToken;
  await s.store.update((tx) => tx.update("cluster", rotated));
  await refused(s, () => join(s), Status.PERMISSION_DENIED, /rotated/);
  const { res } = await join(s, { token: newToken });
  assert.equal(s.store.get("node", res.nodeId!)?.role, NodeRole.WORKER);
});

Deno.test("renewal reissues for the caller's node with its desired role", async () => {
  const s = await setup();
  const { res } = await join(s);
  const nodeId = res.nodeId!;
  const asNode = ctx({ nodeId, role: "worker" });

  // Promote: only the desired role changes; the node learns it through the status.
  const promoted = clone(NodeSchema, s.store.get("node", nodeId)!);
  promoted.spec!.desiredRole = NodeRole.MANAGER;
  await s.store.update((tx) => tx.update("node", promoted));
  const status = await s.svc.nodeCertificateStatus(
    create(NodeCertificateStatusRequestSchema, { nodeId }),
    asNode,
  );
  assert.equal(status.status?.state, Certificate_IssuanceState.RENEW);
  assert.match(status.status?.err ?? "", /to be a manager/);
  // Someone else asking sees the recorded state.
  const other = await s.svc.nodeCertificateStatus(
    create(NodeCertificateStatusRequestSchema, { nodeId }),
    ctx(),
  );
  assert.equal(other.status?.state, Certificate_IssuanceState.ISSUED);

  const { csrPem } = await generateKeyAndCSR();
  const renewed = await s.svc.issueNodeCertificate(
    create(IssueNodeCertificateRequestSchema, { csr: new TextEncoder().encode(csrPem) }),
    asNode,
  );
  assert.deepEqual(renewed, { nodeId, nodeMembership: NodeSpec_Membership.ACCEPTED });
  const node = s.store.get("node", nodeId)!;
  assert.equal(node.certificate?.role, NodeRole.MANAGER);
  assert.equal(node.role, NodeRole.WORKER, "the observed role is the role manager's business");
  assert.equal(decoder.decode(node.certificate!.csr), csrPem);
  const info = await verifyNodeCertificate({
    certPem: decoder.decode(node.certificate!.certificate),
    rootPem: s.pki.root.certPem,
    now: NOW,
  });
  assert.deepEqual([info.nodeId, info.role], [nodeId, "manager"]);
  const after = await s.svc.nodeCertificateStatus(
    create(NodeCertificateStatusRequestSchema, { nodeId }),
    asNode,
  );
  assert.equal(after.status?.state, Certificate_IssuanceState.ISSUED);
  assert.equal(after.certificate?.cn, nodeId);
});

Deno.test("renewal refusals: no certificate, foreign, revoked, removed, no CSR", async () => {
  const s = await setup();
  const { res } = await join(s);
  const nodeId = res.nodeId!;
  const { csrPem } = await generateKeyAndCSR();
  const renew = (context: CallContext, csr = csrPem) =>
    s.svc.issueNodeCertificate(
      create(IssueNodeCertificateRequestSchema, { csr: new TextEncoder().encode(csr) }),
      context,
    );
  await refused(s, () => renew(ctx()), Status.UNAUTHENTICATED, /join token is required/);
  await refused(
    s,
    () => renew(ctx({ nodeId, role: "worker", clusterId: "c2" })),
    Status.PERMISSION_DENIED,
    /belongs to cluster c2/,
  );
  await refused(
    s,
    () => renew(ctx({ nodeId, role: "worker" }), ""),
    Status.INVALID_ARGUMENT,
    /signing request/,
  );
  await refused(
    s,
    () => renew(ctx({ nodeId: "ghost", role: "worker" })),
    Status.PERMISSION_DENIED,
    /no longer a member/,
  );
  const revoked = clone(ClusterSchema, s.store.get("cluster", "c1")!);
  revoked.blacklistedCertificates[nodeId] = { $typeName: "swarm.v1.BlacklistedCertificate" };
  await s.store.update((tx) => tx.update("cluster", revoked));
  await refused(
    s,
    () => renew(ctx({ nodeId, role: "worker" })),
    Status.PERMISSION_DENIED,
    /revoked/,
  );
  // A revoked node asking about itself is not told to renew.
  const promoted = clone(NodeSchema, s.store.get("node", nodeId)!);
  promoted.spec!.desiredRole = NodeRole.MANAGER;
  await s.store.update((tx) => tx.update("node", promoted));
  const status = await s.svc.nodeCertificateStatus(
    create(NodeCertificateStatusRequestSchema, { nodeId }),
    ctx({ nodeId, role: "worker" }),
  );
  assert.equal(status.status?.state, Certificate_IssuanceState.ISSUED);
});

Deno.test("renewal retries when a concurrent write changed the node", async () => {
  const s = await setup();
  const { res } = await join(s);
  const nodeId = res.nodeId!;
  // A heartbeat-like write lands between the CA's read and its write.
  let raced = false;
  const update = s.store.update.bind(s.store);
  s.store.update = async (build) => {
    if (!raced) {
      raced = true;
      const n = clone(NodeSchema, s.store.get("node", nodeId)!);
      n.status = { ...n.status!, state: NodeStatus_State.READY };
      await update((tx) => tx.update("node", n));
    }
    return update(build);
  };
  const { csrPem } = await generateKeyAndCSR();
  await s.svc.issueNodeCertificate(
    create(IssueNodeCertificateRequestSchema, { csr: new TextEncoder().encode(csrPem) }),
    ctx({ nodeId, role: "worker" }),
  );
  const node = s.store.get("node", nodeId)!;
  assert.equal(node.status?.state, NodeStatus_State.READY);
  assert.equal(decoder.decode(node.certificate!.csr), csrPem);
});

Deno.test("NodeCertificateStatus: unknown and missing node IDs; nodes without a record", async () => {
  const s = await setup();
  await refused(
    s,
    () =>
      s.svc.nodeCertificateStatus(
        create(NodeCertificateStatusRequestSchema, { nodeId: "nope" }),
        ctx(),
      ),
    Status.NOT_FOUND,
    /unknown to this cluster/,
  );
  await refused(
    s,
    () => s.svc.nodeCertificateStatus(create(NodeCertificateStatusRequestSchema, {}), ctx()),
    Status.INVALID_ARGUMENT,
    /node_id/,
  );
  // The first manager's node is created by `swarm init`, not through the CA service.
  await s.store.update((tx) =>
    tx.create(
      "node",
      create(NodeSchema, {
        id: "m0",
        spec: { desiredRole: NodeRole.MANAGER },
        role: NodeRole.MANAGER,
      }),
    )
  );
  const res = await s.svc.nodeCertificateStatus(
    create(NodeCertificateStatusRequestSchema, { nodeId: "m0" }),
    ctx({ nodeId: "m0", role: "manager" }),
  );
  assert.equal(res.status?.state, Certificate_IssuanceState.UNKNOWN);
  assert.equal(res.certificate, undefined);
});

Deno.test("GetRootCACertificate is open; GetUnlockKey is for managers with autolock on", async () => {
  const s = await setup();
  const root = await s.ca.getRootCACertificate(create(GetRootCACertificateRequestSchema), ctx());
  assert.equal(decoder.decode(root.certificate), s.pki.root.certPem);
  await refused(s, () => s.ca.getUnlockKey({} as never, ctx()), Status.UNAUTHENTICATED, /join/);
  await refused(
    s,
    () => s.ca.getUnlockKey({} as never, ctx({ nodeId: "w", role: "worker" })),
    Status.PERMISSION_DENIED,
    /role worker/,
  );
  await refused(
    s,
    () => s.ca.getUnlockKey({} as never, ctx({ nodeId: "m", role: "manager" })),
    Status.FAILED_PRECONDITION,
    /autolock is not enabled/,
  );

  const key = crypto.getRandomValues(new Uint8Array(32));
  const locked = await setup({ unlockKey: key });
  const res = await locked.ca.getUnlockKey({} as never, ctx({ nodeId: "m", role: "manager" }));
  assert.deepEqual(res.unlockKey, key);
  assert.equal(res.version?.index, locked.store.get("cluster", "c1")!.meta!.version!.index);
});

Deno.test("a manager that is not the Raft leader answers UNAVAILABLE and writes nothing", async () => {
  const s = await setup();
  const cluster = s.store.get("cluster", "c1")!;
  // A follower's store: it holds the cluster, and its writes fail.
  const follower: MemoryStore = new MemoryStore({
    proposer: { propose: () => Promise.reject(new NotLeaderError("m1")) },
    now: () => NOW,
    newRequestId: () => "r",
  });
  follower.restore(s.store.snapshot(), 5n);
  assert.ok(follower.get("cluster", cluster.id));
  const svc = nodeCAService({
    store: follower,
    clusterId: "c1",
    newId: () => "nx",
    now: () => NOW,
  });
  const { csrPem } = await generateKeyAndCSR();
  await assert.rejects(
    async () =>
      await svc.issueNodeCertificate(
        create(IssueNodeCertificateRequestSchema, {
          csr: new TextEncoder().encode(csrPem),
          token: s.tokens.worker,
        }),
        ctx(),
      ),
    (e: unknown) => e instanceof GrpcStatusError && e.code === Status.UNAVAILABLE,
  );
  assert.equal(follower.get("node", "nx"), undefined);
});

Deno.test("a manager without the cluster object answers UNAVAILABLE", async () => {
  const s = await setup();
  const svc = nodeCAService({
    store: s.store,
    clusterId: "other",
    newId: () => "x",
    now: () => NOW,
  });
  await refused(s, () => join({ ...s, svc }), Status.UNAVAILABLE, /retry/);
  const ca = caService({ store: s.store, clusterId: "other" });
  await refused(s, () => ca.getRootCACertificate({} as never, ctx()), Status.UNAVAILABLE, /retry/);
});
