import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("node ls prints hostnames, status, availability and manager status", async () => {
  const r = await run(["node", "ls"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          HOSTNAME   STATUS   AVAILABILITY   MANAGER STATUS\n" +
      "node1aaaaaaaaaaaaaaaaaaaa   manager1   Ready    Active         Leader\n" +
      "node2bbbbbbbbbbbbbbbbbbbb   worker1    Ready    Drain\n",
  );
});

Deno.test("node ls -q and --format json", async () => {
  assert.equal(
    (await run(["node", "ls", "-q"], { api: fixture() })).out,
    "node1aaaaaaaaaaaaaaaaaaaa\nnode2bbbbbbbbbbbbbbbbbbbb\n",
  );
  const nodes = JSON.parse((await run(["node", "ls", "--format", "json"], { api: fixture() })).out);
  assert.equal(nodes.length, 2);
  assert.equal(nodes[0].managerStatus.leader, true);
  assert.equal(nodes[1].spec.availability, "AVAILABILITY_DRAIN");
});

Deno.test("node ls rejects arguments and unknown flags", async () => {
  assertUsageError(await run(["node", "ls", "x"]), /takes no arguments/);
  assertUsageError(await run(["node", "ls", "--all"]), 'unknown flag --all for "swarm node ls"');
});
