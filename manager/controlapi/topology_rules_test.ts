import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ClusterSchema, type Node, NodeSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability as Reach,
  RootCASchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { parseJoinToken } from "../../pki/mod.ts";
import { durationFromMs } from "../duration.ts";
import {
  blacklistExpiry,
  DEFAULT_NODE_CERT_EXPIRY_MS,
  demotionRefusal,
  isDemotion,
  isReachableManager,
  removalRefusal,
  RootDigestError,
  rotateJoinTokens,
} from "./topology_rules.ts";

function manager(id: string, reachability = Reach.REACHABLE): Node {
  return create(NodeSchema, {
    id,
    role: NodeRole.MANAGER,
    spec: { desiredRole: NodeRole.MANAGER },
    status: { state: NodeStatus_State.READY },
    managerStatus: { reachability },
  });
}

function worker(id: string, state = NodeStatus_State.READY): Node {
  return create(NodeSchema, { id, status: { state } });
}

Deno.test("reachability: the serving manager, then manager_status, then a READY status", () => {
  assert.ok(isReachableManager(manager("m", Reach.UNREACHABLE), "m"));
  assert.ok(!isReachableManager(manager("m", Reach.UNREACHABLE), "other"));
  assert.ok(isReachableManager(manager("m", Reach.REACHABLE)));
  const promoting = create(NodeSchema, {
    id: "p",
    spec: { desiredRole: NodeRole.MANAGER },
    status: { state: NodeStatus_State.READY },
  });
  assert.ok(isReachableManager(promoting), "no manager_status yet: the node status counts");
  assert.ok(!isReachableManager(worker("p", NodeStatus_State.DOWN)));
});

Deno.test("demotion is refused for the last manager", () => {
  const only = manager("m1");
  assert.ok(isDemotion(only, NodeRole.WORKER));
  assert.ok(!isDemotion(only, NodeRole.MANAGER));
  assert.match(demotionRefusal([only, worker("w1")], only)!, /m1 is the last manager/);
});

Deno.test("demotion keeps a quorum of the managers that remain", () => {
  const [a, b, c] = [manager("a"), manager("b"), manager("c")];
  assert.equal(demotionRefusal([a, b, c], a), undefined, "3 → 2, all reachable");
  assert.equal(demotionRefusal([a, b], a), undefined, "2 → 1, the one left is reachable");
  const down = manager("c", Reach.UNREACHABLE);
  assert.match(
    demotionRefusal([a, b, down], a)!,
    /would lose the managers' quorum: 1 of the 2 remaining managers is reachable and Raft needs 2/,
  );
  assert.equal(demotionRefusal([a, b, down], down), undefined, "demoting the one that is down");
  // The serving manager is reachable whatever its object says.
  assert.equal(demotionRefusal([a, manager("b", Reach.UNREACHABLE), down], down, "b"), undefined);
  // A promotion in progress counts as a manager.
  const promoting = create(NodeSchema, {
    id: "p",
    spec: { desiredRole: NodeRole.MANAGER },
    status: { state: NodeStatus_State.READY },
  });
  assert.equal(demotionRefusal([a, promoting], a), undefined);
});

Deno.test("removal: managers are demoted first, nodes that are not down need force", () => {
  assert.match(removalRefusal(manager("m"), true)!, /demote it first: swarm node demote m/);
  const demoting = manager("m");
  demoting.spec!.desiredRole = NodeRole.WORKER;
  assert.match(removalRefusal(demoting, true)!, /while its demotion completes/);
  assert.match(
    removalRefusal(worker("w"), false)!,
    /^Node w is not down \(status ready\) and can't be removed: stop it first, or use --force/,
  );
  assert.match(removalRefusal(worker("w", NodeStatus_State.UNKNOWN), false)!, /status unknown/);
  assert.equal(removalRefusal(worker("w"), true), undefined);
  assert.equal(removalRefusal(worker("w", NodeStatus_State.DOWN), false), undefined);
});

Deno.test("a removed node's certificate is refused for the cluster's certificate expiry", () => {
  const now = new Date("2024-01-01T00:00:00Z");
  assert.equal(
    timestampDate(blacklistExpiry(undefined, now)).getTime(),
    now.getTime() + DEFAULT_NODE_CERT_EXPIRY_MS,
  );
  const cluster = create(ClusterSchema, {
    spec: { caConfig: { nodeCertExpiry: durationFromMs(3600_000) } },
  });
  assert.equal(timestampDate(blacklistExpiry(cluster, now)).getTime(), now.getTime() + 3600_000);
});

Deno.test("rotating a join token keeps the root digest and changes the secret", () => {
  const digest = "ab".repeat(32);
  const rootCa = create(RootCASchema, { caCertHash: digest });
  assert.equal(rotateJoinTokens(rootCa, undefined), false);
  assert.ok(rotateJoinTokens(rootCa, { workerJoinToken: true, managerJoinToken: true }));
  const { worker: w1, manager: m1 } = rootCa.joinTokens!;
  const hex = (b: Uint8Array) => [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  assert.equal(hex(parseJoinToken(w1).rootDigest), digest);
  assert.equal(hex(parseJoinToken(m1).rootDigest), digest);
  assert.notEqual(w1, m1);
  rotateJoinTokens(rootCa, { workerJoinToken: true, managerJoinToken: false });
  assert.notEqual(rootCa.joinTokens!.worker, w1);
  assert.equal(rootCa.joinTokens!.manager, m1);
  assert.throws(
    () =>
      rotateJoinTokens(create(RootCASchema), { workerJoinToken: true, managerJoinToken: false }),
    RootDigestError,
  );
});
