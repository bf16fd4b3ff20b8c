import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  UpdateStatus_UpdateState,
  UpdateStatusSchema,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import { FakeControlApi } from "../../fake_control_api.ts";
import { fixture, secondsAgo } from "../../_fixture.ts";
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

Deno.test("service inspect shows the update status in JSON and with --pretty", async () => {
  const api = fixture();
  const web = api.services.get("svcwebxxxxxxxxxxxxxxxxxxx")!;
  web.updateStatus = create(UpdateStatusSchema, {
    state: UpdateStatus_UpdateState.PAUSED,
    startedAt: secondsAgo(90),
    message: "update paused due to failure or early termination of task t1",
  });
  const json = JSON.parse((await run(["service", "inspect", "web"], { api })).out);
  assert.deepEqual(json.updateStatus, {
    state: "UPDATE_STATE_PAUSED",
    startedAt: "2024-05-01T11:58:30Z",
    message: "update paused due to failure or early termination of task t1",
  });
  const r = await run(["service", "inspect", "--pretty", "web"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    `ID:                  svcwebxxxxxxxxxxxxxxxxxxx
Name:                web
Service Mode:        Replicated
 Replicas:           2
UpdateStatus:
 State:              paused
 Started:            About a minute ago
 Message:            update paused due to failure or early termination of task t1
UpdateConfig:
 Parallelism:        1
 On failure:         pause
 Monitoring period:  5s
 Max failure ratio:  0
 Update order:       stop-first
RollbackConfig:
 Parallelism:        1
 On failure:         pause
 Monitoring period:  5s
 Max failure ratio:  0
 Rollback order:     stop-first
Command:             sleep 1000
`,
  );
});

Deno.test("service inspect --pretty shows a global service and its update settings", async () => {
  const api = fixture();
  const r = await run([
    "service",
    "create",
    "--name",
    "mon",
    "--mode",
    "global",
    "--update-parallelism",
    "0",
    "--update-delay",
    "10s",
    "--update-order",
    "start-first",
    "--rollback-failure-action",
    "continue",
    "--",
    "monitor",
  ], { api });
  assert.equal(r.code, 0, r.err);
  const out = (await run(["service", "inspect", "--pretty", "mon"], { api })).out;
  assert.match(out, /^Service Mode: +Global$/m);
  assert.match(out, /^UpdateConfig:\n Parallelism: +0 \(all at once\)\n Delay: +10s\n/m);
  assert.match(out, /^ Update order: +start-first$/m);
  assert.match(out, /^RollbackConfig:\n Parallelism: +1\n On failure: +continue$/m);
  assert.doesNotMatch(out, /UpdateStatus/);
});
