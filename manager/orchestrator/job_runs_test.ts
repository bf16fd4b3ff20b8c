/**
 * Jobs end to end over a simulated cluster (`testing.ts`): the job orchestrators, allocator,
 * scheduler and reaper, with agents that obey at once and a clock that moves only when told.
 * The decisions themselves are tested as tables in `replicated_job_test.ts` and
 * `global_job_test.ts`.
 */
import assert from "node:assert/strict";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeStatus_State, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { serviceTaskCounts } from "../controlapi/service_status.ts";
import { simulateCluster, type Simulation, testJob, testNode } from "./testing.ts";

const S = 1000;

/** [running, desired, completed] as `service ls` shows them. */
function counts(sim: Simulation, id = "job"): [number, number, number] {
  const c = serviceTaskCounts(sim.service(id), sim.tasks(id));
  return [Number(c.runningTasks), Number(c.desiredTasks), Number(c.completedTasks)];
}

const ofIteration = (sim: Simulation, iteration: bigint, id = "job") =>
  sim.tasks(id).filter((t) => t.jobIteration === iteration);
const inState = (tasks: readonly Task[], state: TaskState) =>
  tasks.filter((t) => t.status?.state === state);
const slots = (tasks: readonly Task[]) => tasks.map((t) => t.slot).sort((a, b) => a - b);

Deno.test("a replicated job of 5 completions runs 2 at a time until 5 have completed", async () => {
  const sim = await simulateCluster();
  await sim.createService(testJob("job", { maxConcurrent: 2, totalCompletions: 5 }));
  await sim.settle();
  assert.deepEqual(slots(sim.running("job")), [1, 2]);
  assert.deepEqual(counts(sim), [2, 2, 0]);
  for (let done = 1; done <= 5; done++) {
    const [first] = sim.running("job").sort((a, b) => a.slot - b.slot);
    await sim.setState(first!, TaskState.COMPLETE);
    await sim.settle();
    assert.ok(sim.running("job").length <= 2, "never more than max-concurrent");
    assert.equal(inState(sim.tasks("job"), TaskState.COMPLETE).length, done);
  }
  assert.deepEqual(slots(inState(sim.tasks("job"), TaskState.COMPLETE)), [1, 2, 3, 4, 5]);
  assert.deepEqual(counts(sim), [0, 0, 5]);
  await sim.run(3, 60 * S);
  assert.equal(sim.tasks("job").length, 5, "completed tasks are never restarted");
  assert.ok(sim.tasks("job").every((t) => t.desiredState === TaskState.COMPLETE));
});

Deno.test("a failed job task is retried after the restart delay in its slot", async () => {
  let failures = 1; // slot 2's first attempt fails, every other task completes at once
  const sim = await simulateCluster({
    start: (t) => (t.slot === 2 && failures-- > 0 ? TaskState.FAILED : TaskState.COMPLETE),
  });
  await sim.createService(testJob("job", { maxConcurrent: 2, totalCompletions: 3 }));
  await sim.settle();
  assert.deepEqual(slots(inState(sim.tasks("job"), TaskState.COMPLETE)), [1, 3]);
  const waiting = sim.tasks("job").find((t) => t.desiredState === TaskState.READY);
  assert.equal(waiting?.slot, 2, "the replacement waits out the 5 s restart delay");
  sim.advance(5 * S);
  await sim.settle();
  assert.deepEqual(slots(inState(sim.tasks("job"), TaskState.COMPLETE)), [1, 2, 3]);
  assert.deepEqual(
    sim.tasks("job").filter((t) => t.slot === 2).map((t) => TaskState[t.status!.state]).sort(),
    ["COMPLETE", "FAILED"],
  );
  assert.deepEqual(counts(sim), [0, 0, 3]);
});

