/**
 * The replicated-job orchestrator's decision for one service: run tasks to completion, at most
 * `max_concurrent` at a time, until `total_completions` of them have COMPLETED. A pure function
 * of the service, its tasks, the nodes and the time.
 *
 * Only the current iteration's tasks count (`job_iteration.ts`). Each has a slot of its own,
 * numbered from 1; a slot is occupied while it has a task with desired state ≤ COMPLETE, and
 * done once that task has COMPLETED. Tasks are created with desired state COMPLETE, and the
 * shared slot step (`slot_step.ts`) applies to them:
 *
 * - a task that failed (or was rejected, or shut down under it) is replaced as the restart
 *   policy says — for jobs the condition ANY acts as ON_FAILURE — after the restart delay;
 * - a completed task is never restarted;
 * - a task whose node is lost (gone, down or drained) before it ended is replaced at once.
 *
 * A slot is **going** while its task has not ended (a replacement waiting out the restart delay
 * included). New slots, the lowest free numbers, are filled while fewer than `max_concurrent`
 * are going and fewer than `total_completions` are occupied. A task that failed and will not be
 * restarted (restart condition none, or `max_attempts` used up) leaves its slot failed: it no
 * longer holds one of the `max_concurrent`, so the rest of the job runs, but the job ends short
 * of its total.
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { currentIterationTasks, jobIteration } from "./job_iteration.ts";
import { nodeLost, type ReconcileContext } from "./replicated.ts";
import { restartDelayMs } from "./restart.ts";
import { promote, type SlotStepContext, stepSlot } from "./slot_step.ts";
import { groupSlots, type SlotTasks } from "./slots.ts";
import { newTask } from "./task_factory.ts";
import { hasEnded } from "./task_states.ts";
import { emptyPlan, type Plan } from "./view.ts";

export function reconcileReplicatedJob(
  service: Service,
  tasks: readonly Task[],
  ctx: ReconcileContext,
): Plan {
  const plan = emptyPlan();
  if (service.spec?.mode.case !== "replicatedJob") return plan;
  const { maxConcurrent, totalCompletions } = service.spec.mode.value;
  const iteration = jobIteration(service);
  const occupied = new Map<number, SlotTasks<number>>();
  const current = currentIterationTasks(service, tasks, plan);
  for (const [slot, s] of groupSlots(current, (t) => (t.slot > 0 ? t.slot : undefined))) {
    if (s.active.length > 0) occupied.set(slot, s);
  }

  const step = (slot: number): SlotStepContext => ({
    service,
    now: ctx.now,
    plan,
    run: TaskState.COMPLETE,
    newTask: (desiredState) =>
      newTask({
        id: ctx.newId(),
        service,
        slot,
        desiredState,
        now: ctx.now,
        jobIteration: iteration,
      }),
    nodeLost: (id) => nodeLost(ctx.node(id)),
  });

  const delayMs = restartDelayMs(service);
  let going = 0;
  for (const slot of [...occupied.keys()].sort((a, b) => a - b)) {
    const s = occupied.get(slot)!;
    const task = stepSlot(s, step(slot));
    if (task === undefined) {
      going++; // just replaced
      continue;
    }
    if (!hasEnded(task)) going++;
    promote(s, task, delayMs, step(slot));
  }

  let next = 1;
  const start = Math.min(maxConcurrent - going, totalCompletions - occupied.size);
  for (let missing = start; missing > 0; missing--) {
    while (occupied.has(next)) next++;
    plan.create.push(step(next).newTask(TaskState.COMPLETE));
    next++;
  }
  return plan;
}
