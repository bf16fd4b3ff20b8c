/**
 * The rolling updater's decision for one service, a pure function of the service, its slots and
 * the time. SwarmKit keeps an updater goroutine per service with timers and a task watch; here
 * every fact the updater needs is in the store, so each reconcile decides afresh:
 *
 * - A slot is **dirty** while its current task has an outdated spec.
 * - The **update task** of a slot is the first task created with the service's current spec
 *   version whose predecessor in the slot was dirty: the replacement the update made. Restarts
 *   of it and tasks of new slots are not update tasks.
 * - An update task is **through** once it first runs (`runningAt`) or ends. Until `delay` after
 *   that its slot keeps a **worker** busy; at most `parallelism` workers are busy (0: no limit),
 *   so slots are replaced in batches with the delay between them.
 * - An update task **fails** when it ends (complete, failed or rejected) before it ran or within
 *   `monitor` after it started running. When failed slots / updated slots exceeds
 *   `max_failure_ratio`, the failure action fires: pause, or roll back (a rollback that fails
 *   pauses instead); with continue, failures are not watched.
 * - The update **completes** once no slot is dirty, every update task is through, and `delay +
 *   monitor` has passed since the last one got through.
 * - A paused update (or rollback) touches nothing until the next UpdateService.
 *
 * @module
 */
