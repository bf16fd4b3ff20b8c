/**
 * The global orchestrator's decision for one service: one task per eligible node. A pure
 * function of the service, its tasks, the nodes and the time.
 *
 * Each node is a slot (tasks have slot 0 and are created with their node set). What a node gets
 * depends on its {@link nodeFit}:
 *
 * | fit        | node                                              | its task                       |
 * | ---------- | ------------------------------------------------- | ------------------------------ |
 * | `eligible` | READY, ACTIVE, meets the constraints and the reservations | created, restarted, updated |
 * | `paused`   | availability PAUSE                                | kept and restarted; no new task, no update |
 * | `unready`  | not (yet) READY, not DOWN (unknown, disconnected) | kept and restarted; no new task, no update |
 * | `lost`     | DOWN or DRAIN                                     | shut down                      |
 * | `unfit`    | fails the constraints, lacks the task's executor, or can never hold the reservations | shut down |
 *
 * Tasks of nodes that no longer exist are removed.
 *
 * @module
 */
import type { Node, Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { NodeStatus_State, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { type Constraint, matches, parseConstraint } from "../scheduler/constraint.ts";
import { nodeRunsExecutor } from "../scheduler/executor_fit.ts";
import { restartDelayMs } from "./restart.ts";
import { groupSlots } from "./slots.ts";
import { promote, replaceSlot, type SlotStepContext, stepSlot } from "./slot_step.ts";
import { newTask, withDesired } from "./task_factory.ts";
import { decideUpdate, type UpdateSlot } from "./updater.ts";
import { emptyPlan, type Plan } from "./view.ts";

export interface GlobalContext {
  readonly now: Date;
  readonly newId: () => string;
  /** Every node of the cluster. */
  readonly nodes: readonly Node[];
}

export type NodeFit = "eligible" | "paused" | "unready" | "lost" | "unfit";

/** How a node stands for a global service's task (see the module table). */
export function nodeFit(node: Node, service: Service): NodeFit {
  if (
    node.status?.state === NodeStatus_State.DOWN ||
    node.spec?.availability === NodeSpec_Availability.DRAIN
  ) {
    return "lost";
  }
  const constraints = parseAll(service.spec?.task?.placement?.constraints ?? []);
  if (constraints === undefined || !matches(node, constraints)) return "unfit";
  if (nodeRunsExecutor(node, service.spec?.task) === false) return "unfit";
  const want = service.spec?.task?.resources?.reservations;
  const has = node.description?.resources;
  if (
    want !== undefined &&
    (want.nanoCpus > (has?.nanoCpus ?? 0n) || want.memoryBytes > (has?.memoryBytes ?? 0n))
  ) {
    return "unfit";
  }
  if (node.spec?.availability === NodeSpec_Availability.PAUSE) return "paused";
  if (node.status?.state !== NodeStatus_State.READY) return "unready";
  return "eligible";
}

export function reconcileGlobal(
  service: Service,
  tasks: readonly Task[],
  ctx: GlobalContext,
): Plan {
  const plan = emptyPlan();
  if (service.spec?.mode.case !== "global") return plan;
  const slots = groupSlots(tasks, (t) => t.nodeId);
  const step = (nodeId: string): SlotStepContext => ({
    service,
    now: ctx.now,
    plan,
    newTask: (desiredState) =>
      newTask({ id: ctx.newId(), service, slot: 0, nodeId, desiredState, now: ctx.now }),
    // A lost node's tasks are shut down below, never moved.
    nodeLost: () => false,
  });
  const delayMs = restartDelayMs(service);

  const candidates: UpdateSlot<string>[] = [];
  const nodes = [...ctx.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const node of nodes) {
    const fit = nodeFit(node, service);
    const slot = slots.get(node.id);
    const active = slot?.active ?? [];
    if (fit === "lost" || fit === "unfit") {
      for (const t of active) plan.update.push(withDesired(t, TaskState.SHUTDOWN));
      continue;
    }
    if (slot === undefined || active.length === 0) {
      if (fit === "eligible") plan.create.push(step(node.id).newTask(TaskState.RUNNING));
      continue;
    }
    const current = stepSlot(slot, step(node.id));
    if (fit === "eligible") candidates.push({ ...slot, current });
    else if (current !== undefined) promote(slot, current, delayMs, step(node.id));
  }
  const known = new Set(nodes.map((n) => n.id));
  for (const [nodeId, slot] of slots) {
    if (known.has(nodeId)) continue;
    for (const t of slot.active) plan.update.push(withDesired(t, TaskState.REMOVE));
  }

  const decision = decideUpdate(service, candidates, ctx.now);
  if (decision.service) plan.services.push(decision.service);
  const replace = new Set(decision.replace);
  for (const c of candidates) {
    if (c.current === undefined) continue;
    if (replace.has(c.key)) replaceSlot(c, decision.order, step(c.key));
    else promote(c, c.current, delayMs, step(c.key));
  }
  return plan;
}

function parseAll(exprs: readonly string[]): Constraint[] | undefined {
  try {
    return exprs.map(parseConstraint);
  } catch {
    return undefined; // The control API refuses these; a stored one matches no node.
  }
}
