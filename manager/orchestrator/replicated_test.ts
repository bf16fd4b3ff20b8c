/** The replicated orchestrator's decisions for one service (more through a whole cluster in
 * `../reconciler_test.ts` and `rolling_update_test.ts`). */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeStatus_State,
  TaskState,
  UpdateStatus_UpdateState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { nodeLost, reconcileReplicated } from "./replicated.ts";
import { testNode, testService } from "./testing.ts";

const NOW = new Date("2024-05-01T00:00:00Z");
const nodes = new Map([["n1", testNode("n1")], ["n2", testNode("n2")]]);

function task(slot: number, nodeId: string, state = TaskState.RUNNING, version = 1n): Task {
  return create(TaskSchema, {
    id: `t${slot}${nodeId}`,
    serviceId: "web",
    slot,
    nodeId,
    meta: { createdAt: timestampFromDate(new Date(NOW.getTime() - 60_000)) },
    specVersion: { index: version },
    spec: specOf(version).task!,
    desiredState: TaskState.RUNNING,
    status: { state },
  });
}

/** The spec at `version`: each version forces an update. */
function specOf(version: bigint, replicas = 1) {
  return testService("web", replicas, (s) => s.task!.forceUpdate = version - 1n).spec!;
}

function decide(replicas: number, tasks: Task[], version = 1n) {
  const svc = testService("web", replicas);
  svc.spec = specOf(version, replicas);
  svc.specVersion = { $typeName: "swarm.v1.Version", index: version };
  let id = 0;
  return reconcileReplicated(svc, tasks, {
    now: NOW,
    newId: () => `new${++id}`,
    node: (nodeId) => nodes.get(nodeId),
  });
}

Deno.test("nodeLost: gone, down or drained", () => {
  assert.equal(nodeLost(undefined), true);
  assert.equal(nodeLost(testNode("a")), false);
  assert.equal(nodeLost(testNode("a", (n) => n.status!.state = NodeStatus_State.DOWN)), true);
  const drained = testNode("a", (n) => {
    n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.DRAIN });
  });
  assert.equal(nodeLost(drained), true);
});

Deno.test("scale up fills the lowest free slots", () => {
  const p = decide(4, [task(2, "n1"), task(4, "n2")]);
  assert.deepEqual(p.create.map((t) => [t.slot, t.desiredState]), [[1, TaskState.RUNNING], [
    3,
    TaskState.RUNNING,
  ]]);
});

Deno.test("scale down frees slots whose task is not running, then slots on crowded nodes", () => {
  const p = decide(2, [
    task(1, "n1"),
    task(2, "n1"),
    task(3, "n2", TaskState.STARTING),
    task(4, "n2"),
    task(5, "n1"),
  ]);
  assert.deepEqual(p.update.map((t) => [t.slot, t.desiredState]), [
    [3, TaskState.REMOVE],
    [5, TaskState.REMOVE],
    [2, TaskState.REMOVE],
  ]);
});

Deno.test("a spec change starts an update: one slot at a time by default", () => {
  const p = decide(2, [task(1, "n1"), task(2, "n2")], 2n);
  assert.deepEqual(p.update.map((t) => [t.slot, t.desiredState]), [[1, TaskState.SHUTDOWN]]);
  assert.deepEqual(p.create.map((t) => [t.slot, t.desiredState]), [[1, TaskState.READY]]);
  assert.equal(p.services[0]?.updateStatus?.state, UpdateStatus_UpdateState.UPDATING);
});
