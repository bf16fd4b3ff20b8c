import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { run } from "../../_run_client.ts";

Deno.test("node inspect resolves by ID, hostname or prefix and prints JSON", async () => {
  for (const ref of ["node1aaaaaaaaaaaaaaaaaaaa", "manager1", "node1"]) {
    const r = await run(["node", "inspect", ref], { api: fixture() });
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.id, "node1aaaaaaaaaaaaaaaaaaaa");
    assert.equal(json.description.hostname, "manager1");
  }
});

Deno.test("node inspect reports unknown and ambiguous nodes", async () => {
  const missing = await run(["node", "inspect", "ghost"], { api: fixture() });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: no such node: ghost\n");
  const ambiguous = await run(["node", "inspect", "node"], { api: fixture() });
  assert.equal(ambiguous.code, 1);
  assert.match(ambiguous.err, /^Error: ambiguous node ID prefix "node": it matches 2 nodes: /);
  const api = fixture();
  api.addNode({ id: "node3ccc", description: { hostname: "worker1" } });
  const twins = await run(["node", "inspect", "worker1"], { api });
  assert.equal(
    twins.err,
    'Error: ambiguous node name "worker1": 2 nodes have it (node2bbbbbbbbbbbbbbbbbbbb, node3ccc); use the ID instead\n',
  );
});
