/**
 * The task counts of ListServiceStatuses (what `service ls` shows as REPLICAS), shared by the
 * control server and the client's fake control API.
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";

export interface ServiceTaskCounts {
  readonly desiredTasks: bigint;
  readonly runningTasks: bigint;
  readonly completedTasks: bigint;
}

/**
 * Counts for a service (undefined: an unknown service, all zero).
 *
 * - running: tasks observed RUNNING that are meant to run (desired state ≤ RUNNING); for a
 *   global service, the nodes that have one.
 * - desired: the replica count (replicated); the nodes with a task meant to run (global); for a
 *   replicated job, the tasks it may still start at once; for a global job, its tasks meant to
 *   run.
 * - completed: tasks observed COMPLETE.
 */
export function serviceTaskCounts(
  service: Service | undefined,
  tasks: readonly Task[],
): ServiceTaskCounts {
  const meant = tasks.filter((t) => t.desiredState <= TaskState.RUNNING);
  const running = meant.filter((t) => t.status?.state === TaskState.RUNNING);
  const completed = tasks.filter((t) => t.status?.state === TaskState.COMPLETE).length;
  const mode = service?.spec?.mode;
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
      desired = tasks.filter((t) => t.desiredState === TaskState.RUNNING).length;
      break;
  }
  return {
    desiredTasks: BigInt(service === undefined ? 0 : desired),
    runningTasks: BigInt(service === undefined ? 0 : runningCount),
    completedTasks: BigInt(service === undefined ? 0 : completed),
  };
}
