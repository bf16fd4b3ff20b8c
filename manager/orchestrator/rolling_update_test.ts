/**
 * Rolling updates end to end over a simulated cluster (`testing.ts`): the orchestrators, the
 * updater, allocator, scheduler and reaper, with agents that obey at once and a clock that moves
 * only when told. The updater's rules are tested one by one in `updater_test.ts`.
 */
import assert from "node:assert/strict";
import {
  TaskState,
  UpdateConfig_FailureAction as Action,
  UpdateConfig_UpdateOrder as Order,
  UpdateConfigSchema,
  UpdateStatus_UpdateState as State,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import type { ServiceSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { durationFromMs } from "../duration.ts";
import { argsOf, simulateCluster, type Simulation, testService } from "./testing.ts";

const S = 1000;

type ConfigInit = MessageInitShape<typeof UpdateConfigSchema>;

function config(init: ConfigInit) {
  return create(UpdateConfigSchema, {
    parallelism: 1,
    monitor: durationFromMs(5 * S),
    ...init,
  });
}

/** Changes the command's argument, which makes every task outdated. */
const bump = (arg: string) => (spec: ServiceSpec) => {
  if (spec.task?.runtime.case === "process") spec.task.runtime.value.args = [arg];
};

/** The arguments of the running tasks meant to run, sorted. */
function runningArgs(sim: Simulation, id = "web"): string[] {
  return sim.running(id).map((t) => argsOf(t)[0] ?? "").sort();
}

const status = (sim: Simulation, id = "web") => sim.service(id).updateStatus;

/** Agents that fail to start tasks of "sleep 200" while `broken.value` is true. */
function breakable() {
  const broken = { value: true };
  const start = (t: Task) =>
    broken.value && argsOf(t)[0] === "200" ? TaskState.FAILED : TaskState.RUNNING;
  return { broken, start };
}

Deno.test("parallelism 2 with a 10 s delay replaces 4 replicas in two batches, then completes after the monitor", async () => {
  const sim = await simulateCluster();
  await sim.createService(testService("web", 4, (s) => {
    s.update = config({ parallelism: 2, delay: durationFromMs(10 * S) });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["100", "100", "200", "200"], "first batch");
  assert.equal(status(sim)?.state, State.UPDATING);
  assert.equal(status(sim)?.message, "update in progress");
  sim.advance(9 * S);
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["100", "100", "200", "200"], "the delay is not over");
  sim.advance(1 * S);
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["200", "200", "200", "200"], "second batch");
  assert.equal(status(sim)?.state, State.UPDATING, "monitoring the last batch");
  sim.advance(15 * S); // delay + monitor after the last batch ran
  await sim.settle();
  assert.equal(status(sim)?.state, State.COMPLETED);
  assert.equal(status(sim)?.message, "update completed");
});

Deno.test("parallelism 0 replaces every task at once", async () => {
  const sim = await simulateCluster();
  await sim.createService(testService("web", 3, (s) => {
    s.update = config({ parallelism: 0 });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["200", "200", "200"]);
});

Deno.test("start-first keeps the old task running until its replacement runs; stop-first stops it first", async () => {
  for (const order of [Order.START_FIRST, Order.STOP_FIRST]) {
    let hold = true; // new tasks stay STARTING while true
    const sim = await simulateCluster({
      nodes: ["n1"],
      start: (t) => (hold && argsOf(t)[0] === "200" ? TaskState.STARTING : TaskState.RUNNING),
    });
    await sim.createService(testService("web", 1, (s) => {
      s.update = config({ order });
    }));
    await sim.settle();
    const [old] = sim.running("web");
    await sim.updateService("web", bump("200"));
    await sim.settle();
    const oldNow = sim.store.get("task", old!.id)!;
    const fresh = sim.tasks("web").find((t) => argsOf(t)[0] === "200")!;
    if (order === Order.START_FIRST) {
      assert.equal(oldNow.status?.state, TaskState.RUNNING, "start-first: the old one serves");
      assert.equal(oldNow.desiredState, TaskState.RUNNING);
      assert.equal(fresh.status?.state, TaskState.STARTING);
      hold = false;
      await sim.setState(fresh, TaskState.RUNNING);
      await sim.settle();
      assert.equal(sim.store.get("task", old!.id)?.status?.state, TaskState.SHUTDOWN);
      assert.deepEqual(runningArgs(sim), ["200"]);
    } else {
      assert.equal(oldNow.status?.state, TaskState.SHUTDOWN, "stop-first: the old one stops");
      assert.equal(fresh.status?.state, TaskState.STARTING);
      assert.deepEqual(runningArgs(sim), []);
    }
  }
});

Deno.test("a task failing during the update pauses it; the next update resumes it", async () => {
  const { broken, start } = breakable();
  const sim = await simulateCluster({ start });
  await sim.createService(testService("web", 3));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.settle();
  assert.equal(status(sim)?.state, State.PAUSED);
  assert.match(
    status(sim)?.message ?? "",
    /^update paused due to failure or early termination of task t\d+$/,
  );
  sim.advance(60 * S);
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["100", "100"], "a paused update replaces nothing more");

  broken.value = false;
  await sim.updateService("web", () => {}); // the same spec: resume
  assert.equal(status(sim), undefined, "UpdateService clears the status");
  await sim.run(3, 5 * S);
  assert.deepEqual(runningArgs(sim), ["200", "200", "200"]);
  assert.equal(status(sim)?.state, State.COMPLETED);
  const previous = sim.service("web").previousSpec?.task?.runtime;
  assert.deepEqual(
    previous?.case === "process" && previous.value.args,
    ["100"],
    "resuming keeps the spec to roll back to",
  );
});

Deno.test("failure action rollback puts the previous spec back and completes the rollback", async () => {
  const { start } = breakable();
  const sim = await simulateCluster({ start });
  await sim.createService(testService("web", 3, (s) => {
    s.update = config({ failureAction: Action.ROLLBACK });
    s.rollback = config({ parallelism: 0, monitor: durationFromMs(2 * S) });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.settle();
  assert.equal(status(sim)?.state, State.ROLLBACK_STARTED);
  assert.match(
    status(sim)?.message ?? "",
    /^update rolled back due to failure or early termination/,
  );
  assert.deepEqual(runningArgs(sim), ["100", "100", "100"]);
  sim.advance(2 * S);
  await sim.settle();
  assert.equal(status(sim)?.state, State.ROLLBACK_COMPLETED);
  assert.equal(status(sim)?.message, "rollback completed");
});

Deno.test("failure action continue updates every slot despite failures", async () => {
  const { start } = breakable();
  const sim = await simulateCluster({ start });
  await sim.createService(testService("web", 3, (s) => {
    s.update = config({ failureAction: Action.CONTINUE });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.run(2, 5 * S);
  const current = sim.tasks("web").filter((t) => t.desiredState <= TaskState.RUNNING);
  assert.deepEqual(current.map((t) => argsOf(t)[0]), ["200", "200", "200"]);
  assert.equal(status(sim)?.state, State.COMPLETED);
});

Deno.test("max failure ratio tolerates some failed slots", async () => {
  let failures = 1; // the first new task fails, later ones run
  const sim = await simulateCluster({
    start: (t) => (argsOf(t)[0] === "200" && failures-- > 0 ? TaskState.FAILED : TaskState.RUNNING),
  });
  await sim.createService(testService("web", 4, (s) => {
    s.update = config({ maxFailureRatio: 0.25 });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.run(3, 5 * S);
  assert.equal(status(sim)?.state, State.COMPLETED, "1 failed slot of 4 is within 0.25");
  assert.deepEqual(runningArgs(sim), ["200", "200", "200", "200"]);
});

Deno.test("a task failing after the monitor window does not stop the update", async () => {
  const sim = await simulateCluster({ nodes: ["n1"] });
  await sim.createService(testService("web", 2, (s) => {
    s.update = config({ delay: durationFromMs(10 * S), monitor: durationFromMs(3 * S) });
  }));
  await sim.settle();
  await sim.updateService("web", bump("200"));
  await sim.settle();
  const [first] = sim.running("web").filter((t) => argsOf(t)[0] === "200");
  sim.advance(4 * S);
  await sim.setState(first!, TaskState.FAILED); // 4 s after it ran: past the 3 s monitor
  await sim.settle();
  assert.equal(status(sim)?.state, State.UPDATING);
  // Slot 2 goes at the 14 s tick (the delay ends 10 s after slot 1 ran), and the update
  // completes delay + monitor = 13 s after its task ran.
  await sim.run(4, 5 * S);
  assert.equal(status(sim)?.state, State.UPDATING);
  await sim.run(1, 5 * S);
  assert.equal(status(sim)?.state, State.COMPLETED);
});

Deno.test("service update --rollback rolls back with the rollback config", async () => {
  const sim = await simulateCluster();
  await sim.createService(testService("web", 2, (s) => {
    s.rollback = config({ parallelism: 0, monitor: durationFromMs(0) });
  }));
  await sim.run(1, 5 * S);
  await sim.updateService("web", bump("200"));
  await sim.run(3, 5 * S);
  assert.equal(status(sim)?.state, State.COMPLETED);
  await sim.updateService("web", "rollback");
  assert.equal(status(sim)?.state, State.ROLLBACK_STARTED);
  assert.equal(status(sim)?.message, "manually requested rollback");
  await sim.settle();
  assert.deepEqual(runningArgs(sim), ["100", "100"], "both at once (rollback parallelism 0)");
  assert.equal(status(sim)?.state, State.ROLLBACK_COMPLETED);
});

Deno.test("a global service updates one node at a time", async () => {
  const sim = await simulateCluster({ nodes: ["n1", "n2", "n3"] });
  await sim.createService(testService("agent", "global", (s) => {
    s.update = config({ delay: durationFromMs(10 * S) });
  }));
  await sim.settle();
  await sim.updateService("agent", bump("200"));
  await sim.settle();
  assert.deepEqual(runningArgs(sim, "agent"), ["100", "100", "200"]);
  await sim.run(1, 10 * S);
  assert.deepEqual(runningArgs(sim, "agent"), ["100", "200", "200"]);
  await sim.run(1, 10 * S);
  assert.deepEqual(runningArgs(sim, "agent"), ["200", "200", "200"]);
  assert.deepEqual(sim.running("agent").map((t) => t.nodeId).sort(), ["n1", "n2", "n3"]);
});
