/**
 * Three RaftNodes in one process, each with Deno KV storage in a temp dir and its own gRPC server
 * with mutual TLS on 127.0.0.1: election, replication, a follower stopped and restarted on the
 * same port, catching up through a snapshot streamed by the leader.
 */
import assert from "node:assert/strict";
import { createTestPki } from "../pki/testing.ts";
import {
  agreedLeader,
  connectAll,
  forceStopServer,
  type GrpcMember,
  type GrpcMemberOptions,
  startGrpcMember,
  waitFor,
} from "./_grpc_testing.ts";

const IDS = ["m1", "m2", "m3"];
const enc = new TextEncoder();

Deno.test("raft over gRPC: elect, commit 100 on all, restart a follower, it catches up", async () => {
  const pki = await createTestPki({ clusterId: "c1" });
  const dir = await Deno.makeTempDir({ prefix: "raft_grpc_test_" });
  const logs: string[] = [];
  const base = async (id: string): Promise<Omit<GrpcMemberOptions, "listen">> => ({
    id,
    kvPath: `${dir}/${id}/raft.kv`,
    clusterId: "c1",
    tls: await pki.issue({ role: "manager", nodeId: id }),
    // Fast timers keep the test short; a small snapshot interval and log tail make the restarted
    // follower need a snapshot, so the stream path is exercised too.
    node: {
      tickMs: 30,
      snapshotInterval: 60,
      logEntriesForSlowFollowers: 10,
      snapshotChunkSize: 256,
    },
    log: (m) => logs.push(`${id}: ${m}`),
  });
  const options = new Map<string, Omit<GrpcMemberOptions, "listen">>();
  for (const id of IDS) options.set(id, await base(id));
  const members: GrpcMember[] = [];
  try {
    for (const id of IDS) {
      members.push(
        await startGrpcMember({ ...options.get(id)!, listen: "127.0.0.1:0", bootstrap: IDS }),
      );
    }
    connectAll(members);
    await Promise.all(members.map((m) => m.startNode()));

    const leader = await agreedLeader(members);
    await Promise.all(
      Array.from({ length: 100 }, (_, i) => leader.node.propose(enc.encode(`e${i}`))),
    );
    await waitFor(
      "100 entries on every member",
      () => members.every((m) => m.applied().length === 100),
    );
    const expected = Array.from({ length: 100 }, (_, i) => `e${i}`);
    for (const m of members) assert.deepEqual(m.applied(), expected, m.id);

    // Stop a follower: its node, then its server. In one process the server can only free its
    // port with forceShutdown, whose GOAWAY must reach no live client: the others forget the
    // follower first (closing their clients to it) and learn its address again after.
    const follower = members.find((m) => m !== leader) as GrpcMember;
    const others = members.filter((m) => m !== follower);
    await follower.stopNode();
    for (const m of others) m.transport.removePeer(follower.id);
    await forceStopServer(follower.server);
    for (const m of others) m.transport.setPeer(follower.id, follower.addr);

    // The two remaining members still make a quorum.
    for (let i = 100; i < 180; i++) await leader.node.propose(enc.encode(`e${i}`));
    await waitFor(
      "the leader to report the follower unreachable",
      () => !leader.transport.reachable(follower.id),
    );
    assert.ok(leader.node.status().snapshotIndex > 100, "the leader compacted its log");

    // Restart the follower from its storage, on the same port.
    const restarted = await startGrpcMember({
      ...options.get(follower.id)!,
      listen: follower.addr,
    });
    members[members.indexOf(follower)] = restarted;
    for (const m of others) restarted.transport.setPeer(m.id, m.addr);
    await restarted.startNode();

    const all = Array.from({ length: 180 }, (_, i) => `e${i}`);
    await waitFor("the restarted follower to catch up", () => restarted.applied().length === 180);
    assert.deepEqual(restarted.applied(), all);
    assert.ok(restarted.restores() >= 1, "it caught up through a snapshot");
    await waitFor("the leader to reach it again", () => leader.transport.reachable(follower.id));
    // And it takes part again: a new entry reaches all three.
    await leader.node.propose(enc.encode("after"));
    await waitFor(
      "the last entry everywhere",
      () => members.every((m) => m.applied().at(-1) === "after"),
    );
  } catch (e) {
    console.error(logs.join("\n"));
    throw e;
  } finally {
    for (const m of members) await m.stopNode().catch(() => {});
    // Every client is closed now: no server below sends a GOAWAY to a live peer.
    for (const m of members) await forceStopServer(m.server).catch(() => {});
    await Deno.remove(dir, { recursive: true });
  }
});
