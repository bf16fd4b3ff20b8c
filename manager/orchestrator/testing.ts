/**
 * Test support: a simulated cluster for the orchestrators. A test store, a clock that moves only
 * when told, the reconciler's stages, and agents that obey at once (assigned tasks start when
 * desired RUNNING or, for jobs, COMPLETE; they stop when desired SHUTDOWN), with a hook to make
 * tasks fail or complete instead. Service writes follow the control server's rules
 * (`../controlapi/service_update.ts`). Not for production use.
 *
 * ```ts
 * const sim = await simulateCluster({ nodes: ["n1", "n2"] });
 * await sim.createService(replicatedService("web", 3));
 * await sim.settle();
 * sim.advance(5_000);
 * ```
 *
 * @module
 */
import { clone, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  JobStatusSchema,
  type Node,
  NodeSchema,
  type Service,
  ServiceSchema,
  type Task,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  GlobalJobSchema,
  ProcessSpecSchema,
  ReplicatedJobSchema,
  type ServiceSpec,
} from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeStatus_State,
  RestartPolicy_Condition,
  TaskState,
  TaskStatusSchema,
  VersionSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { UpdateServiceRequest_Rollback } from "../../proto/gen/swarm/v1/control_pb.ts";
import { newTestStore } from "../store/testing.ts";
import { commitPlan, STAGES } from "../reconciler.ts";
import { updatedService } from "../controlapi/service_update.ts";
import { applyTaskStatus } from "../dispatcher/task_status.ts";
import { durationFromMs } from "../duration.ts";

export interface SimulationOptions {
  /** Node IDs (READY, 4 CPUs, 8 GiB each) or whole nodes. @default ["n1", "n2"] */
  readonly nodes?: readonly (string | Node)[];
  /**
   * What a task desired RUNNING (or COMPLETE) becomes when its agent starts it: RUNNING, or at
   * once COMPLETE, FAILED… @default RUNNING
   */
  readonly start?: (task: Task) => TaskState;
}

/** A READY node with 4 CPUs and 8 GiB; `patch` changes it further. */
export function testNode(id: string, patch: (node: Node) => void = () => {}): Node {
  const node = create(NodeSchema, {
    id,
    status: { state: NodeStatus_State.READY },
    description: {
      hostname: id,
      resources: { nanoCpus: 4_000_000_000n, memoryBytes: 8n << 30n },
    },
  });
  patch(node);
  return node;
}

/**
 * A process service "sleep 100" (restart on any exit after 5 s, spec version 1) named after its ID, with
 * `replicas` replicas or one task per node (`"global"`); `patch` changes its spec further.
 */
export function testService(
  id: string,
  mode: number | "global",
  patch: (spec: ServiceSpec) => void = () => {},
): Service {
  const service = create(ServiceSchema, {
    id,
    specVersion: { index: 1n },
    spec: {
      annotations: { name: id },
      task: {
        runtime: { case: "process", value: { command: "sleep", args: ["100"] } },
        restart: { condition: RestartPolicy_Condition.ANY, delay: durationFromMs(5_000) },
      },
      mode: mode === "global"
        ? { case: "global", value: {} }
        : { case: "replicated", value: { replicas: mode } },
    },
  });
  patch(service.spec!);
  return service;
}

/**
 * A process job "true" (restart on failure after 5 s, spec version 1, iteration 0 started at
 * `startedAt`) named after its ID: a replicated job of `totalCompletions`, at most
 * `maxConcurrent` at once, or one task per node (`"global"`); `patch` changes its spec further.
 */
export function testJob(
  id: string,
  mode: { maxConcurrent: number; totalCompletions: number } | "global",
  startedAt = new Date(1_000_000),
  patch: (spec: ServiceSpec) => void = () => {},
): Service {
  const service = testService(id, 1, (spec) => {
    spec.task!.runtime = { case: "process", value: create(ProcessSpecSchema, { command: "true" }) };
    spec.task!.restart!.condition = RestartPolicy_Condition.ON_FAILURE;
    spec.mode = mode === "global"
      ? { case: "globalJob", value: create(GlobalJobSchema) }
      : { case: "replicatedJob", value: create(ReplicatedJobSchema, mode) };
    patch(spec);
  });
  service.jobStatus = create(JobStatusSchema, {
    jobIteration: 0n,
    lastExecution: timestampFromDate(startedAt),
  });
  return service;
}

