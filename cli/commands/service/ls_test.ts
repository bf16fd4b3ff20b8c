import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("service ls prints a table sorted by name with running/desired", async () => {
  const r = await run(["service", "ls"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          NAME    MODE         REPLICAS   COMMAND\n" +
      "svcagentxxxxxxxxxxxxxxxxx   agent   global       1/1        agent\n" +
      "svcwebxxxxxxxxxxxxxxxxxxx   web     replicated   1/2        sleep 1000\n",
  );
});

Deno.test("service ls -q prints IDs only", async () => {
  const r = await run(["service", "ls", "-q"], { api: fixture() });
  assert.equal(r.out, "svcagentxxxxxxxxxxxxxxxxx\nsvcwebxxxxxxxxxxxxxxxxxxx\n");
  assert.equal((await run(["svc", "list", "--quiet"], { api: fixture() })).out, r.out);
});

Deno.test("service ls --format json prints an array of services", async () => {
  const r = await run(["service", "ls", "--format", "json"], { api: fixture() });
  assert.equal(r.code, 0);
  const json = JSON.parse(r.out);
  assert.deepEqual(
    json.map((s: { spec: { annotations: { name: string } } }) => s.spec.annotations.name),
    [
      "agent",
      "web",
    ],
  );
  assert.equal(json[1].spec.replicated.replicas, 2);
  assert.ok(r.out.startsWith('[\n  {\n    "id"'));
});

Deno.test("service ls with no services prints the header only", async () => {
  const r = await run(["service", "ls"]);
  assert.equal(r.out, "ID   NAME   MODE   REPLICAS   COMMAND\n");
  assert.ok(!r.api.calls.some((c) => c.method === "listServiceStatuses"));
});

Deno.test("service ls takes no arguments", async () => {
  assertUsageError(
    await run(["service", "ls", "web"]),
    `"swarm service ls" takes no arguments, got "web"`,
  );
});
