/**
 * Timers for the fake executor: the real clock by default, or a {@linkcode ManualClock} that tests
 * advance by hand.
 *
 * @module
 */

/** Opaque timer handle. */
export type TimerId = number;

/** The timer functions the fake executor uses. */
export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): TimerId;
  clearTimeout(id: TimerId): void;
}

/** The real clock (`Date.now` and the global timers). */
export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms) as unknown as TimerId,
  clearTimeout: (id) => clearTimeout(id),
};

interface Timer {
  readonly id: TimerId;
  readonly at: number;
  readonly callback: () => void;
}

/** A clock that only moves when {@linkcode ManualClock.advance} is called. */
export class ManualClock implements Clock {
  #now: number;
  #nextId = 1;
  #timers: Timer[] = [];

  /** @param start the initial time in ms. @default {0} */
  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(callback: () => void, ms: number): TimerId {
    const id = this.#nextId++;
    this.#timers.push({ id, at: this.#now + Math.max(0, ms), callback });
    return id;
  }

  clearTimeout(id: TimerId): void {
    this.#timers = this.#timers.filter((t) => t.id !== id);
  }

  /** Number of timers not yet fired. */
  get pending(): number {
    return this.#timers.length;
  }

  /**
   * Moves time forward by `ms`, firing due timers in time order (ties in creation order), each at
   * its own time; timers they schedule fire too if due.
   */
  advance(ms: number): void {
    if (ms < 0) throw new RangeError(`Cannot move a clock backwards: ${ms} ms`);
    const end = this.#now + ms;
    for (;;) {
      const due = this.#timers
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.#timers = this.#timers.filter((t) => t !== due);
      this.#now = due.at;
      due.callback();
    }
    this.#now = end;
  }
}
