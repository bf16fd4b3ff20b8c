import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NodeSchema, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeStatus_State, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { schedule } from "./scheduler.ts";

const node = (id: string, labels: Record<string, string> = {}) =>
  create(NodeSchema, {
    id,
    spec: { annotations: { labels } },
    status: { state: NodeStatus_State.READY },
    description: { hostname: id, resources: { nanoCpus: 1_000_000_000n, memoryBytes: 1n << 30n } },
  });

const pending = (id: string, constraints: string[]) =>
  create(TaskSchema, {
    id,
    serviceId: "s1",
    slot: 1,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.PENDING },
    spec: { placement: { constraints } },
  });

Deno.test("constraints pick matching nodes; label names are case-sensitive, values are not", () => {
  const nodes = [node("a", { zone: "east" }), node("b", { zone: "west" })];
  const plan = schedule(nodes, [pending("t1", ["node.labels.zone==WEST"])], new Date(0));
  assert.equal(plan.update[0]?.nodeId, "b");
  const none = schedule(nodes, [pending("t2", ["node.labels.Zone==west"])], new Date(0));
  assert.equal(none.update[0]?.status?.state, TaskState.PENDING);
  assert.equal(
    none.update[0]?.status?.err,
    "no suitable node (scheduling constraints not satisfied on 2 nodes)",
  );
  const not = schedule(nodes, [pending("t3", ["node.hostname!=a"])], new Date(0));
  assert.equal(not.update[0]?.nodeId, "b");
});

Deno.test("a malformed constraint keeps the task pending with the reason", () => {
  const plan = schedule([node("a")], [pending("t1", ["zone=east"])], new Date(0));
  assert.match(plan.update[0]?.status?.err ?? "", /invalid placement constraint: .*key==value/);
});
