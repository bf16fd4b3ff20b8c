import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("service rm removes services and prints what it removed", async () => {
  const api = fixture();
  const r = await run(["service", "rm", "web", "svcagent"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "web\nsvcagent\n");
  assert.equal(api.services.size, 0);
});

Deno.test("service remove goes on after an unknown service and exits 1", async () => {
  const api = fixture();
  const r = await run(["service", "remove", "nope", "web"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: no such service: nope\n");
  assert.equal(r.out, "web\n");
  assert.equal(api.services.size, 1);
});

Deno.test("service rm needs a service and refuses ambiguous prefixes", async () => {
  assertUsageError(
    await run(["service", "rm"]),
    `"swarm service rm" needs at least SERVICE (a name or ID)`,
  );
  const api = fixture();
  const r = await run(["service", "rm", "svc"], { api });
  assert.equal(r.code, 1);
  assert.match(r.err, /ambiguous service ID prefix "svc"/);
  assert.equal(api.services.size, 2);
});
