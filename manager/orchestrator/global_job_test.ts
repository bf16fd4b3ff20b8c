/** The global-job orchestrator's decisions as tables: nodes × tasks → plan (through a cluster
 * in `job_runs_test.ts`). */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  type Node,
  type Service,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  MetaSchema,
  NodeRole,
  NodeStatus_State,
  PlacementSchema,
  TaskState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { reconcileGlobalJob } from "./global_job.ts";
import { testJob, testNode, testService } from "./testing.ts";

const NOW = new Date("2024-05-01T00:00:00Z");
const S = 1000;
/** When the job's current iteration started. */
const STARTED = new Date(NOW.getTime() - 60 * S);

/** "job": a global job for workers, in iteration `iteration`. */
function job(iteration = 0n): Service {
  const svc = testJob("job", "global", STARTED, (s) => {
    s.task!.placement = create(PlacementSchema, { constraints: ["node.role==worker"] });
  });
  svc.jobStatus!.jobIteration = iteration;
  return svc;
}

const meta = (createdMs: number) =>
  create(MetaSchema, { createdAt: timestampFromDate(new Date(createdMs)) });

const NODES: Record<string, (n: Node) => void> = {
  ready: () => {},
  down: (n) => n.status!.state = NodeStatus_State.DOWN,
  unknown: (n) => n.status!.state = NodeStatus_State.UNKNOWN,
  drained: (n) => n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.DRAIN }),
  paused: (n) => n.spec = create(NodeSpecSchema, { availability: NodeSpec_Availability.PAUSE }),
  manager: (n) => n.role = NodeRole.MANAGER,
  late: (n) => n.meta = meta(STARTED.getTime() + S),
};

/** A node of `kind`, created before the job started (unless "late"). */
function node(kind: string): Node {
  return testNode(kind, (n) => {
    n.meta = meta(STARTED.getTime() - S);
    NODES[kind]!(n);
  });
}

let seq = 0;
function task(nodeId: string, state: TaskState, o: { iteration?: bigint } = {}): Task {
  return create(TaskSchema, {
    id: `t${++seq}`,
    serviceId: "job",
    nodeId,
    jobIteration: o.iteration ?? 0n,
    meta: { createdAt: timestampFromDate(new Date(NOW.getTime() - 50 * S)) },
    specVersion: { index: 1n },
    spec: job().spec!.task!,
    desiredState: TaskState.COMPLETE,
    status: { state, timestamp: timestampFromDate(new Date(NOW.getTime() - 40 * S)) },
  });
}

function plan(nodes: Node[], tasks: Task[], svc = job()) {
  let id = 0;
  return reconcileGlobalJob(svc, tasks, { now: NOW, newId: () => `new${++id}`, nodes });
}

const desired = (p: ReturnType<typeof plan>) =>
  p.update.map((t) => `${t.nodeId}:${TaskState[t.desiredState]}`);

Deno.test("a node without a task gets one, meant to complete, only when eligible and there when the job started", () => {
  for (const kind of Object.keys(NODES)) {
    const p = plan([node(kind)], [], job(2n));
    const want = kind === "ready" ? 1 : 0;
    assert.equal(p.create.length, want, kind);
    if (want) {
      const t = p.create[0]!;
      assert.deepEqual(
        [t.nodeId, t.slot, TaskState[t.desiredState], t.jobIteration, t.annotations?.name],
        ["ready", 0, "COMPLETE", 2n, "job.ready"],
      );
    }
  }
});

Deno.test("a node's task this iteration: kept, restarted, or shut down as the node stands", () => {
  const { RUNNING: R, COMPLETE: C, FAILED: F } = TaskState;
  const table: [string, TaskState, string[], string[]][] = [
    // node, task state → updates, created (desired state)
    ["ready", R, [], []],
    ["ready", C, [], []],
    ["ready", F, ["ready:SHUTDOWN"], ["READY"]],
    ["paused", F, ["paused:SHUTDOWN"], ["READY"]],
    ["unknown", R, [], []],
    ["down", R, ["down:SHUTDOWN"], []],
    ["drained", F, ["drained:SHUTDOWN"], []],
    ["manager", R, ["manager:SHUTDOWN"], []],
    ["down", C, [], []],
    ["drained", C, [], []],
  ];
  for (const [kind, state, updates, creates] of table) {
    const p = plan([node(kind)], [task(kind, state)]);
    const name = `${kind} ${TaskState[state]}`;
    assert.deepEqual(desired(p), updates, name);
    assert.deepEqual(p.create.map((t) => TaskState[t.desiredState]), creates, name);
  }
});

Deno.test("a node that left: its unfinished task is removed, a completed one kept", () => {
  const p = plan([node("ready")], [
    task("gone", TaskState.RUNNING),
    task("done", TaskState.COMPLETE),
    task("ready", TaskState.COMPLETE),
  ]);
  assert.deepEqual(desired(p), ["gone:REMOVE"]);
  assert.deepEqual(p.create, []);
});

Deno.test("a new iteration retires the old tasks and runs on every node again, late ones too", () => {
  const old = [task("ready", TaskState.COMPLETE), task("late", TaskState.RUNNING)];
  const rerun = testJob(
    "job",
    "global",
    NOW,
    (s) => s.task!.placement = job().spec!.task!.placement,
  );
  rerun.jobStatus!.jobIteration = 1n;
  const p = plan([node("ready"), node("late")], old, rerun);
  assert.deepEqual(desired(p), ["ready:SHUTDOWN", "late:REMOVE"]);
  assert.deepEqual(p.create.map((t) => [t.nodeId, t.jobIteration]), [["late", 1n], ["ready", 1n]]);
});

Deno.test("other modes are not the global-job orchestrator's", () => {
  assert.deepEqual(plan([node("ready")], [], testService("agent", "global")).create, []);
});
