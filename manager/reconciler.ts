/**
 * The leader's reconcile loop: a thin shell that runs the pure decisions in order —
 * orchestrate → allocate → schedule → reap — each against the store as the previous one left it,
 * and commits each decision as store transactions. It runs after store changes (debounced) and
 * on a periodic tick, because restart delays are decisions about time.
 *
 * A write that loses a race (a version conflict) is simply decided again on the next run.
 *
 * @module
 */
import type { Cluster } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { MemoryStore, WriteTx } from "./store/memory_store.ts";
import { allocate } from "./orchestrator/allocator.ts";
import { orchestrate } from "./orchestrator/orchestrate.ts";
import { DEFAULT_TASK_HISTORY_RETENTION, tasksToReap } from "./orchestrator/reaper.ts";
import type { Plan } from "./orchestrator/view.ts";
import { schedule } from "./scheduler/scheduler.ts";

/** Most actions in one transaction, like SwarmKit's store batches. */
export const ACTIONS_PER_TRANSACTION = 200;

export interface ReconcilerOptions {
  readonly store: MemoryStore;
  readonly now: () => Date;
  readonly newId: () => string;
  /** @default 50 */
  readonly debounceMs?: number;
  /** @default 1000 */
  readonly tickMs?: number;
  readonly log?: (message: string) => void;
}

/** The decision stages, pure functions of the store's current state. */
export const STAGES: readonly {
  name: string;
  decide: (store: MemoryStore, now: Date, newId: () => string) => Plan;
}[] = [
  { name: "orchestrator", decide: (store, now, newId) => orchestrate(store, now, newId) },
  { name: "allocator", decide: (store, now) => allocate(store.list("task"), now) },
  {
    name: "scheduler",
    decide: (store, now) => schedule(store.list("node"), store.list("task"), now),
  },
  {
    name: "reaper",
    decide: (store) => ({
      create: [],
      update: [],
      services: [],
      remove: tasksToReap(
        store.list("task"),
        (id) => store.get("service", id),
        retention(store.list("cluster")[0]),
      ),
    }),
  },
];

function retention(cluster: Cluster | undefined): number {
  const limit = cluster?.spec?.orchestration?.taskHistoryRetentionLimit;
  return limit === undefined ? DEFAULT_TASK_HISTORY_RETENTION : Number(limit);
}

/**
 * Commits a plan: each service change in a transaction of its own (a service the user changed
 * meanwhile fails alone, and is decided again), then the task changes in batches.
 */
export async function commitPlan(store: MemoryStore, plan: Plan): Promise<void> {
  let failure: unknown;
  for (const s of plan.services) {
    try {
      await store.update((tx) => tx.update("service", s));
    } catch (e) {
      failure ??= e;
    }
  }
  const actions: ((tx: WriteTx) => void)[] = [
    ...plan.create.map((t) => (tx: WriteTx) => tx.create("task", t)),
    ...plan.update.map((t) => (tx: WriteTx) => tx.update("task", t)),
    ...plan.remove.map((t) => (tx: WriteTx) => tx.remove("task", t)),
  ];
  for (let i = 0; i < actions.length; i += ACTIONS_PER_TRANSACTION) {
    const chunk = actions.slice(i, i + ACTIONS_PER_TRANSACTION);
    await store.update((tx) => chunk.forEach((apply) => apply(tx)));
  }
  if (failure !== undefined) throw failure;
}

export class Reconciler {
  readonly #o: ReconcilerOptions;
  #running = false;
  #again = false;
  #stopped = true;
  #debounce: ReturnType<typeof setTimeout> | undefined;
  #tick: ReturnType<typeof setInterval> | undefined;
  #unwatch: (() => void) | undefined;
  #idle: Promise<void> = Promise.resolve();

  constructor(options: ReconcilerOptions) {
    this.#o = options;
  }

  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#unwatch = this.#o.store.watch(() => this.trigger());
    this.#tick = setInterval(() => this.trigger(), this.#o.tickMs ?? 1000);
    this.trigger();
  }

  /** Resolves once the current run, if any, has finished. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#unwatch?.();
    clearInterval(this.#tick);
    clearTimeout(this.#debounce);
    await this.#idle;
  }

  trigger(): void {
    if (this.#stopped || this.#debounce !== undefined) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      if (this.#running) {
        this.#again = true;
        return;
      }
      this.#idle = this.#run();
    }, this.#o.debounceMs ?? 50);
  }

  async #run(): Promise<void> {
    this.#running = true;
    try {
      do {
        this.#again = false;
        for (const stage of STAGES) {
          if (this.#stopped) return;
          const plan = stage.decide(this.#o.store, this.#o.now(), this.#o.newId);
          try {
            await commitPlan(this.#o.store, plan);
          } catch (e) {
            this.#o.log?.(
              `${stage.name}: ${e instanceof Error ? e.message : e}; will decide again`,
            );
            this.#again = true;
          }
        }
      } while (this.#again && !this.#stopped);
    } finally {
      this.#running = false;
    }
  }
}
