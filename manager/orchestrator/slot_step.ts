/**
 * What the orchestrators (replicated, global and the jobs) decide for one occupied slot:
 *
 * 1. {@link stepSlot}: older active tasks hand over to the current one (they are shut down once it
 *    runs, or at once when they have ended or their node is lost — a start-first replacement
 *    leaves the old task running until then); a current task that ended is replaced as the
 *    restart policy says; one on a lost node is replaced at once.
 * 2. The updater (`updater.ts`) may then replace the slot: {@link replaceSlot}.
 * 3. Otherwise {@link promote}: a replacement waiting in READY may run once the restart delay
 *    has passed and its predecessor has stopped.
 *
 * A task "meant to run" has the desired state RUNNING, or COMPLETE for a job's task
 * ({@link SlotStepContext.run}).
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState, UpdateConfig_UpdateOrder } from "../../proto/gen/swarm/v1/types_pb.ts";
import { mayStart, shouldRestart } from "./restart.ts";
import { currentTask, newest, type SlotTasks } from "./slots.ts";
import { withDesired } from "./task_factory.ts";
import { hasEnded, observedState } from "./task_states.ts";
import type { Plan } from "./view.ts";

export interface SlotStepContext {
  readonly service: Service;
  readonly now: Date;
  readonly plan: Plan;
  /** The slot's next task, with this desired state (the caller's ID, slot and node). */
  readonly newTask: (desired: TaskState) => Task;
  /** Whether a task on this node must move (the node is gone, down or drained). */
  readonly nodeLost: (nodeId: string) => boolean;
  /**
   * The desired state of a task meant to run: RUNNING for services, COMPLETE for jobs (their
   * tasks run to completion).
   * @default TaskState.RUNNING
   */
  readonly run?: TaskState;
}

/**
 * Hand-over, restart and node loss for an occupied slot. Returns the slot's current task when
 * the slot stays as it is (the updater may replace it), or undefined when it was just replaced.
 */
export function stepSlot<K>(slot: SlotTasks<K>, ctx: SlotStepContext): Task | undefined {
  const { plan, service } = ctx;
  const current = currentTask(service, slot.active);
  const handedOver = observedState(current) === TaskState.RUNNING;
  for (const t of slot.active) {
    if (t === current) continue;
    if (handedOver || hasEnded(t) || (t.nodeId !== "" && ctx.nodeLost(t.nodeId))) {
      plan.update.push(withDesired(t, TaskState.SHUTDOWN));
    }
  }
  const replace = (desired: TaskState) => {
    plan.update.push(withDesired(current, TaskState.SHUTDOWN));
    plan.create.push(ctx.newTask(desired));
  };
  const run = ctx.run ?? TaskState.RUNNING;
  if (hasEnded(current)) {
    if (current.desiredState === run && shouldRestart(service, current, slot.history, ctx.now)) {
      replace(TaskState.READY);
      return undefined;
    }
    return current;
  }
  if (current.nodeId !== "" && ctx.nodeLost(current.nodeId)) {
    replace(run);
    return undefined;
  }
  return current;
}

/**
 * Replaces a slot's tasks for an update. Stop-first shuts every active task down and creates
 * the replacement in READY (it runs once they have stopped); start-first creates it to run at
 * once and keeps the running tasks until it runs (tasks not running are shut down now).
 */
export function replaceSlot<K>(
  slot: SlotTasks<K>,
  order: UpdateConfig_UpdateOrder,
  ctx: SlotStepContext,
): void {
  const startFirst = order === UpdateConfig_UpdateOrder.START_FIRST;
  for (const t of slot.active) {
    if (startFirst && observedState(t) === TaskState.RUNNING) continue;
    ctx.plan.update.push(withDesired(t, TaskState.SHUTDOWN));
  }
  ctx.plan.create.push(ctx.newTask(startFirst ? TaskState.RUNNING : TaskState.READY));
}

/** Lets the slot's current task run when it waits in READY and may start now. */
export function promote<K>(
  slot: SlotTasks<K>,
  current: Task,
  restartDelayMs: number,
  ctx: SlotStepContext,
): void {
  if (current.desiredState !== TaskState.READY) return;
  const delayMs = delayFor(current, slot.history, restartDelayMs);
  if (mayStart(current, slot.history, ctx.now, delayMs)) {
    ctx.plan.update.push(withDesired(current, ctx.run ?? TaskState.RUNNING));
  }
}

/** A replacement waits the restart delay after a task that ended by itself, not after one
 * that was shut down on purpose (an update). */
function delayFor(waiting: Task, history: readonly Task[], delayMs: number): number {
  const others = history.filter((t) => t.id !== waiting.id);
  if (others.length === 0) return 0;
  const state = observedState(newest(others));
  return state >= TaskState.COMPLETE && state !== TaskState.SHUTDOWN ? delayMs : 0;
}
