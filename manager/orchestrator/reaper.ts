/**
 * The task reaper's decision: which tasks to delete.
 *
 * - A task with desired state REMOVE once it has ended or was never assigned.
 * - Terminal tasks beyond the retention limit of their slot, oldest first (default 5; with a
 *   restart `max_attempts` the limit is at least max_attempts + 1, so the history the restart
 *   policy counts is kept). A negative limit keeps everything.
 * - Ended tasks whose service no longer exists.
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { hasEnded, isActive, observedState, statusTime } from "./task_states.ts";

export const DEFAULT_TASK_HISTORY_RETENTION = 5;

export function tasksToReap(
  tasks: readonly Task[],
  service: (id: string) => Service | undefined,
  retentionLimit: number,
): Task[] {
  const reap = new Map<string, Task>();
  const history = new Map<string, Task[]>();
  for (const t of tasks) {
    const svc = service(t.serviceId);
    const unassigned = t.nodeId === "" || observedState(t) < TaskState.ASSIGNED;
    if (t.desiredState === TaskState.REMOVE && (hasEnded(t) || unassigned)) {
      reap.set(t.id, t);
    } else if (!svc && (hasEnded(t) || unassigned)) {
      reap.set(t.id, t);
    } else if (svc && !isActive(t) && hasEnded(t)) {
      const key = `${t.serviceId}/${t.slot === 0 ? t.nodeId : t.slot}`;
      let list = history.get(key);
      if (!list) history.set(key, list = []);
      list.push(t);
    }
  }
  if (retentionLimit >= 0) {
    for (const list of history.values()) {
      const svc = service(list[0]!.serviceId);
      const attempts = svc?.spec?.task?.restart?.maxAttempts ?? 0;
      const limit = Math.max(retentionLimit, attempts > 0 ? attempts + 1 : 0);
      if (list.length <= limit) continue;
      list.sort((a, b) => statusTime(a) - statusTime(b));
      for (const t of list.slice(0, list.length - limit)) reap.set(t.id, t);
    }
  }
  return [...reap.values()];
}
