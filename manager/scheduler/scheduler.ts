/**
 * The scheduler: a pure decision that assigns PENDING tasks to nodes.
 *
 * Pipeline, per task: feasibility (the filters in `filters.ts`, in order) → rank (fewest tasks of
 * the same service, then fewest tasks in total, then node ID for determinism) → select the best.
 * Each placement updates the node's counts and free resources before the next task, so a batch
 * spreads evenly. A task that fits nowhere keeps PENDING and records why in its status `err`.
 *
 * Tasks created with their node already set (global services) come first: the same filters
 * check that node alone, and the task is confirmed there or keeps PENDING with the reason.
 *
 * @module
 */
import type { Node, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { withStatus } from "../orchestrator/task_factory.ts";
import { isActive, observedState } from "../orchestrator/task_states.ts";
import { emptyPlan, type Plan } from "../orchestrator/view.ts";
import { type Constraint, parseConstraint } from "./constraint.ts";
import { explainRefusals, type Filter, type NodeInfo, refusal } from "./filters.ts";

export function schedule(nodes: readonly Node[], tasks: readonly Task[], now: Date): Plan {
  const plan = emptyPlan();
  const infos = buildNodeInfos(nodes, tasks);
  const pending = tasks
    .filter((t) => observedState(t) === TaskState.PENDING && isActive(t))
    .sort((a, b) =>
      a.serviceId.localeCompare(b.serviceId) || a.slot - b.slot ||
      a.nodeId.localeCompare(b.nodeId) || a.id.localeCompare(b.id)
    );
  for (const task of pending.filter((t) => t.nodeId !== "")) {
    const err = confirmPreassigned(task, infos);
    if (err === undefined) {
      plan.update.push(withStatus(task, TaskState.ASSIGNED, PREASSIGNED_MESSAGE, now));
    } else if (task.status?.err !== err) {
      plan.update.push(withStatus(task, TaskState.PENDING, "pending task scheduling", now, err));
    }
  }
  for (const task of pending.filter((t) => t.nodeId === "")) {
    const constraints = parseConstraints(task);
    if (constraints instanceof Error) {
      const message = `invalid placement constraint: ${constraints.message}`;
      if (task.status?.err !== message) {
        plan.update.push(
          withStatus(task, TaskState.PENDING, "pending task scheduling", now, message),
        );
      }
      continue;
    }
    const refusals = new Map<Filter, number>();
    let best: NodeInfo | undefined;
    for (const info of infos) {
      const refused = refusal(info, task, constraints);
      if (refused) {
        refusals.set(refused, (refusals.get(refused) ?? 0) + 1);
      } else if (!best || better(info, best, task.serviceId)) {
        best = info;
      }
    }
    if (!best) {
      const err = infos.length === 0
        ? "no suitable node (no nodes in the cluster)"
        : explainRefusals(refusals);
      if (task.status?.err !== err) {
        plan.update.push(withStatus(task, TaskState.PENDING, "pending task scheduling", now, err));
      }
      continue;
    }
    const assigned = withStatus(task, TaskState.ASSIGNED, "scheduler assigned task to node", now);
    assigned.nodeId = best.node.id;
    plan.update.push(assigned);
    place(best, task);
  }
  return plan;
}

const PREASSIGNED_MESSAGE = "scheduler confirmed task can run on preassigned node";

/** Places a preassigned task on its node, or returns why it cannot run there. */
function confirmPreassigned(task: Task, infos: readonly NodeInfo[]): string | undefined {
  const constraints = parseConstraints(task);
  if (constraints instanceof Error) return `invalid placement constraint: ${constraints.message}`;
  const info = infos.find((i) => i.node.id === task.nodeId);
  if (info === undefined) return "no suitable node (its node is not in the cluster)";
  const refused = refusal(info, task, constraints);
  if (refused !== undefined) return explainRefusals(new Map([[refused, 1]]));
  place(info, task);
  return undefined;
}

function buildNodeInfos(nodes: readonly Node[], tasks: readonly Task[]): NodeInfo[] {
  const infos = new Map<string, NodeInfo>();
  for (const node of nodes) {
    const res = node.description?.resources;
    infos.set(node.id, {
      node,
      tasksByService: new Map(),
      activeTasks: 0,
      availableCpu: res?.nanoCpus ?? 0n,
      availableMemory: res?.memoryBytes ?? 0n,
    });
  }
  for (const t of tasks) {
    const info = infos.get(t.nodeId);
    // A preassigned task counts once the scheduler has confirmed it (ASSIGNED and after).
    const state = observedState(t);
    if (info && isActive(t) && state >= TaskState.ASSIGNED && state < TaskState.COMPLETE) {
      place(info, t);
    }
  }
  return [...infos.values()].sort((a, b) => a.node.id.localeCompare(b.node.id));
}

function place(info: NodeInfo, task: Task): void {
  info.tasksByService.set(task.serviceId, (info.tasksByService.get(task.serviceId) ?? 0) + 1);
  info.activeTasks++;
  const r = task.spec?.resources?.reservations;
  if (r) {
    info.availableCpu -= r.nanoCpus;
    info.availableMemory -= r.memoryBytes;
  }
}

function better(a: NodeInfo, b: NodeInfo, serviceId: string): boolean {
  const sa = a.tasksByService.get(serviceId) ?? 0;
  const sb = b.tasksByService.get(serviceId) ?? 0;
  if (sa !== sb) return sa < sb;
  if (a.activeTasks !== b.activeTasks) return a.activeTasks < b.activeTasks;
  return a.node.id < b.node.id;
}

function parseConstraints(task: Task): Constraint[] | Error {
  try {
    return (task.spec?.placement?.constraints ?? []).map(parseConstraint);
  } catch (e) {
    return e instanceof Error ? e : new Error(String(e));
  }
}
