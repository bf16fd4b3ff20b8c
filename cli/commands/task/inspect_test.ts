import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("task inspect resolves IDs and prefixes", async () => {
  for (const ref of ["task2xxxxxxxxxxxxxxxxxxxx", "task2"]) {
    const r = await run(["task", "inspect", ref], { api: fixture() });
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.id, "task2xxxxxxxxxxxxxxxxxxxx");
    assert.equal(json.status.state, "TASK_STATE_STARTING");
  }
});

Deno.test("task inspect reports unknown and ambiguous tasks", async () => {
  const amb = await run(["task", "inspect", "task1"], { api: fixture() });
  assert.equal(amb.code, 1);
  assert.match(amb.err, /^Error: ambiguous task ID prefix "task1": it matches 2 tasks/);
  const missing = await run(["task", "inspect", "zzz"], { api: fixture() });
  assert.equal(missing.err, "Error: no such task: zzz\n");
  assertUsageError(await run(["task", "inspect"]), /needs TASK/);
});
