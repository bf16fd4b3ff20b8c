/**
 * Per-RPC authorization on a real manager's TLS port, one denial per rule: the control API is for
 * managers, the dispatcher for members, Raft between managers only, certificate issuance open but
 * token-gated; removed nodes and other clusters are refused everywhere.
 */
import assert from "node:assert/strict";
import { clone } from "@bufbuild/protobuf";
import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { Dispatcher } from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import { Raft, RaftMembership } from "../proto/gen/swarm/v1/raft_pb.ts";
import { CA, NodeCA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { ClusterSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { isGrpcStatusError, Status } from "../proto/grpc_status.ts";
import {
  clientChannelOptions,
  clientCredentials,
  generateJoinToken,
  generateKeyAndCSR,
} from "../pki/mod.ts";
import { createTestPki, type TestNodeIdentity } from "../pki/testing.ts";
import { startTestManager } from "./testing.ts";

async function startManager() {
  const pki = await createTestPki();
  const me = await pki.issue({ role: "manager", nodeId: "m1" });
  const dir = await Deno.makeTempDir();
  const manager = await startTestManager(pki, { identity: me, stateDir: dir });
  const channels: ManagedChannel[] = [];
  const dial = (as?: TestNodeIdentity) => {
    const ch = new ManagedChannel({
      address: manager.remoteAddress,
      credentials: as ? clientCredentials(as) : clientCredentials({ rootPem: pki.root.certPem }),
      channelOptions: clientChannelOptions(),
      retry: false,
    });
    channels.push(ch);
    return ch;
  };
  const close = async () => {
    for (const c of channels) c.close();
    await manager.stop();
    await Deno.remove(dir, { recursive: true });
  };
  return { pki, manager, dial, close };
}

const denied = (code: Status, pattern?: RegExp) => (e: unknown) =>
  isGrpcStatusError(e, code) && (pattern === undefined || pattern.test(e.message));

Deno.test("a manager refuses each RPC to callers without the right certificate", async () => {
  const { pki, manager, dial, close } = await startManager();
  try {
    const worker = await pki.issue({ role: "worker", nodeId: "w1" });
    const foreign = await pki.issue({ role: "manager", nodeId: "x1", clusterId: "other" });
    const anonymous = dial();

    // Control API: managers only.
    await assert.rejects(
      dial(worker).client(Control).listNodes({}),
      denied(Status.PERMISSION_DENIED, /role worker/),
    );
    await assert.rejects(
      anonymous.client(Control).listNodes({}),
      denied(Status.UNAUTHENTICATED),
    );
    await assert.rejects(
      dial(foreign).client(Control).listNodes({}),
      denied(Status.PERMISSION_DENIED, /cluster/),
    );

    // Raft: managers only, and a manager speaks only for itself.
    await assert.rejects(
      dial(worker).client(Raft).processRaftMessages({
        messages: [{ type: "heartbeat", from: "w1", to: "m1", term: 99n }],
      }),
      denied(Status.PERMISSION_DENIED),
    );
    const otherManager = await pki.issue({ role: "manager", nodeId: "m2" });
    await assert.rejects(
      dial(otherManager).client(Raft).processRaftMessages({
        messages: [{ type: "heartbeat", from: "m9", to: "m1", term: 99n }],
      }),
      denied(Status.PERMISSION_DENIED),
    );
    assert.ok(manager.leader, "refused Raft messages must not disturb the leader");
    await assert.rejects(
      dial(worker).client(RaftMembership).join({ addr: "127.0.0.1:9" }),
      denied(Status.PERMISSION_DENIED),
    );

    // Dispatcher: members only (a certificate is needed; an unknown node is refused).
    await assert.rejects(
      (async () => {
        for await (const _ of anonymous.client(Dispatcher).session({})) break;
      })(),
      denied(Status.UNAUTHENTICATED),
    );
    await assert.rejects(
      (async () => {
        for await (const _ of dial(worker).client(Dispatcher).session({})) break;
      })(),
      denied(Status.NOT_FOUND, /not registered/),
    );

    // Certificate issuance: open, but gated by a current join token.
    const root = await anonymous.client(CA).getRootCACertificate({});
    assert.match(new TextDecoder().decode(root.certificate), /BEGIN CERTIFICATE/);
    const { csrPem } = await generateKeyAndCSR();
    const csr = new TextEncoder().encode(csrPem);
    await assert.rejects(
      anonymous.client(NodeCA).issueNodeCertificate({
        csr,
        token: generateJoinToken(pki.rootDigest), // well-formed, but not this cluster's
      }),
      denied(Status.PERMISSION_DENIED, /join-token/),
    );
    await assert.rejects(
      anonymous.client(NodeCA).issueNodeCertificate({ csr }),
      denied(Status.UNAUTHENTICATED),
    );
    assert.equal(manager.store.list("node").length, 1, "refusals must not create nodes");

    // A removed node's certificate is refused from then on, by every service.
    const cluster = clone(ClusterSchema, manager.store.list("cluster")[0]!);
    cluster.blacklistedCertificates["m2"] = { $typeName: "swarm.v1.BlacklistedCertificate" };
    await manager.store.update((tx) => tx.update("cluster", cluster));
    for (
      const call of [
        () => dial(otherManager).client(Control).listNodes({}),
        () =>
          dial(otherManager).client(Raft).processRaftMessages({
            messages: [{ type: "heartbeat", from: "m2", to: "m1", term: 1n }],
          }),
      ]
    ) {
      await assert.rejects(call(), denied(Status.PERMISSION_DENIED, /removed/));
    }
  } finally {
    await close();
  }
});
