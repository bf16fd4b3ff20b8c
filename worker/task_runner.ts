/**
 * A small async loop that drives one task through a {@linkcode Controller} with the pure step
 * function (SwarmKit's `agent/task.go` taskManager): it reports every status change, reacts to
 * desired-state updates, retries temporary errors after a delay and stops cleanly.
 *
 * Only `wait` is interrupted by an update (it may block forever); `prepare`, `start` and
 * `shutdown` run to completion before the loop looks at the new desired state.
 *
 * @module
 */

import type { Controller } from "./executor.ts";
import {
  applyResult,
  type ControllerStep,
  nextStep,
  sameStatus,
  type StepResult,
} from "./task_step.ts";
import { type ObservedStatus, type TaskState, taskStateName } from "./types.ts";

/** Options of a {@linkcode TaskRunner}. */
export interface TaskRunnerOptions {
  readonly controller: Controller;
  /** The manager's desired state for the task. */
  readonly desiredState: TaskState;
  /** The last known observed status (e.g. restored from the agent's store). */
  readonly status: ObservedStatus;
  /**
   * Called with every new status, in order; the loop waits for it. A thrown error goes to
   * `onError` and does not stop the loop.
   */
  readonly onStatus: (status: ObservedStatus) => void | Promise<void>;
  /** Failures of `onStatus`. @default ignore them */
  readonly onError?: (error: unknown) => void;
  /** Clock for status timestamps. @default {Date.now} */
  readonly now?: () => number;
  /** Delay before repeating a step that failed with a temporary error. @default {1000} */
  readonly retryDelayMs?: number;
}

const INTERRUPTED: unique symbol = Symbol("interrupted");

/** Drives one task; see the module documentation. */
export class TaskRunner {
  readonly #controller: Controller;
  readonly #onStatus: (status: ObservedStatus) => void | Promise<void>;
  readonly #onError: (error: unknown) => void;
  readonly #now: () => number;
  readonly #retryDelayMs: number;
  #desired: TaskState;
  #status: ObservedStatus;
  #generation = 0;
  #waiters = new Set<() => void>();
  #statusWaiters = new Set<() => boolean>();
  #stopping = false;
  #done: Promise<void> | undefined;

  constructor(options: TaskRunnerOptions) {
    this.#controller = options.controller;
    this.#onStatus = options.onStatus;
    this.#onError = options.onError ?? (() => {});
    this.#now = options.now ?? Date.now;
    this.#retryDelayMs = options.retryDelayMs ?? 1000;
    this.#desired = options.desiredState;
    this.#status = options.status;
  }

  /** The current observed status. */
  get status(): ObservedStatus {
    return this.#status;
  }

  /** The current desired state. */
  get desiredState(): TaskState {
    return this.#desired;
  }

  /** Resolves when the loop has ended (after {@linkcode stop}). */
  get done(): Promise<void> {
    return this.#done ?? Promise.resolve();
  }

  /** Starts the loop; calling it again does nothing. */
  start(): void {
    this.#done ??= this.#loop();
  }