import { clone, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Service, ServiceSchema, type Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  TaskState,
  UpdateConfig_FailureAction,
  type UpdateConfig_UpdateOrder,
  UpdateStatus_UpdateState as State,
  UpdateStatusSchema,
  VersionSchema,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import { isDirty } from "./restart.ts";
import { type SlotTasks } from "./slots.ts";
import { hasEnded, observedState, statusTime } from "./task_states.ts";
import { type UpdatePolicy, updatePolicy } from "./update_policy.ts";

/** An occupied slot of the service. */
export interface UpdateSlot<K> extends SlotTasks<K> {
  /**
   * The slot's current task (see `currentTask` in `slots.ts`), or undefined when the slot has
   * just been given a new task (a restart, a move off a lost node): the update counts the slot
   * but leaves it alone for now.
   */
  readonly current: Task | undefined;
}

export interface UpdateDecision<K> {
  /** The slots to replace now, in the order they were given. */
  readonly replace: readonly K[];
  readonly order: UpdateConfig_UpdateOrder;
  /** The service with a new update status (or its spec rolled back), when either changes. */
  readonly service: Service | undefined;
}

/** What the update has done to one slot so far. */
export interface SlotProgress {
  readonly dirty: boolean;
  readonly updateTask: Task | undefined;
  /** Milliseconds since the epoch when the update task got through: first ran, or ended. */
  readonly reachedAt: number | undefined;
  /** Its worker still starts the task or waits out the delay. */
  readonly busy: boolean;
  readonly failed: boolean;
}

const FAILURES: readonly TaskState[] = [TaskState.COMPLETE, TaskState.FAILED, TaskState.REJECTED];

/** The replacement the current update made in a slot, if any. */
export function updateTaskOf(service: Service, history: readonly Task[]): Task | undefined {
  const version = service.specVersion?.index ?? 0n;
  const i = history.findIndex((t) => (t.specVersion?.index ?? 0n) === version);
  const before = i > 0 ? history[i - 1] : undefined;
  return before !== undefined && isDirty(service, before) ? history[i] : undefined;
}

/** When a task first ran, in milliseconds since the epoch. */
export function runningAtMs(task: Task): number | undefined {
  const ts = task.runningAt;
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : undefined;
}

/** Whether `task` ended badly before it ran or within `monitorMs` after it started running. */
export function failedWithinMonitor(task: Task, monitorMs: number): boolean {
  if (!FAILURES.includes(observedState(task))) return false;
  const ran = runningAtMs(task);
  return ran === undefined || statusTime(task) - ran <= monitorMs;
}

export function slotProgress<K>(
  service: Service,
  slot: UpdateSlot<K>,
  policy: UpdatePolicy,
  now: Date,
): SlotProgress {
  const dirty = slot.current !== undefined && isDirty(service, slot.current);
  const updateTask = updateTaskOf(service, slot.history);
  if (updateTask === undefined) {
    return { dirty, updateTask, reachedAt: undefined, busy: false, failed: false };
  }
  const reachedAt = runningAtMs(updateTask) ??
    (hasEnded(updateTask) ? statusTime(updateTask) : undefined);
  return {
    dirty,
    updateTask,
    reachedAt,
    busy: reachedAt === undefined || now.getTime() < reachedAt + policy.delayMs,
    failed: failedWithinMonitor(updateTask, policy.monitorMs),
  };
}

/**
 * Decides which slots to replace now and how the service's update status changes. `slots` come
 * in the order dirty slots should be replaced.
 */
export function decideUpdate<K>(
  service: Service,
  slots: readonly UpdateSlot<K>[],
  now: Date,
): UpdateDecision<K> {
  const policy = updatePolicy(service);
  const nothing: UpdateDecision<K> = { replace: [], order: policy.order, service: undefined };
  const state = service.updateStatus?.state ?? State.UNKNOWN;
  if (state === State.PAUSED || state === State.ROLLBACK_PAUSED) return nothing;

  const progress = slots.map((s) => slotProgress(service, s, policy, now));
  const dirty = slots.filter((_, i) => progress[i]!.dirty);
  let updating = state === State.UPDATING || state === State.ROLLBACK_STARTED;
  let next: Service | undefined;
  if (state === State.UNKNOWN) {
    if (dirty.length === 0) return nothing;
    next = withUpdateStatus(service, State.UPDATING, "update in progress", now, { started: true });
    updating = true;
  }

  if (updating && policy.failureAction !== UpdateConfig_FailureAction.CONTINUE) {
    const failed = progress.filter((p) => p.failed).map((p) => p.updateTask!);
    const updated = progress.filter((p) => p.dirty || p.updateTask !== undefined).length;
    if (failed.length > 0 && failed.length / updated > policy.maxFailureRatio) {
      const last = failed.reduce((a, b) => (statusTime(b) > statusTime(a) ? b : a));
      return { ...nothing, service: onFailure(service, policy, last.id, now) };
    }
  }

  const busy = progress.filter((p) => p.busy).length;
  const budget = policy.parallelism === 0 ? dirty.length : Math.max(0, policy.parallelism - busy);
  const replace = dirty.slice(0, budget).map((s) => s.key);

  if (updating && dirty.length === 0) {
    const reached = progress.filter((p) => p.updateTask !== undefined).map((p) => p.reachedAt);
    if (reached.every((t) => t !== undefined)) {
      const last = Math.max(-Infinity, ...reached);
      if (now.getTime() >= last + policy.delayMs + policy.monitorMs) {
        const rollback = state === State.ROLLBACK_STARTED;
        next = withUpdateStatus(
          service,
          rollback ? State.ROLLBACK_COMPLETED : State.COMPLETED,
          rollback ? "rollback completed" : "update completed",
          now,
          { completed: true },
        );
      }
    }
  }
  return { replace, order: policy.order, service: next };
}

function onFailure(service: Service, policy: UpdatePolicy, taskId: string, now: Date): Service {
  const why = `due to failure or early termination of task ${taskId}`;
  if (service.updateStatus?.state === State.ROLLBACK_STARTED) {
    // A rollback is never rolled back.
    return withUpdateStatus(service, State.ROLLBACK_PAUSED, `rollback paused ${why}`, now);
  }
  if (policy.failureAction !== UpdateConfig_FailureAction.ROLLBACK) {
    return withUpdateStatus(service, State.PAUSED, `update paused ${why}`, now);
  }
  if (service.previousSpec === undefined) {
    return withUpdateStatus(
      service,
      State.PAUSED,
      `update paused ${why}: there is no previous spec to roll back to`,
      now,
    );
  }
  const rolledBack = withUpdateStatus(
    service,
    State.ROLLBACK_STARTED,
    `update rolled back ${why}`,
    now,
    { started: true },
  );
  rolledBack.spec = service.previousSpec;
  // As in SwarmKit, an automatic rollback leaves nothing to roll back to. The spec version still
  // moves forward, so the rollback's tasks are told apart from the ones it replaces.
  rolledBack.previousSpec = undefined;
  rolledBack.previousSpecVersion = undefined;
  rolledBack.specVersion = create(VersionSchema, {
    index: (service.specVersion?.index ?? 0n) + 1n,
  });
  return rolledBack;
}

function withUpdateStatus(
  service: Service,
  state: State,
  message: string,
  now: Date,
  times: { started?: boolean; completed?: boolean } = {},
): Service {
  const s = clone(ServiceSchema, service);
  const old = service.updateStatus;
  const at = timestampFromDate(now);
  const startedAt = times.started ? at : old?.startedAt;
  const completedAt = times.completed ? at : undefined;
  s.updateStatus = create(UpdateStatusSchema, {
    state,
    message,
    ...(startedAt ? { startedAt } : {}),
    ...(completedAt ? { completedAt } : {}),
  });
  return s;
}
