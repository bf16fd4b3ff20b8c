import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { NodeSchema, ServiceSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import {
  NodeStatus_State,
  RestartPolicy_Condition,
  TaskState,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { ReplicatedServiceSchema } from "../proto/gen/swarm/v1/specs_pb.ts";
import { simulateCluster } from "./orchestrator/testing.ts";
import { durationFromMs } from "./duration.ts";

/** A cluster in a test: a store, a clock, and agents that obey instantly (`orchestrator/testing.ts`). */
function harness(nodes = ["n1", "n2"]) {
  return simulateCluster({ nodes });
}

const web = (
  replicas: number,
  extra: Partial<
    { restartDelayMs: number; condition: RestartPolicy_Condition; maxAttempts: number }
  > = {},
) =>
  create(ServiceSchema, {
    id: "s1",
    specVersion: { index: 1n },
    spec: {
      annotations: { name: "web" },
      mode: { case: "replicated", value: { replicas } },
      task: {
        runtime: { case: "process", value: { command: "sleep", args: ["100"] } },
        restart: {
          condition: extra.condition ?? RestartPolicy_Condition.ANY,
          delay: durationFromMs(extra.restartDelayMs ?? 5_000),
          maxAttempts: extra.maxAttempts ?? 0,
        },
      },
    },
  });

Deno.test("a 3-replica service gets 3 running tasks in slots 1..3, spread over the nodes", async () => {
  const h = await harness();
  await h.store.update((tx) => tx.create("service", web(3)));
  await h.settle();
  const running = h.running("s1");
  assert.deepEqual(running.map((t) => t.slot).sort(), [1, 2, 3]);
  const perNode = Object.groupBy(running, (t) => t.nodeId);
  assert.deepEqual(Object.values(perNode).map((l) => l!.length).sort(), [1, 2]);
  assert.equal(running[0]!.annotations?.name.startsWith("web."), true);
});

Deno.test("scaling up fills the lowest free slots; scaling down removes tasks and the reaper deletes them", async () => {
  const h = await harness();
  await h.store.update((tx) => tx.create("service", web(3)));
  await h.settle();
  const scale = async (n: number) => {
    const s = clone(ServiceSchema, h.store.get("service", "s1")!);
    s.spec!.mode = { case: "replicated", value: create(ReplicatedServiceSchema, { replicas: n }) };
    await h.store.update((tx) => tx.update("service", s));
    await h.settle();
  };
  await scale(5);
  assert.deepEqual(h.running("s1").map((t) => t.slot).sort(), [1, 2, 3, 4, 5]);
  await scale(1);
  assert.equal(h.running("s1").length, 1);
  assert.equal(h.store.tasksOfService("s1").length, 1, "removed tasks are deleted once shut down");
});

Deno.test("a failed task is replaced in its slot only after the restart delay", async () => {
  const h = await harness(["n1"]);
  await h.store.update((tx) => tx.create("service", web(1, { restartDelayMs: 5_000 })));
  await h.settle();
  const [first] = h.running("s1");
  await h.setState(first!, TaskState.FAILED);
  await h.settle();
  assert.equal(h.running("s1").length, 0, "the replacement waits for the delay");
  const waiting = h.store.tasksOfService("s1").find((t) => t.id !== first!.id)!;
  assert.equal(waiting.desiredState, TaskState.READY);
  assert.equal(waiting.slot, first!.slot);
  h.advance(5_000);
  await h.settle();
  assert.deepEqual(h.running("s1").map((t) => t.id), [waiting.id]);
  assert.equal(h.store.get("task", first!.id)?.desiredState, TaskState.SHUTDOWN);
});

Deno.test("restart condition on-failure leaves a completed task alone; max attempts caps restarts", async () => {
  const h = await harness(["n1"]);
  await h.store.update((tx) =>
    tx.create(
      "service",
      web(1, { condition: RestartPolicy_Condition.ON_FAILURE, maxAttempts: 1, restartDelayMs: 0 }),
    )
  );
  await h.settle();
  await h.setState(h.running("s1")[0]!, TaskState.COMPLETE);
  await h.settle();
  assert.equal(h.store.tasksOfService("s1").length, 1, "no restart after a clean exit");

  const h2 = await harness(["n1"]);
  await h2.store.update((tx) =>
    tx.create(
      "service",
      web(1, { condition: RestartPolicy_Condition.ON_FAILURE, maxAttempts: 1, restartDelayMs: 0 }),
    )
  );
  await h2.settle();
  await h2.setState(h2.running("s1")[0]!, TaskState.FAILED);
  await h2.settle();
  assert.equal(h2.running("s1").length, 1, "one restart is allowed");
  await h2.setState(h2.running("s1")[0]!, TaskState.FAILED);
  await h2.settle();
  assert.equal(h2.running("s1").length, 0, "the second failure exceeds max attempts");
});

Deno.test("tasks on a node that goes down are replaced elsewhere at once", async () => {
  const h = await harness(["n1", "n2"]);
  await h.store.update((tx) => tx.create("service", web(2)));
  await h.settle();
  const node = clone(NodeSchema, h.store.get("node", "n1")!);
  node.status!.state = NodeStatus_State.DOWN;
  await h.store.update((tx) => tx.update("node", node));
  await h.settle();
  const running = h.running("s1").filter((t) => t.desiredState === TaskState.RUNNING);
  assert.equal(running.length, 2);
  assert.ok(running.every((t) => t.nodeId === "n2"));
});

Deno.test("a task that fits no node stays pending and says why", async () => {
  const h = await harness(["n1"]);
  const s = web(1);
  s.spec!.task!.resources = {
    $typeName: "swarm.v1.ResourceRequirements",
    reservations: { $typeName: "swarm.v1.Resources", nanoCpus: 64_000_000_000n, memoryBytes: 0n },
  };
  await h.store.update((tx) => tx.create("service", s));
  await h.settle();
  const [t] = h.store.tasksOfService("s1");
  assert.equal(t?.status?.state, TaskState.PENDING);
  assert.equal(t?.status?.err, "no suitable node (insufficient resources on 1 node)");
});

Deno.test("changing the task spec replaces tasks one slot at a time (default parallelism 1)", async () => {
  const h = await harness(["n1"]);
  await h.store.update((tx) => tx.create("service", web(2)));
  await h.settle();
  const s = clone(ServiceSchema, h.store.get("service", "s1")!);
  s.spec!.task!.runtime = {
    case: "process",
    value: { ...s.spec!.task!.runtime.value!, args: ["200"] },
  } as never;
  s.specVersion = { $typeName: "swarm.v1.Version", index: 2n };
  await h.store.update((tx) => tx.update("service", s));
  await h.settle();
  const running = h.running("s1").filter((t) => t.desiredState === TaskState.RUNNING);
  assert.equal(running.length, 2);
  for (const t of running) {
    assert.deepEqual(t.spec?.runtime.case === "process" && t.spec.runtime.value.args, ["200"]);
  }
});
