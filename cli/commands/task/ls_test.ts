import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("task ls shows current tasks of all services", async () => {
  const r = await run(["task", "ls"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          NAME                              NODE       DESIRED STATE   CURRENT STATE               ERROR\n" +
      "taskagentxxxxxxxxxxxxxxxx   agent.node1aaaaaaaaaaaaaaaaaaaa   manager1   Running         Running About an hour ago\n" +
      "task1newxxxxxxxxxxxxxxxxx   web.1                             manager1   Running         Running 5 seconds ago\n" +
      "task2xxxxxxxxxxxxxxxxxxxx   web.2                             manager1   Running         Starting 1 second ago\n",
  );
});

Deno.test("task ls -a includes shut down tasks", async () => {
  const r = await run(["task", "ls", "-a", "-q"], { api: fixture() });
  assert.equal(r.out.trimEnd().split("\n").length, 4);
  assert.match(r.out, /task1old/);
});

Deno.test("task ls filters by service and node", async () => {
  const bySvc = await run(["task", "ls", "-q", "--service", "web"], { api: fixture() });
  assert.equal(bySvc.out, "task1newxxxxxxxxxxxxxxxxx\ntask2xxxxxxxxxxxxxxxxxxxx\n");
  const byNode = await run(["task", "ls", "-a", "-q", "--node", "worker1"], { api: fixture() });
  assert.equal(byNode.out, "task1oldxxxxxxxxxxxxxxxxx\n");
  const missing = await run(["task", "ls", "--service", "nope"], { api: fixture() });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: no such service: nope\n");
});

Deno.test("task ls --format json", async () => {
  const tasks = JSON.parse((await run(["task", "ls", "--format", "json"], { api: fixture() })).out);
  assert.equal(tasks.length, 3);
  assert.equal(tasks[1].slot, 1);
});

Deno.test("task ls rejects arguments", async () => {
  assertUsageError(await run(["task", "ls", "web"]), /takes no arguments/);
});
