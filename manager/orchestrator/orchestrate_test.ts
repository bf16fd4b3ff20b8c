import assert from "node:assert/strict";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { newTestStore } from "../store/testing.ts";
import { orchestrate } from "./orchestrate.ts";
import { testJob, testNode, testService } from "./testing.ts";

Deno.test("orchestrate decides each service by its mode", async () => {
  const store = newTestStore({ now: () => new Date(0) });
  await store.update((tx) => {
    tx.create("node", testNode("n1"));
    tx.create("node", testNode("n2"));
    tx.create("service", testService("web", 3));
    tx.create("service", testService("agent", "global"));
    tx.create("service", testJob("batch", { maxConcurrent: 2, totalCompletions: 5 }));
    tx.create("service", testJob("once", "global"));
  });
  let id = 0;
  const plan = orchestrate(store, new Date(0), () => `t${++id}`);
  const by = Object.groupBy(plan.create, (t) => t.serviceId);
  assert.deepEqual(by.web?.map((t) => t.slot), [1, 2, 3]);
  assert.deepEqual(by.agent?.map((t) => t.nodeId).sort(), ["n1", "n2"]);
  assert.deepEqual(by.batch?.map((t) => [t.slot, t.desiredState]), [
    [1, TaskState.COMPLETE],
    [2, TaskState.COMPLETE],
  ]);
  assert.deepEqual(by.once?.map((t) => [t.nodeId, t.desiredState]).sort(), [
    ["n1", TaskState.COMPLETE],
    ["n2", TaskState.COMPLETE],
  ]);
});
