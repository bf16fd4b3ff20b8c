import assert from "node:assert/strict";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { RemoveNodeRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { NodeRole, NodeStatus_State, TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { DEFAULT_NODE_CERT_EXPIRY_MS } from "../../../manager/controlapi/topology_rules.ts";
import { fixture } from "../../_fixture.ts";
import { NOW, run } from "../../_run_client.ts";

const W = "node2bbbbbbbbbbbbbbbbbbbb";
const M = "node1aaaaaaaaaaaaaaaaaaaa";

Deno.test("node rm refuses a node that is not down unless forced", async () => {
  const api = fixture();
  const r = await run(["node", "rm", "worker1"], { api });
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    `Error: worker1: Node ${W} is not down (status ready) and can't be removed: stop it first, or use --force to remove it anyway\n`,
  );
  assert.equal(r.out, "");
  const forced = await run(["node", "rm", "-f", "worker1"], { api });
  assert.equal(forced.code, 0, forced.err);
  assert.equal(forced.out, "worker1\n");
  const req = api.calls.filter((c) => c.method === "removeNode")[1]!.request as RemoveNodeRequest;
  assert.equal(req.force, true);
  assert.equal(api.nodes.size, 1);
});

Deno.test("node rm --force removes a node in an unknown state too", async () => {
  const api = fixture();
  api.nodes.get(W)!.status!.state = NodeStatus_State.UNKNOWN;
  assert.match((await run(["node", "rm", "worker1"], { api })).err, /status unknown/);
  assert.equal((await run(["node", "rm", "--force", "worker1"], { api })).code, 0);
});

Deno.test("node remove removes a down worker, revokes its certificate and orphans its tasks", async () => {
  const api = fixture();
  api.nodes.get(W)!.status!.state = NodeStatus_State.DOWN;
  const task = api.addTask({
    nodeId: W,
    serviceId: "svcwebxxxxxxxxxxxxxxxxxxx",
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.RUNNING },
  });
  const r = await run(["node", "remove", "worker1"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(api.nodes.has(W), false);
  const cluster = [...api.clusters.values()][0]!;
  const entry = cluster.blacklistedCertificates[W];
  assert.ok(entry, "the removed node's certificate is blacklisted");
  assert.equal(timestampDate(entry.expiry!).getTime(), NOW.getTime() + DEFAULT_NODE_CERT_EXPIRY_MS);
  assert.equal(api.tasks.get(task.id)!.status?.state, TaskState.ORPHANED);
  assert.equal(api.tasks.get("task1oldxxxxxxxxxxxxxxxxx")!.status?.state, TaskState.FAILED);
});

Deno.test("node rm refuses a manager even with --force and goes on with the other nodes", async () => {
  const api = fixture();
  api.nodes.get(W)!.status!.state = NodeStatus_State.DOWN;
  const r = await run(["node", "rm", "--force", "manager1", "worker1"], { api });
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    `Error: manager1: Node ${M} is a manager: demote it first: swarm node demote ${M}\n`,
  );
  assert.equal(r.out, "worker1\n");
  // A manager whose demotion is still in progress is not removable yet either.
  api.nodes.get(M)!.spec!.desiredRole = NodeRole.WORKER;
  assert.match(
    (await run(["node", "rm", "-f", "manager1"], { api })).err,
    /still a Raft member while its demotion completes/,
  );
  assert.ok(api.nodes.has(M));
});
