import assert from "node:assert/strict";
import type { RemoveNodeRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { NodeStatus_State } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { fixture } from "../../_fixture.ts";
import { run } from "../../_run_client.ts";

Deno.test("node rm refuses a node that is up unless forced", async () => {
  const api = fixture();
  const r = await run(["node", "rm", "worker1"], { api });
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    "Error: worker1: node node2bbbbbbbbbbbbbbbbbbbb is not down and can't be removed\n",
  );
  const forced = await run(["node", "rm", "-f", "worker1"], { api });
  assert.equal(forced.code, 0, forced.err);
  assert.equal(forced.out, "worker1\n");
  const req = api.calls.filter((c) => c.method === "removeNode")[1]!.request as RemoveNodeRequest;
  assert.equal(req.force, true);
  assert.equal(api.nodes.size, 1);
});

Deno.test("node remove removes a down worker and refuses a manager", async () => {
  const api = fixture();
  api.nodes.get("node2bbbbbbbbbbbbbbbbbbbb")!.status!.state = NodeStatus_State.DOWN;
  assert.equal((await run(["node", "remove", "worker1"], { api })).code, 0);
  const mgr = await run(["node", "rm", "--force", "manager1"], { api });
  assert.equal(mgr.code, 1);
  assert.match(mgr.err, /must be demoted to worker before removal/);
});
