import assert from "node:assert/strict";
import { fixture } from "../../_fixture.ts";
import { TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { FakeControlApi } from "../../fake_control_api.ts";
import { assertUsageError, NOW, run } from "../../_run_client.ts";

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

Deno.test("service ls shows jobs with their progress, counting only the current run", async () => {
  const api = new FakeControlApi({ now: () => NOW });
  api.addService({
    id: "svcbatchxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "batch" },
      task: { runtime: { case: "process", value: { command: "true" } } },
      mode: { case: "replicatedJob", value: { maxConcurrent: 2, totalCompletions: 6 } },
    },
    jobStatus: { jobIteration: 1n },
  });
  api.addService({
    id: "svcwarmxxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "warm" },
      task: { runtime: { case: "process", value: { command: "warm" } } },
      mode: { case: "globalJob", value: {} },
    },
    jobStatus: { jobIteration: 0n },
  });
  const task = (serviceId: string, state: TaskState, jobIteration: bigint) =>
    api.addTask({ serviceId, jobIteration, desiredState: TaskState.COMPLETE, status: { state } });
  task("svcbatchxxxxxxxxxxxxxxxxx", TaskState.COMPLETE, 0n); // the previous run
  for (const state of [TaskState.COMPLETE, TaskState.COMPLETE, TaskState.RUNNING]) {
    task("svcbatchxxxxxxxxxxxxxxxxx", state, 1n);
  }
  task("svcwarmxxxxxxxxxxxxxxxxxx", TaskState.COMPLETE, 0n);
  task("svcwarmxxxxxxxxxxxxxxxxxx", TaskState.RUNNING, 0n);
  const r = await run(["service", "ls"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          NAME    MODE             REPLICAS              COMMAND\n" +
      "svcbatchxxxxxxxxxxxxxxxxx   batch   replicated job   1/2 (2/6 completed)   true\n" +
      "svcwarmxxxxxxxxxxxxxxxxxx   warm    global job       1/1 (1/2 completed)   warm\n",
  );
});
