import assert from "node:assert/strict";
import { NodeSpec_Availability } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { UpdateNodeRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability as Reach,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

const W = "node2bbbbbbbbbbbbbbbbbbbb";

Deno.test("node update changes availability, role and labels", async () => {
  const api = fixture();
  const version = api.nodes.get(W)!.meta!.version!.index;
  const r = await run([
    "node",
    "update",
    "worker1",
    "--availability",
    "pause",
    "--role",
    "manager",
    "--label-add",
    "zone=east",
    "--label-add",
    "ssd",
  ], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "worker1\n");
  const spec = api.nodes.get(W)!.spec!;
  assert.equal(spec.availability, NodeSpec_Availability.PAUSE);
  assert.equal(spec.desiredRole, NodeRole.MANAGER);
  assert.deepEqual(spec.annotations?.labels, { zone: "east", ssd: "" });
  const req = api.calls.find((c) => c.method === "updateNode")!.request as UpdateNodeRequest;
  assert.equal(req.nodeVersion?.index, version);
  await run(["node", "update", "worker1", "--label-rm", "ssd"], { api });
  assert.deepEqual(api.nodes.get(W)!.spec!.annotations?.labels, { zone: "east" });
});

Deno.test("node drain, pause and activate", async () => {
  const api = fixture();
  const steps: [string, string, () => boolean][] = [
    [
      "activate",
      "worker1 is active",
      () => api.nodes.get(W)!.spec!.availability === NodeSpec_Availability.ACTIVE,
    ],
    [
      "pause",
      "worker1 is paused",
      () => api.nodes.get(W)!.spec!.availability === NodeSpec_Availability.PAUSE,
    ],
    [
      "drain",
      "worker1 is draining",
      () => api.nodes.get(W)!.spec!.availability === NodeSpec_Availability.DRAIN,
    ],
  ];
  for (const [verb, out, check] of steps) {
    const r = await run(["node", verb, "worker1"], { api });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, `${out}\n`);
    assert.ok(check(), verb);
  }
  const missing = await run(["node", "drain", "ghost", "worker1"], { api });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: ghost: no such node: ghost\n");
  assert.equal(missing.out, "worker1 is draining\n");
});

Deno.test("node promote and demote set the desired role", async () => {
  const api = fixture();
  const promoted = await run(["node", "promote", "worker1"], { api });
  assert.equal(promoted.code, 0, promoted.err);
  assert.equal(promoted.out, "Node worker1 promoted to a manager in the swarm.\n");
  assert.equal(api.nodes.get(W)!.spec!.desiredRole, NodeRole.MANAGER);
  assert.equal(api.nodes.get(W)!.role, NodeRole.WORKER, "the managers change the role later");
  const demoted = await run(["node", "demote", "worker1"], { api });
  assert.equal(demoted.code, 0, demoted.err);
  assert.equal(demoted.out, "Manager worker1 demoted in the swarm.\n");
  assert.equal(api.nodes.get(W)!.spec!.desiredRole, NodeRole.WORKER);
});

Deno.test("node promote and demote say so when the node already has the role", async () => {
  const api = fixture();
  const r = await run(["node", "promote", "manager1"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "Node manager1 is already a manager.\n");
  const w = await run(["node", "demote", "worker1"], { api });
  assert.equal(w.out, "Node worker1 is already a worker.\n");
  assert.deepEqual(api.mutatingCalls(), []);
});

Deno.test("node demote shows the managers' refusal for the last manager and for quorum", async () => {
  const api = fixture();
  const last = await run(["node", "demote", "manager1"], { api });
  assert.equal(last.code, 1);
  assert.equal(
    last.err,
    "Error: manager1: Node node1aaaaaaaaaaaaaaaaaaaa is the last manager of the swarm and " +
      "can't be demoted: promote another node first (swarm node promote NODE)\n",
  );
  assert.equal(api.nodes.get("node1aaaaaaaaaaaaaaaaaaaa")!.spec!.desiredRole, NodeRole.MANAGER);
  // Three managers, one unreachable: demoting a healthy one would leave 1 of 2 reachable.
  const manager = (hostname: string, reachability: Reach) =>
    api.addNode({
      role: NodeRole.MANAGER,
      description: { hostname },
      spec: { desiredRole: NodeRole.MANAGER },
      status: { state: NodeStatus_State.READY },
      managerStatus: { reachability },
    });
  manager("m2", Reach.REACHABLE);
  manager("m3", Reach.UNREACHABLE);
  const quorum = await run(["node", "demote", "m2"], { api });
  assert.equal(quorum.code, 1);
  assert.match(quorum.err, /^Error: m2: Demoting node \S+ would lose the managers' quorum/);
  const down = await run(["node", "demote", "m3"], { api });
  assert.equal(down.code, 0, down.err);
});

Deno.test("node update rejects bad input before sending anything", async () => {
  const cases: [string[], string | RegExp][] = [
    [["worker1"], "nothing to update: give --availability, --role, --label-add or --label-rm"],
    [
      ["worker1", "--availability", "off"],
      'invalid value "off" for --availability: use one of active, pause, drain',
    ],
    [["worker1", "--role", "boss"], 'invalid value "boss" for --role: use one of worker, manager'],
    [["worker1", "--label-add", "=x"], /non-empty key/],
    [[], /needs NODE/],
  ];
  for (const [args, message] of cases) {
    assertUsageError(await run(["node", "update", ...args], { api: fixture() }), message);
  }
  assertUsageError(await run(["node", "drain"], { api: fixture() }), /needs at least NODE/);
});
