/**
 * The replicated orchestrator's decision for one service: keep `replicas` slots occupied,
 * replace tasks that ended (per the restart policy) or whose node went away, roll outdated tasks
 * to the current spec as the update config says (`updater.ts`), and free slots on scale-down.
 * A pure function of the service, its tasks, the nodes and the time.
 *
 * Slots are numbered from 1. A slot is occupied while any of its tasks has desired state
 * ≤ RUNNING.
 *
 * @module
 */
import type { Node, Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { NodeStatus_State, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { newTask, withDesired } from "./task_factory.ts";
import { observedState } from "./task_states.ts";
import { restartDelayMs } from "./restart.ts";
import { currentTask, groupSlots, type SlotTasks } from "./slots.ts";
import { promote, replaceSlot, type SlotStepContext, stepSlot } from "./slot_step.ts";
import { decideUpdate, type UpdateSlot } from "./updater.ts";
import { emptyPlan, type Plan } from "./view.ts";

export interface ReconcileContext {
  readonly now: Date;
  readonly newId: () => string;
  readonly node: (id: string) => Node | undefined;
}

/** Tasks on a node that is gone, down or drained must move. */
export function nodeLost(node: Node | undefined): boolean {
  if (!node) return true;
  return node.status?.state === NodeStatus_State.DOWN ||
    node.spec?.availability === NodeSpec_Availability.DRAIN;
}

export function reconcileReplicated(
  service: Service,
  tasks: readonly Task[],
  ctx: ReconcileContext,
): Plan {
  const plan = emptyPlan();
  if (service.spec?.mode.case !== "replicated") return plan;
  const replicas = service.spec.mode.value.replicas;
  const occupied = new Map<number, SlotTasks<number>>();
  for (const [slot, s] of groupSlots(tasks, (t) => (t.slot > 0 ? t.slot : undefined))) {
    if (s.active.length > 0) occupied.set(slot, s);
  }

  // Scale down: free the slots that matter least.
  if (occupied.size > replicas) {
    for (const slot of slotsToFree(service, occupied, occupied.size - replicas)) {
      for (const t of occupied.get(slot)?.active ?? []) {
        plan.update.push(withDesired(t, TaskState.REMOVE));
      }
      occupied.delete(slot);
    }
  }

  const step = (slot: number): SlotStepContext => ({
    service,
    now: ctx.now,
    plan,
    newTask: (desiredState) =>
      newTask({ id: ctx.newId(), service, slot, desiredState, now: ctx.now }),
    nodeLost: (id) => nodeLost(ctx.node(id)),
  });

  // Scale up: fill the lowest free slot numbers.
  let next = 1;
  for (let missing = replicas - occupied.size; missing > 0; missing--) {
    while (occupied.has(next)) next++;
    plan.create.push(step(next).newTask(TaskState.RUNNING));
    next++;
  }

  const candidates: UpdateSlot<number>[] = [];
  for (const slot of [...occupied.keys()].sort((a, b) => a - b)) {
    const s = occupied.get(slot)!;
    candidates.push({ ...s, current: stepSlot(s, step(slot)) });
  }
  const decision = decideUpdate(service, candidates, ctx.now);
  if (decision.service) plan.services.push(decision.service);
  const replace = new Set(decision.replace);
  const delayMs = restartDelayMs(service);
  for (const c of candidates) {
    if (c.current === undefined) continue;
    if (replace.has(c.key)) replaceSlot(c, decision.order, step(c.key));
    else promote(c, c.current, delayMs, step(c.key));
  }
  return plan;
}

/** Prefer slots whose task is not running, then nodes with the most copies, then high slots. */
function slotsToFree(
  service: Service,
  occupied: Map<number, SlotTasks<number>>,
  count: number,
): number[] {
  const current = new Map(
    [...occupied].map(([slot, s]) => [slot, currentTask(service, s.active)] as const),
  );
  const perNode = new Map<string, number>();
  for (const t of current.values()) perNode.set(t.nodeId, (perNode.get(t.nodeId) ?? 0) + 1);
  const ranked = [...current].map(([slot, t]) => ({
    slot,
    running: observedState(t) === TaskState.RUNNING ? 1 : 0,
    copies: perNode.get(t.nodeId) ?? 0,
  }));
  ranked.sort((a, b) => a.running - b.running || b.copies - a.copies || b.slot - a.slot);
  return ranked.slice(0, count).map((r) => r.slot);
}