  /**
   * Sets a new desired state. A lower one than the current is ignored (the manager only raises
   * it), and the call returns false.
   */
  update(desiredState: TaskState): boolean {
    if (desiredState < this.#desired) return false;
    if (desiredState !== this.#desired) {
      this.#desired = desiredState;
      this.#wake();
    }
    return true;
  }

  /**
   * Stops the loop after the controller call in progress (an outstanding `wait` is abandoned).
   * If the desired state is SHUTDOWN or later and the task has not finished, the loop first makes
   * one shutdown attempt, so `update(TaskState.REMOVE); await stop()` stops the task. Otherwise the
   * task is left as it is (e.g. a process keeps running when only the agent stops).
   */
  stop(): Promise<void> {
    this.#stopping = true;
    this.#wake();
    return this.done;
  }

  /**
   * Resolves with the first status (the current one or a later one) that satisfies `predicate`.
   * With `timeoutMs`, rejects after that long with an error naming the last status.
   */
  until(
    predicate: (status: ObservedStatus) => boolean,
    options: { readonly timeoutMs?: number } = {},
  ): Promise<ObservedStatus> {
    return new Promise((resolve, reject) => {
      let timer: ReturnType<typeof setTimeout> | undefined;
      let settled = false;
      const check = () => {
        if (!predicate(this.#status)) return false;
        settled = true;
        clearTimeout(timer);
        resolve(this.#status);
        return true;
      };
      if (check()) return;
      this.#statusWaiters.add(check);
      if (options.timeoutMs !== undefined) {
        timer = setTimeout(() => {
          this.#statusWaiters.delete(check);
          const s = this.#status;
          reject(
            new Error(
              `Task status condition not met within ${options.timeoutMs} ms: last status ${
                taskStateName(s.state)
              } (${s.message}${s.err === undefined ? "" : `: ${s.err}`})`,
            ),
          );
        }, options.timeoutMs);
        // The first setTimeout of a process may run pending microtasks (Deno lazily loads its
        // Node timers), which can settle this promise before `timer` is assigned.
        if (settled) clearTimeout(timer);
      }
    });
  }

  async #loop(): Promise<void> {
    let finalShutdown = false;
    for (;;) {
      const generation = this.#generation;
      const step = nextStep({ desiredState: this.#desired, status: this.#status });
      if (this.#stopping) {
        // A pending shutdown still gets one attempt, so `update(REMOVE); stop()` stops the task.
        if (step.kind !== "shutdown" || finalShutdown) return;
        finalShutdown = true;
      }
      if (step.kind === "noop") {
        await this.#changed(generation);
        continue;
      }
      if (step.kind === "transition") {
        await this.#publish(applyResult(this.#status, step, { ok: true }, this.#now()));
        continue;
      }
      const result = await this.#perform(step, generation);
      if (result === INTERRUPTED) continue;
      const before = this.#status;
      const next = applyResult(before, step, result, this.#now());
      await this.#publish(next);
      if (!result.ok && next.state === before.state && !this.#stopping) {
        await this.#changed(this.#generation, this.#retryDelayMs); // temporary error: retry later
      }
    }
  }

  async #perform(
    step: ControllerStep,
    generation: number,
  ): Promise<StepResult | typeof INTERRUPTED> {
    const ctl = this.#controller;
    try {
      switch (step.kind) {
        case "prepare":
          await ctl.prepare();
          return { ok: true };
        case "start": {
          await ctl.start();
          const info = await ctl.inspect?.().catch(() => undefined);
          return info?.pid === undefined ? { ok: true } : { ok: true, pid: info.pid };
        }
        case "shutdown":
          await ctl.shutdown();
          return { ok: true };
        case "wait": {
          const exit = ctl.wait().then(
            (exit): StepResult => ({ ok: true, exit }),
            (error: unknown): StepResult => ({ ok: false, error }),
          );
          const change = this.#onChange(generation);
          try {
            return await Promise.race([
              exit,
              change.promise.then((): typeof INTERRUPTED => INTERRUPTED),
            ]);
          } finally {
            change.cancel();
          }
        }
      }
    } catch (error) {
      return { ok: false, error };
    }
  }

  async #publish(next: ObservedStatus): Promise<void> {
    const changed = !sameStatus(next, this.#status);
    this.#status = next;
    if (!changed) return;
    for (const check of [...this.#statusWaiters]) {
      if (check()) this.#statusWaiters.delete(check);
    }
    try {
      await this.#onStatus(next);
    } catch (error) {
      this.#onError(error);
    }
  }

  #wake(): void {
    this.#generation++;
    for (const resolve of this.#waiters) resolve();
    this.#waiters.clear();
  }

  /** Resolves when the generation moves past `generation` (or on stop), or after `timeoutMs`. */
  #changed(generation: number, timeoutMs?: number): Promise<void> {
    return this.#onChange(generation, timeoutMs).promise;
  }

  #onChange(
    generation: number,
    timeoutMs?: number,
  ): { promise: Promise<void>; cancel: () => void } {
    if (this.#generation !== generation || this.#stopping) {
      return { promise: Promise.resolve(), cancel: () => {} };
    }
    const { promise, resolve } = Promise.withResolvers<void>();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let settled = false;
    const done = () => {
      settled = true;
      clearTimeout(timer);
      this.#waiters.delete(done);
      resolve();
    };
    this.#waiters.add(done);
    if (timeoutMs !== undefined) {
      timer = setTimeout(done, timeoutMs);
      if (settled) clearTimeout(timer); // see until()
    }
    return { promise, cancel: done };
  }
}
