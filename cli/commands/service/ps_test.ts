import assert from "node:assert/strict";
import { TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { fixture, secondsAgo } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

Deno.test("service ps shows tasks with node hostnames and ages", async () => {
  const r = await run(["service", "ps", "web"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          NAME        NODE       DESIRED STATE   CURRENT STATE           ERROR\n" +
      "task1newxxxxxxxxxxxxxxxxx   web.1       manager1   Running         Running 5 seconds ago\n" +
      "task1oldxxxxxxxxxxxxxxxxx    \\_ web.1   worker1    Shutdown        Failed 2 minutes ago    task: non-zero exit (1)\n" +
      "task2xxxxxxxxxxxxxxxxxxxx   web.2       manager1   Running         Starting 1 second ago\n",
  );
});

Deno.test("service ps names global tasks by node and takes several services", async () => {
  const r = await run(["service", "ps", "agent", "web"], { api: fixture() });
  assert.equal(r.code, 0, r.err);
  const lines = r.out.trimEnd().split("\n");
  assert.equal(lines.length, 5);
  assert.match(
    lines[1]!,
    /^taskagentx+ +agent\.node1a+ +manager1 +Running +Running About an hour ago$/,
  );
});

Deno.test("service ps -q and --format json", async () => {
  const q = await run(["service", "ps", "-q", "web"], { api: fixture() });
  assert.equal(
    q.out,
    "task1newxxxxxxxxxxxxxxxxx\ntask1oldxxxxxxxxxxxxxxxxx\ntask2xxxxxxxxxxxxxxxxxxxx\n",
  );
  const j = await run(["service", "ps", "web", "--format", "json"], { api: fixture() });
  const tasks = JSON.parse(j.out);
  assert.equal(tasks.length, 3);
  assert.equal(tasks[0].status.state, "TASK_STATE_RUNNING");
});

Deno.test("service ps needs a known service", async () => {
  assertUsageError(
    await run(["service", "ps"]),
    `"swarm service ps" needs at least SERVICE (a name or ID)`,
  );
  const r = await run(["service", "ps", "nope"], { api: fixture() });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: no such service: nope\n");
});

Deno.test("service ps shows a job's completed tasks as Complete", async () => {
  const api = fixture();
  api.addService({
    id: "svcbatchxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "batch" },
      task: { runtime: { case: "process", value: { command: "true" } } },
      mode: { case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 2 } },
    },
    jobStatus: { jobIteration: 0n },
  });
  const tasks: [number, TaskState, number][] = [[1, TaskState.COMPLETE, 30], [
    2,
    TaskState.RUNNING,
    2,
  ]];
  for (const [slot, state, ago] of tasks) {
    api.addTask({
      id: `taskbatch${slot}xxxxxxxxxxxxxxx`,
      serviceId: "svcbatchxxxxxxxxxxxxxxxxx",
      slot,
      nodeId: "node1aaaaaaaaaaaaaaaaaaaa",
      desiredState: TaskState.COMPLETE,
      status: { state, timestamp: secondsAgo(ago) },
    });
  }
  const r = await run(["service", "ps", "batch"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(
    r.out,
    "ID                          NAME      NODE       DESIRED STATE   CURRENT STATE             ERROR\n" +
      "taskbatch1xxxxxxxxxxxxxxx   batch.1   manager1   Complete        Complete 30 seconds ago\n" +
      "taskbatch2xxxxxxxxxxxxxxx   batch.2   manager1   Complete        Running 2 seconds ago\n",
  );
});
