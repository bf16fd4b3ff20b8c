import assert from "node:assert/strict";
import { newTestStore } from "../store/testing.ts";
import { orchestrate } from "./orchestrate.ts";
import { testNode, testService } from "./testing.ts";

Deno.test("orchestrate decides each service by its mode; jobs get nothing", async () => {
  const store = newTestStore();
  await store.update((tx) => {
    tx.create("node", testNode("n1"));
    tx.create("node", testNode("n2"));
    tx.create("service", testService("web", 3));
    tx.create("service", testService("agent", "global"));
    const job = testService("job", 1);
    job.spec!.mode = { case: "globalJob", value: { $typeName: "swarm.v1.GlobalJob" } };
    tx.create("service", job);
  });
  let id = 0;
  const plan = orchestrate(store, new Date(0), () => `t${++id}`);
  const by = Object.groupBy(plan.create, (t) => t.serviceId);
  assert.deepEqual(by.web?.map((t) => t.slot), [1, 2, 3]);
  assert.deepEqual(by.agent?.map((t) => t.nodeId).sort(), ["n1", "n2"]);
  assert.equal(by.job, undefined);
});
