/** The global orchestrator's decisions as tables: nodes × tasks → plan. */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Node, type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  PlacementSchema,
  ResourceRequirementsSchema,
  RestartPolicy_Condition,
  TaskState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { type NodeFit, nodeFit, reconcileGlobal } from "./global.ts";
import { simulateCluster, testNode, testService } from "./testing.ts";

const NOW = new Date("2024-05-01T00:00:00Z");

/** "agent": global, constrained to workers, reserving 1 CPU. */
const agent = testService("agent", "global", (s) => {
  s.task!.placement = create(PlacementSchema, { constraints: ["node.role==worker"] });
  s.task!.resources = create(ResourceRequirementsSchema, {
    reservations: { nanoCpus: 1_000_000_000n },
  });
});

const NODES: Record<string, (n: Node) => void> = {
  ready: () => {},
  down: (n) => n.status!.state = NodeStatus_State.DOWN,
  unknown: (n) => n.status!.state = NodeStatus_State.UNKNOWN,
  disconnected: (n) => n.status!.state = NodeStatus_State.DISCONNECTED,
  drained: (n) => n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.DRAIN }),
  paused: (n) => n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.PAUSE }),
  manager: (n) => n.role = NodeRole.MANAGER,
  small: (n) => n.description!.resources!.nanoCpus = 500_000_000n,
};

const node = (kind: string): Node => testNode(kind, NODES[kind]);

let seq = 0;
function running(nodeId: string, state = TaskState.RUNNING): Task {
  return create(TaskSchema, {
    id: `t${++seq}`,
    serviceId: "agent",
    nodeId,
    meta: { createdAt: timestampFromDate(new Date(NOW.getTime() - 60_000)) },
    specVersion: { index: 1n },
    spec: agent.spec!.task!,
    desiredState: TaskState.RUNNING,
    status: { state, timestamp: timestampFromDate(new Date(NOW.getTime() - 10_000)) },
  });
}

function plan(nodes: Node[], tasks: Task[]) {
  let id = 0;
  return reconcileGlobal(agent, tasks, { now: NOW, newId: () => `new${++id}`, nodes });
}

Deno.test("nodeFit: eligible, paused, unready, lost or unfit", () => {
  const table: [string, NodeFit][] = [
    ["ready", "eligible"],
    ["down", "lost"],
    ["drained", "lost"],
    ["unknown", "unready"],
    ["disconnected", "unready"],
    ["paused", "paused"],
    ["manager", "unfit"],
    ["small", "unfit"],
  ];
  for (const [kind, fit] of table) assert.equal(nodeFit(node(kind), agent), fit, kind);
});

Deno.test("a node without a task gets one only when eligible", () => {
  for (const kind of Object.keys(NODES)) {
    const p = plan([node(kind)], []);
    const want = kind === "ready" ? 1 : 0;
    assert.equal(p.create.length, want, kind);
    if (want) {
      const t = p.create[0]!;
      assert.equal(t.nodeId, "ready", "created on its node");
      assert.equal(t.slot, 0);
      assert.equal(t.desiredState, TaskState.RUNNING);
      assert.equal(t.annotations?.name, "agent.ready");
    }
  }
});

Deno.test("a node's running task is kept, or shut down when the node is lost or unfit", () => {
  const table: [string, "keep" | "shutdown"][] = [
    ["ready", "keep"],
    ["paused", "keep"],
    ["unknown", "keep"],
    ["disconnected", "keep"],
    ["down", "shutdown"],
    ["drained", "shutdown"],
    ["manager", "shutdown"],
    ["small", "shutdown"],
  ];
  for (const [kind, want] of table) {
    const t = running(kind);
    const p = plan([node(kind)], [t]);
    assert.equal(p.create.length, 0, kind);
    if (want === "keep") assert.deepEqual(p.update, [], kind);
    else {
      assert.deepEqual(
        p.update.map((u) => [u.id, u.desiredState]),
        [[t.id, TaskState.SHUTDOWN]],
        kind,
      );
    }
  }
});

