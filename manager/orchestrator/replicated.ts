/**
 * The replicated orchestrator's decision for one service: keep `replicas` slots occupied,
 * replace tasks that ended (per the restart policy) or whose node went away, replace tasks whose
 * spec is out of date (a rolling replace, `update.parallelism` slots at a time), and free slots
 * on scale-down. A pure function of the view and the time.
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
import { hasEnded, isActive, observedState } from "./task_states.ts";
import { isDirty, mayStart, restartDelayMs, shouldRestart } from "./restart.ts";
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
  const slots = groupBySlot(tasks);
  const occupied = new Map<number, Task[]>(); // slot → its active tasks
  for (const [slot, history] of slots) {
    const active = history.filter(isActive);
    if (active.length > 0) occupied.set(slot, active);
  }

  // Scale down: free the slots that matter least.
  if (occupied.size > replicas) {
    for (const slot of slotsToFree(occupied, occupied.size - replicas)) {
      for (const t of occupied.get(slot) ?? []) plan.update.push(withDesired(t, TaskState.REMOVE));
      occupied.delete(slot);
    }
  }

  // Scale up: fill the lowest free slot numbers.
  let next = 1;
  for (let missing = replicas - occupied.size; missing > 0; missing--) {
    while (occupied.has(next)) next++;
    const task = newTask({
      id: ctx.newId(),
      service,
      slot: next,
      desiredState: TaskState.RUNNING,
      now: ctx.now,
    });
    plan.create.push(task);
    occupied.set(next, [task]);
  }

  const delayMs = restartDelayMs(service);
  let updateBudget = updateParallelism(service, occupied);
  for (const [slot, active] of occupied) {
    const history = slots.get(slot) ?? [];
    const current = newest(active);
    for (const t of active) {
      if (t !== current) plan.update.push(withDesired(t, TaskState.SHUTDOWN));
    }
    if (plan.create.includes(current)) continue;
    const replace = (desired: TaskState) => {
      plan.update.push(withDesired(current, TaskState.SHUTDOWN));
      plan.create.push(
        newTask({ id: ctx.newId(), service, slot, desiredState: desired, now: ctx.now }),
      );
    };
    if (hasEnded(current)) {
      if (
        current.desiredState === TaskState.RUNNING &&
        shouldRestart(service, current, history, ctx.now)
      ) {
        replace(TaskState.READY);
      }
      continue;
    }
    if (current.nodeId !== "" && nodeLost(ctx.node(current.nodeId))) {
      replace(TaskState.RUNNING);
      continue;
    }
    if (isDirty(service, current) && updateBudget > 0) {
      updateBudget--;
      replace(TaskState.READY);
      continue;
    }
    if (
      current.desiredState === TaskState.READY &&
      mayStart(current, history, ctx.now, delayFor(current, history, delayMs))
    ) {
      plan.update.push(withDesired(current, TaskState.RUNNING));
    }
  }
  return plan;
}

/** A replacement waits the restart delay after a task that ended by itself, not after one
 * that was shut down on purpose (an update). */
function delayFor(waiting: Task, history: readonly Task[], delayMs: number): number {
  const others = history.filter((t) => t.id !== waiting.id);
  if (others.length === 0) return 0;
  const state = observedState(newest(others));
  return state >= TaskState.COMPLETE && state !== TaskState.SHUTDOWN ? delayMs : 0;
}

/** How many more slots may start an update now: parallelism minus updates in flight. */
function updateParallelism(service: Service, occupied: Map<number, Task[]>): number {
  const parallelism = service.spec?.update?.parallelism ?? 1;
  if (parallelism === 0) return Number.MAX_SAFE_INTEGER;
  let inFlight = 0;
  for (const active of occupied.values()) {
    const t = newest(active);
    if (t && !isDirty(service, t) && observedState(t) < TaskState.RUNNING) inFlight++;
  }
  return Math.max(0, parallelism - inFlight);
}

function groupBySlot(tasks: readonly Task[]): Map<number, Task[]> {
  const slots = new Map<number, Task[]>();
  for (const t of tasks) {
    if (t.slot === 0) continue;
    let list = slots.get(t.slot);
    if (!list) slots.set(t.slot, list = []);
    list.push(t);
  }
  return slots;
}

function newest(tasks: readonly Task[]): Task {
  let best = tasks[0]!;
  for (const t of tasks) {
    if (createdOrder(t) > createdOrder(best)) best = t;
  }
  return best;
}

function createdOrder(t: Task): bigint {
  // Tasks not yet stored (no version) are the newest of all.
  return t.meta?.version?.index ?? BigInt(Number.MAX_SAFE_INTEGER);
}

/** Prefer slots whose task is not running, then nodes with the most copies, then high slots. */
function slotsToFree(occupied: Map<number, Task[]>, count: number): number[] {
  const perNode = new Map<string, number>();
  for (const active of occupied.values()) {
    const node = newest(active).nodeId;
    perNode.set(node, (perNode.get(node) ?? 0) + 1);
  }
  const ranked = [...occupied.entries()].map(([slot, active]) => {
    const t = newest(active);
    return {
      slot,
      running: observedState(t) === TaskState.RUNNING ? 1 : 0,
      copies: perNode.get(t.nodeId) ?? 0,
    };
  });
  ranked.sort((a, b) => a.running - b.running || b.copies - a.copies || b.slot - a.slot);
  return ranked.slice(0, count).map((r) => r.slot);
}
