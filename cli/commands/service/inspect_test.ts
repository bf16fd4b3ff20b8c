import assert from "node:assert/strict";
import { FakeControlApi } from "../../fake_control_api.ts";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("service inspect prints the service with defaults as JSON", async () => {
  const r = await run(["service", "inspect", "web"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.equal(json.id, "svcwebxxxxxxxxxxxxxxxxxxx");
  assert.equal(json.spec.task.restart.condition, "CONDITION_ANY");
  assert.equal(json.spec.task.restart.delay, "5s");
  assert.equal(json.spec.task.process.stopGracePeriod, "10s");
  assert.equal(json.spec.update.parallelism, 1);
  const get = r.api.calls.find((c) => c.method === "getService");
  assert.equal((get?.request as { insertDefaults: boolean }).insertDefaults, true);
});

Deno.test("service inspect resolves IDs, names and prefixes", async () => {
  for (const ref of ["svcwebxxxxxxxxxxxxxxxxxxx", "WEB", "svcw"]) {
    const r = await run(["service", "inspect", ref], { api: fixture() });
    assert.equal(r.code, 0, ref);
    assert.equal(JSON.parse(r.out).id, "svcwebxxxxxxxxxxxxxxxxxxx", ref);
  }
});

Deno.test("service inspect reports unknown and ambiguous references", async () => {
  const missing = await run(["service", "inspect", "nope"], { api: fixture() });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: no such service: nope\n");
  assert.equal(missing.out, "");
  const ambiguous = await run(["service", "inspect", "svc"], { api: fixture() });
  assert.equal(ambiguous.code, 1);
  assert.equal(
    ambiguous.err,
    'Error: ambiguous service ID prefix "svc": it matches 2 services: svcwebxxxxxxxxxxxxxxxxxxx (web), svcagentxxxxxxxxxxxxxxxxx (agent); give more of the ID\n',
  );
});

Deno.test("service inspect needs exactly one service", async () => {
  assertUsageError(
    await run(["service", "inspect"]),
    `"swarm service inspect" needs SERVICE (a name or ID)`,
  );
  assertUsageError(
    await run(["service", "inspect", "a", "b"], { api: new FakeControlApi() }),
    `too many arguments for "swarm service inspect": unexpected "b"`,
  );
});
