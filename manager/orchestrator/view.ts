/**
 * What the orchestrators and the scheduler may see: a read-only view of the store. The
 * `MemoryStore` satisfies it; tests can pass any object that does.
 *
 * @module
 */
import type { Cluster, Node, Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";

export interface ClusterView {
  get(kind: "service", id: string): Service | undefined;
  get(kind: "node", id: string): Node | undefined;
  list(kind: "service"): Service[];
  list(kind: "node"): Node[];
  list(kind: "task"): Task[];
  list(kind: "cluster"): Cluster[];
  tasksOfService(serviceId: string): Task[];
  tasksOfNode(nodeId: string): Task[];
}

/** A set of writes decided by a pure function, for the shell to commit. */
export interface Plan {
  readonly create: Task[];
  /** Changed clones of stored tasks (with the version that was read). */
  readonly update: Task[];
  readonly remove: Task[];
  /** Changed clones of stored services (their update status, a rolled-back spec). */
  readonly services: Service[];
}

export function emptyPlan(): Plan {
  return { create: [], update: [], remove: [], services: [] };
}

export function mergePlans(...plans: Plan[]): Plan {
  const out = emptyPlan();
  const updated = new Map<string, Task>();
  for (const p of plans) {
    out.create.push(...p.create);
    out.remove.push(...p.remove);
    out.services.push(...p.services);
    for (const t of p.update) updated.set(t.id, t);
  }
  const removed = new Set(out.remove.map((t) => t.id));
  out.update.push(...[...updated.values()].filter((t) => !removed.has(t.id)));
  return out;
}