Deno.test("updating a job runs it again; the last run's tasks are stopped or kept as history", async () => {
  const sim = await simulateCluster({ start: () => TaskState.COMPLETE });
  await sim.createService(testJob("job", { maxConcurrent: 3, totalCompletions: 3 }));
  await sim.settle();
  assert.deepEqual(counts(sim), [0, 0, 3]);
  sim.advance(60 * S);
  await sim.updateService("job", () => {}); // no change at all: still a new run
  const status = sim.service("job").jobStatus!;
  assert.equal(status.jobIteration, 1n);
  assert.equal(timestampDate(status.lastExecution!).getTime(), sim.now().getTime());
  await sim.settle();
  assert.deepEqual(slots(inState(ofIteration(sim, 1n), TaskState.COMPLETE)), [1, 2, 3]);
  assert.ok(ofIteration(sim, 0n).every((t) => t.desiredState === TaskState.SHUTDOWN));
  assert.deepEqual(counts(sim), [0, 0, 3], "only the current run counts");
});

Deno.test("updating a job while it runs removes its running tasks", async () => {
  const sim = await simulateCluster();
  await sim.createService(testJob("job", { maxConcurrent: 1, totalCompletions: 2 }));
  await sim.settle();
  const [old] = sim.running("job");
  await sim.updateService("job", (spec) => {
    if (spec.mode.case === "replicatedJob") spec.mode.value.totalCompletions = 4;
  });
  await sim.settle();
  assert.equal(sim.store.get("task", old!.id), undefined, "stopped, then deleted");
  assert.deepEqual(sim.running("job").map((t) => [t.slot, t.jobIteration]), [[1, 1n]]);
  assert.deepEqual(counts(sim), [1, 1, 0]);
});

Deno.test("a replicated job's unfinished task moves off a node that goes down", async () => {
  const sim = await simulateCluster({ nodes: ["n1", "n2"] });
  await sim.createService(testJob("job", { maxConcurrent: 2, totalCompletions: 2 }));
  await sim.settle();
  assert.deepEqual(sim.running("job").map((t) => t.nodeId).sort(), ["n1", "n2"]);
  await sim.updateNode("n2", (n) => n.status!.state = NodeStatus_State.DOWN);
  await sim.settle();
  assert.deepEqual(sim.running("job").map((t) => [t.slot, t.nodeId]).sort(), [[1, "n1"], [
    2,
    "n1",
  ]]);
});

Deno.test("a global job completes once per node; a node that joins later waits for the next run", async () => {
  const sim = await simulateCluster({ nodes: ["n1", "n2"], start: () => TaskState.COMPLETE });
  await sim.createService(testJob("job", "global", sim.now()));
  await sim.settle();
  const completedOn = (iteration: bigint) =>
    inState(ofIteration(sim, iteration), TaskState.COMPLETE).map((t) => t.nodeId).sort();
  assert.deepEqual(completedOn(0n), ["n1", "n2"]);
  assert.deepEqual(counts(sim), [0, 0, 2]);
  sim.advance(10 * S);
  await sim.addNode(testNode("n3"));
  await sim.run(2, 30 * S);
  assert.deepEqual(completedOn(0n), ["n1", "n2"], "n3 joined after the job started");
  await sim.updateService("job", () => {});
  await sim.settle();
  assert.deepEqual(completedOn(1n), ["n1", "n2", "n3"]);
  assert.deepEqual(counts(sim), [0, 0, 3]);
});

Deno.test("re-running a job keeps its current run and a bounded history", async () => {
  const sim = await simulateCluster({ nodes: ["n1"], start: () => TaskState.COMPLETE });
  await sim.createService(testJob("job", { maxConcurrent: 1, totalCompletions: 1 }));
  await sim.settle();
  for (let run = 1n; run <= 8n; run++) {
    await sim.updateService("job", () => {});
    await sim.settle();
    assert.equal(inState(ofIteration(sim, run), TaskState.COMPLETE).length, 1, `run ${run}`);
  }
  // The reaper keeps 5 ended tasks per slot besides the current run's.
  assert.equal(sim.tasks("job").length, 6);
});
