/**
 * Slots: the unit the orchestrators keep occupied. A replicated service's slot is a number from 1;
 * a global service has one slot per node. A slot's history is every task it has had; it is
 * occupied while one of them is active (desired state ≤ RUNNING).
 *
 * @module
 */
import type { Service, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { isDirty } from "./restart.ts";
import { isActive } from "./task_states.ts";

/** The tasks of one slot. */
export interface SlotTasks<K> {
  /** The slot number (replicated) or the node ID (global). */
  readonly key: K;
  /** Every task of the slot, oldest first. */
  readonly history: readonly Task[];
  /** The active tasks (desired state ≤ RUNNING), oldest first. */
  readonly active: readonly Task[];
}

/**
 * Groups tasks into slots by `keyOf` (tasks for which it returns undefined are left out), each
 * history sorted oldest first.
 */
export function groupSlots<K>(
  tasks: readonly Task[],
  keyOf: (task: Task) => K | undefined,
): Map<K, SlotTasks<K>> {
  const lists = new Map<K, Task[]>();
  for (const t of tasks) {
    const key = keyOf(t);
    if (key === undefined) continue;
    let list = lists.get(key);
    if (!list) lists.set(key, list = []);
    list.push(t);
  }
  const slots = new Map<K, SlotTasks<K>>();
  for (const [key, list] of lists) {
    const history = [...list].sort(byCreation);
    slots.set(key, { key, history, active: history.filter(isActive) });
  }
  return slots;
}

/**
 * Compares tasks by creation time (the store's clock), then by ID; tasks not yet stored are the
 * newest of all.
 */
export function byCreation(a: Task, b: Task): number {
  const d = createdNanos(a) - createdNanos(b);
  return d < 0n ? -1 : d > 0n ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function createdNanos(t: Task): bigint {
  const ts = t.meta?.createdAt;
  if (!ts) return BigInt(Number.MAX_SAFE_INTEGER) * 1_000_000_000n;
  return ts.seconds * 1_000_000_000n + BigInt(ts.nanos);
}

/** The most recently created of `tasks` (which must not be empty). */
export function newest(tasks: readonly Task[]): Task {
  let best = tasks[0]!;
  for (const t of tasks) if (byCreation(t, best) > 0) best = t;
  return best;
}

/**
 * The task a slot is about: its newest active task with the service's current spec, or else its
 * newest active task. During a start-first replacement the new task is current while the old one
 * keeps running; after a rollback an old task with the restored spec is current again.
 * `active` must not be empty.
 */
export function currentTask(service: Service, active: readonly Task[]): Task {
  const clean = active.filter((t) => !isDirty(service, t));
  return newest(clean.length > 0 ? clean : active);
}