export async function simulateCluster(o: SimulationOptions = {}) {
  let now = 1_000_000;
  let id = 0;
  const store = newTestStore({ now: () => new Date(now) });
  await store.update((tx) => {
    for (const n of o.nodes ?? ["n1", "n2"]) {
      tx.create("node", typeof n === "string" ? testNode(n) : n);
    }
  });
  const start = o.start ?? (() => TaskState.RUNNING);

  /** One step of every agent; true when a task changed. */
  async function agents(): Promise<boolean> {
    const changes: Task[] = [];
    for (const t of store.list("task")) {
      const state = t.status?.state ?? TaskState.NEW;
      if (state < TaskState.ASSIGNED || state >= TaskState.COMPLETE) continue;
      let next: TaskState | undefined;
      const run = t.desiredState === TaskState.RUNNING || t.desiredState === TaskState.COMPLETE;
      if (t.desiredState > TaskState.COMPLETE) next = TaskState.SHUTDOWN;
      else if (run && state < TaskState.RUNNING) next = start(t);
      else if (t.desiredState === TaskState.READY && state < TaskState.READY) {
        next = TaskState.READY;
      }
      const changed = next === undefined ? undefined : withState(t, next, now);
      if (changed) changes.push(changed);
    }
    if (changes.length) await store.update((tx) => changes.forEach((c) => tx.update("task", c)));
    return changes.length > 0;
  }

  const sim = {
    store,
    now: () => new Date(now),
    advance(ms: number) {
      now += ms;
    },
    /** Runs every stage and the agents until nothing changes. */
    async settle(): Promise<void> {
      for (let round = 0; round < 100; round++) {
        let changed = false;
        for (const stage of STAGES) {
          const plan = stage.decide(
            store,
            new Date(now),
            () => `t${String(++id).padStart(4, "0")}`,
          );
          const size = plan.create.length + plan.update.length + plan.remove.length +
            plan.services.length;
          if (size > 0) changed = true;
          await commitPlan(store, plan);
        }
        changed = (await agents()) || changed;
        if (!changed) return;
      }
      throw new Error("the cluster did not settle");
    },
    /** Settles, then advances the clock by `stepMs` and settles again, `times` times. */
    async run(times: number, stepMs: number): Promise<void> {
      await sim.settle();
      for (let i = 0; i < times; i++) {
        now += stepMs;
        await sim.settle();
      }
    },
    createService: (service: Service) => store.update((tx) => tx.create("service", service)),
    service: (serviceId: string) => store.get("service", serviceId)!,
    /** UpdateService as the control server does it: a change (or a rollback) of the spec. */
    async updateService(
      serviceId: string,
      change: ((spec: ServiceSpec) => void) | "rollback",
    ): Promise<void> {
      const current = store.get("service", serviceId)!;
      const spec = clone(ServiceSchema, current).spec!;
      if (change !== "rollback") change(spec);
      const rollback = change === "rollback"
        ? UpdateServiceRequest_Rollback.PREVIOUS
        : UpdateServiceRequest_Rollback.NONE;
      const updated = updatedService(current, { spec, rollback }, new Date(now));
      updated.specVersion = create(VersionSchema, {
        index: (current.specVersion?.index ?? 0n) + 1n,
      });
      await store.update((tx) => tx.update("service", updated));
    },
    tasks: (serviceId: string) => store.tasksOfService(serviceId),
    /** The service's tasks observed RUNNING that are meant to run (or, a job's, to complete). */
    running: (serviceId: string) =>
      store.tasksOfService(serviceId).filter((t) =>
        t.status?.state === TaskState.RUNNING && t.desiredState <= TaskState.COMPLETE
      ),
    /** Sets a task's observed state, as its agent would report it. */
    async setState(task: Task, state: TaskState): Promise<void> {
      const t = withState(store.get("task", task.id)!, state, now);
      if (t) await store.update((tx) => tx.update("task", t));
    },
    async updateNode(nodeId: string, change: (node: Node) => void): Promise<void> {
      const node = clone(NodeSchema, store.get("node", nodeId)!);
      change(node);
      await store.update((tx) => tx.update("node", node));
    },
    addNode: (node: Node) => store.update((tx) => tx.create("node", node)),
  };
  return sim;
}

/** The simulated cluster of {@link simulateCluster}. */
export type Simulation = Awaited<ReturnType<typeof simulateCluster>>;

/** A task's observed state changed at `now`, applied as the dispatcher applies it (undefined
 * when that changes nothing). */
function withState(task: Task, state: TaskState, now: number): Task | undefined {
  const status = create(TaskStatusSchema, {
    state,
    message: TaskState[state]?.toLowerCase() ?? "",
    timestamp: timestampFromDate(new Date(now)),
  });
  return applyTaskStatus(task, status, "sim", new Date(now));
}

/** The argument list of a process task ("sleep 100" → ["100"]). */
export function argsOf(task: Task): readonly string[] {
  return task.spec?.runtime.case === "process" ? task.spec.runtime.value.args : [];
}
