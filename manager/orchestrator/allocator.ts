/**
 * The allocator's step: NEW tasks become PENDING (ready for the scheduler). Networks are not
 * allocated yet, so there is nothing else to wait for. A task stopped before it was ever assigned
 * goes straight to SHUTDOWN.
 *
 * @module
 */
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { withStatus } from "./task_factory.ts";
import { isActive, observedState } from "./task_states.ts";
import { emptyPlan, type Plan } from "./view.ts";

export function allocate(tasks: readonly Task[], now: Date): Plan {
  const plan = emptyPlan();
  for (const t of tasks) {
    const state = observedState(t);
    if (state >= TaskState.ASSIGNED) continue;
    if (!isActive(t)) {
      plan.update.push(withStatus(t, TaskState.SHUTDOWN, "shut down before it was assigned", now));
    } else if (state === TaskState.NEW) {
      plan.update.push(withStatus(t, TaskState.PENDING, "pending task scheduling", now));
    }
  }
  return plan;
}
