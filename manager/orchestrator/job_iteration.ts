/**
 * A job's iterations. Every UpdateService of a job (replicated-job or global-job) starts a new
 * run: the control API counts `job_status.job_iteration` up from 0 and stamps
 * `job_status.last_execution`, and the orchestrators give each task the iteration it runs in.
 * They look only at the current iteration's tasks and retire older ones
 * ({@link currentIterationTasks}).
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { withDesired } from "./task_factory.ts";
import { hasEnded, isActive } from "./task_states.ts";
import type { Plan } from "./view.ts";

/** The job's current iteration (0 until it is first updated). */
export function jobIteration(service: Service): bigint {
  return service.jobStatus?.jobIteration ?? 0n;
}

/**
 * When the current iteration started, in milliseconds since the epoch: the job status's last
 * execution, else when the service was created; undefined when neither is known.
 */
export function lastExecutionMs(service: Service): number | undefined {
  const ts = service.jobStatus?.lastExecution ?? service.meta?.createdAt;
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : undefined;
}

/**
 * The tasks of the job's current iteration. Older tasks are retired in `plan`: one still under
 * way gets desired state REMOVE (it is stopped, then deleted by the reaper); one that ended and
 * still counts as the job's (desired ≤ COMPLETE) is shut down, so it stays as history until the
 * reaper's retention limit drops it.
 */
export function currentIterationTasks(
  service: Service,
  tasks: readonly Task[],
  plan: Plan,
): Task[] {
  const iteration = jobIteration(service);
  const current: Task[] = [];
  for (const t of tasks) {
    if (t.jobIteration === iteration) {
      current.push(t);
    } else if (!hasEnded(t)) {
      if (t.desiredState < TaskState.REMOVE) plan.update.push(withDesired(t, TaskState.REMOVE));
    } else if (isActive(t)) {
      plan.update.push(withDesired(t, TaskState.SHUTDOWN));
    }
  }
  return current;
}
