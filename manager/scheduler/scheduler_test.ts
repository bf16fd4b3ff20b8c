import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NodeSchema, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  EngineDescriptionSchema,
  NodeStatus_State,
  ResourceRequirementsSchema,
  TaskState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
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

/** A global task: created with its node set. */
const preassigned = (id: string, nodeId: string, cpus = 0n) =>
  create(TaskSchema, {
    id,
    serviceId: "g",
    nodeId,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.PENDING },
    spec: { resources: { reservations: { nanoCpus: cpus * 1_000_000_000n } } },
  });

Deno.test("a preassigned task is confirmed on its node, or stays pending with the reason", () => {
  const nodes = [node("a"), node("b")];
  const ok = schedule(nodes, [preassigned("g1", "b")], new Date(0));
  assert.equal(ok.update[0]?.nodeId, "b");
  assert.equal(ok.update[0]?.status?.state, TaskState.ASSIGNED);
  assert.equal(
    ok.update[0]?.status?.message,
    "scheduler confirmed task can run on preassigned node",
  );

  const full = schedule(nodes, [preassigned("g2", "a", 2n)], new Date(0));
  assert.equal(full.update[0]?.nodeId, "a", "never moved to another node");
  assert.equal(full.update[0]?.status?.state, TaskState.PENDING);
  assert.equal(full.update[0]?.status?.err, "no suitable node (insufficient resources on 1 node)");

  const gone = schedule(nodes, [preassigned("g3", "c")], new Date(0));
  assert.equal(gone.update[0]?.status?.err, "no suitable node (its node is not in the cluster)");
});

Deno.test("preassigned tasks take their node's room before other tasks are placed", () => {
  const t1 = pending("t1", []);
  t1.spec!.resources = create(ResourceRequirementsSchema, {
    reservations: { nanoCpus: 600_000_000n },
  });
  const plan = schedule([node("a")], [t1, preassigned("g1", "a", 1n)], new Date(0));
  const byId = new Map(plan.update.map((t) => [t.id, t]));
  assert.equal(byId.get("g1")?.status?.state, TaskState.ASSIGNED);
  assert.equal(byId.get("t1")?.status?.state, TaskState.PENDING);
  assert.equal(byId.get("t1")?.status?.err, "no suitable node (insufficient resources on 1 node)");
});

Deno.test("a container task goes only to a node with the Docker executor", () => {
  const withExecutors = (id: string, executors: string[]) => {
    const n = node(id);
    n.description!.engine = create(EngineDescriptionSchema, { executors });
    return n;
  };
  const container = create(TaskSchema, {
    id: "t1",
    serviceId: "s1",
    slot: 1,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.PENDING },
    spec: { runtime: { case: "container", value: { image: "busybox:local" } } },
  });
  const nodes = [withExecutors("p", ["process"]), withExecutors("d", ["docker"])];
  assert.equal(schedule(nodes, [container], new Date(0)).update[0]?.nodeId, "d");
  const none = schedule([nodes[0]!], [container], new Date(0));
  assert.equal(
    none.update[0]?.status?.err,
    "no suitable node (1 node without the executor the task needs (--executor))",
  );
});