Deno.test("tasks of a node that left the cluster are removed", () => {
  const t = running("gone");
  const p = plan([node("ready")], [t, running("ready")]);
  assert.deepEqual(p.update.map((u) => [u.id, u.desiredState]), [[t.id, TaskState.REMOVE]]);
  assert.equal(p.create.length, 0);
});

Deno.test("one task per eligible node across a cluster", () => {
  const nodes = [node("ready"), testNode("w2"), testNode("w3"), node("drained")];
  const p = plan(nodes, [running("w2")]);
  assert.deepEqual(p.create.map((t) => t.nodeId).sort(), ["ready", "w3"]);
});

Deno.test("a failed task is restarted on its node after the restart delay", () => {
  const failed = running("ready", TaskState.FAILED);
  const p = plan([node("ready")], [failed]);
  assert.deepEqual(p.update.map((u) => [u.id, u.desiredState]), [[failed.id, TaskState.SHUTDOWN]]);
  assert.equal(p.create.length, 1);
  assert.equal(p.create[0]!.nodeId, "ready");
  assert.equal(p.create[0]!.desiredState, TaskState.READY, "it waits for the restart delay");
});

Deno.test("a task that ended and may not restart keeps its node occupied", () => {
  const svc = testService("agent", "global", (s) => {
    s.task!.restart!.condition = RestartPolicy_Condition.NONE;
  });
  const done = running("ready", TaskState.COMPLETE);
  done.serviceId = svc.id;
  const p = reconcileGlobal(svc, [done], { now: NOW, newId: () => "x", nodes: [node("ready")] });
  assert.deepEqual(p.create, []);
  assert.deepEqual(p.update, []);
});

Deno.test("replicated services are not the global orchestrator's", () => {
  const p = reconcileGlobal(testService("web", 2), [], {
    now: NOW,
    newId: () => "x",
    nodes: [node("ready")],
  });
  assert.deepEqual(p.create, []);
});

Deno.test("in a cluster: a joining node gets a task, a drained or down node's task stops", async () => {
  const sim = await simulateCluster({ nodes: ["n1", "n2"] });
  await sim.createService(testService("agent", "global"));
  await sim.settle();
  const nodesRunning = () => sim.running("agent").map((t) => t.nodeId).sort();
  assert.deepEqual(nodesRunning(), ["n1", "n2"]);
  await sim.addNode(testNode("n3"));
  await sim.settle();
  assert.deepEqual(nodesRunning(), ["n1", "n2", "n3"]);
  await sim.updateNode("n2", (n) => {
    n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.DRAIN });
  });
  await sim.updateNode("n3", (n) => n.status!.state = NodeStatus_State.DOWN);
  await sim.settle();
  assert.deepEqual(nodesRunning(), ["n1"]);
  const stopped = sim.tasks("agent").filter((t) => t.nodeId !== "n1");
  assert.ok(stopped.every((t) => t.status?.state === TaskState.SHUTDOWN), "shut down, not moved");
  await sim.updateNode("n3", (n) => n.status!.state = NodeStatus_State.READY);
  await sim.settle();
  assert.deepEqual(nodesRunning(), ["n1", "n3"], "a node that comes back gets a new task");
});

Deno.test("in a cluster: a node without room keeps its task pending and says why", async () => {
  const sim = await simulateCluster({ nodes: ["n1"] });
  const big = (id: string, mode: number | "global") =>
    testService(id, mode, (s) => {
      s.task!.resources = create(ResourceRequirementsSchema, {
        reservations: { nanoCpus: 3_000_000_000n },
      });
    });
  await sim.createService(big("web", 1));
  await sim.settle();
  await sim.createService(big("agent", "global"));
  await sim.settle();
  const [t] = sim.tasks("agent");
  assert.equal(t?.nodeId, "n1");
  assert.equal(t?.status?.state, TaskState.PENDING);
  assert.equal(t?.status?.err, "no suitable node (insufficient resources on 1 node)");
});
