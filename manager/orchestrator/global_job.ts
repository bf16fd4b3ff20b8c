/**
 * The global-job orchestrator's decision for one service: one task per eligible node, run to
 * completion. A pure function of the service, its tasks, the nodes and the time.
 *
 * Only the current iteration's tasks count (`job_iteration.ts`); each node is a slot (tasks
 * have slot 0 and are created with their node set and desired state COMPLETE). How a node
 * stands is the global orchestrator's {@link nodeFit}:
 *
 * | fit                  | its task this iteration                                            |
 * | -------------------- | ------------------------------------------------------------------ |
 * | `eligible`           | created if it has none (see below); a failed one restarted          |
 * | `paused`, `unready`  | kept and restarted as the restart policy says; none created        |
 * | `lost`, `unfit`      | shut down unless it has completed                                  |
 *
 * A node gets a task only if it existed when the iteration started (`job_status.last_execution`):
 * a node that joins later runs the job from its next iteration on, as in SwarmKit. A failed task
 * is restarted per the restart policy (ANY acts as ON_FAILURE); a completed one never is. Tasks
 * of nodes that no longer exist are removed, unless they completed.
 *
 * @module
 */
import type { Node, Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { type GlobalContext, nodeFit } from "./global.ts";
import { currentIterationTasks, jobIteration, lastExecutionMs } from "./job_iteration.ts";
import { restartDelayMs } from "./restart.ts";
import { promote, type SlotStepContext, stepSlot } from "./slot_step.ts";
import { groupSlots } from "./slots.ts";
import { newTask, withDesired } from "./task_factory.ts";
import { observedState } from "./task_states.ts";
import { emptyPlan, type Plan } from "./view.ts";

export function reconcileGlobalJob(
  service: Service,
  tasks: readonly Task[],
  ctx: GlobalContext,
): Plan {
  const plan = emptyPlan();
  if (service.spec?.mode.case !== "globalJob") return plan;
  const iteration = jobIteration(service);
  const slots = groupSlots(currentIterationTasks(service, tasks, plan), (t) => t.nodeId);
  const startedAt = lastExecutionMs(service);
  const step = (nodeId: string): SlotStepContext => ({
    service,
    now: ctx.now,
    plan,
    run: TaskState.COMPLETE,
    newTask: (desiredState) =>
      newTask({
        id: ctx.newId(),
        service,
        slot: 0,
        nodeId,
        desiredState,
        now: ctx.now,
        jobIteration: iteration,
      }),
    // A lost node's tasks are shut down below, never moved.
    nodeLost: () => false,
  });
  const delayMs = restartDelayMs(service);
  const stop = (t: Task, desired: TaskState) => {
    if (observedState(t) !== TaskState.COMPLETE) plan.update.push(withDesired(t, desired));
  };

  const nodes = [...ctx.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const node of nodes) {
    const fit = nodeFit(node, service);
    const slot = slots.get(node.id);
    const active = slot?.active ?? [];
    if (fit === "lost" || fit === "unfit") {
      for (const t of active) stop(t, TaskState.SHUTDOWN);
      continue;
    }
    if (slot === undefined || active.length === 0) {
      if (fit === "eligible" && existedAt(node, startedAt)) {
        plan.create.push(step(node.id).newTask(TaskState.COMPLETE));
      }
      continue;
    }
    const task = stepSlot(slot, step(node.id));
    if (task !== undefined) promote(slot, task, delayMs, step(node.id));
  }
  const known = new Set(nodes.map((n) => n.id));
  for (const [nodeId, slot] of slots) {
    if (known.has(nodeId)) continue;
    for (const t of slot.active) stop(t, TaskState.REMOVE);
  }
  return plan;
}

/** Whether the node was created no later than `ms` (true when either is unknown). */
function existedAt(node: Node, ms: number | undefined): boolean {
  const created = node.meta?.createdAt;
  if (ms === undefined || created === undefined) return true;
  return Number(created.seconds) * 1000 + Math.floor(created.nanos / 1e6) <= ms;
}
