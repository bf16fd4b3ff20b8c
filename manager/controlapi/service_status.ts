/**
 * The task counts of ListServiceStatuses (what `service ls` shows as REPLICAS), shared by the
 * control server and the client's fake control API.
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { jobIteration } from "../orchestrator/job_iteration.ts";
import { isJobMode } from "../validate/mod.ts";

export interface ServiceTaskCounts {
  readonly desiredTasks: bigint;
  readonly runningTasks: bigint;
  readonly completedTasks: bigint;
}

/**
 * Counts for a service (undefined: an unknown service, all zero). For a job only the tasks of
 * its current iteration count.
 *
 * - running: tasks observed RUNNING that are meant to run (desired state ≤ RUNNING, or
 *   COMPLETE for a job); for a global service, the nodes that have one.
 * - desired: the replica count (replicated); the nodes with a task meant to run (global); for a
 *   replicated job, the tasks it may still start at once (max concurrent, at most the
 *   completions still missing); for a global job, its tasks meant to complete that have not yet.
 * - completed: tasks observed COMPLETE.
 */
export function serviceTaskCounts(
  service: Service | undefined,
  tasks: readonly Task[],
): ServiceTaskCounts {
  if (service === undefined) return { desiredTasks: 0n, runningTasks: 0n, completedTasks: 0n };
  const job = isJobMode(service.spec);
  const iteration = jobIteration(service);
  const counted = job ? tasks.filter((t) => t.jobIteration === iteration) : tasks;
  const meant = counted.filter((t) =>
    t.desiredState <= (job ? TaskState.COMPLETE : TaskState.RUNNING)
  );
  const running = meant.filter((t) => t.status?.state === TaskState.RUNNING);
  const completed = counted.filter((t) => t.status?.state === TaskState.COMPLETE).length;
  const mode = service.spec?.mode;
  const nodes = (list: readonly Task[]) => new Set(list.map((t) => t.nodeId)).size;
  let desired = 0;
  let runningCount = running.length;
  switch (mode?.case) {
    case "replicated":
      desired = mode.value.replicas;
      break;
    case "global":
      desired = nodes(meant);
      runningCount = nodes(running);
      break;
    case "replicatedJob":
      desired = Math.min(
        mode.value.maxConcurrent,
        Math.max(0, mode.value.totalCompletions - completed),
      );
      break;
    case "globalJob":
      desired =
        meant.filter((t) =>
          t.desiredState === TaskState.COMPLETE && t.status?.state !== TaskState.COMPLETE
        ).length;
      break;
  }
  return {
    desiredTasks: BigInt(desired),
    runningTasks: BigInt(runningCount),
    completedTasks: BigInt(completed),
  };
}
