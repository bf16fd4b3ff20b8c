import assert from "node:assert/strict";
import { NodeSpec_Availability } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import type { UpdateNodeRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { NodeRole } from "../../../proto/gen/swarm/v1/types_pb.ts";
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

Deno.test("node drain, pause, activate, promote and demote", async () => {
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
    [
      "promote",
      "worker1 promoted to manager",
      () => api.nodes.get(W)!.spec!.desiredRole === NodeRole.MANAGER,
    ],
    [
      "demote",
      "worker1 demoted to worker",
      () => api.nodes.get(W)!.spec!.desiredRole === NodeRole.WORKER,
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
