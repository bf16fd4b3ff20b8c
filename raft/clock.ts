/**
 * Time for the Raft shell: the real clock in production, a manual one in tests so that ticks,
 * timeouts and elections happen exactly when a test says so.
 *
 * @module
 */

/** A scheduled callback that can be cancelled. */
export interface ClockTimer {
  cancel(): void;
}

/** What the shell needs from time. */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  /** Runs `fn` once after `ms`. */
  setTimeout(fn: () => void, ms: number): ClockTimer;
  /** Runs `fn` every `ms` until cancelled. */
  setInterval(fn: () => void, ms: number): ClockTimer;
}

/** The real clock: `performance.now()` and the runtime's timers. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout(fn, ms) {
    const id = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(id) };
  },
  setInterval(fn, ms) {
    const id = setInterval(fn, ms);
    return { cancel: () => clearInterval(id) };
  },
};

interface Scheduled {
  readonly id: number;
  at: number;
  readonly every: number | undefined;
  readonly fn: () => void;
}

/** A clock that moves only when {@link ManualClock.advance} is called. */
export class ManualClock implements Clock {
  #now: number;
  #seq = 0;
  #timers = new Map<number, Scheduled>();

  constructor(start = 0) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): ClockTimer {
    return this.#schedule(fn, ms, undefined);
  }

  setInterval(fn: () => void, ms: number): ClockTimer {
    if (!(ms > 0)) throw new RangeError(`Interval must be positive, got ${ms} ms`);
    return this.#schedule(fn, ms, ms);
  }

  /** Number of timers still scheduled. */
  get pending(): number {
    return this.#timers.size;
  }

  /** Moves time forward by `ms`, running every timer that falls due, in time order. */
  advance(ms: number): void {
    const until = this.#now + ms;
    for (;;) {
      let next: Scheduled | undefined;
      for (const t of this.#timers.values()) {
        if (t.at <= until && (next === undefined || t.at < next.at)) next = t;
      }
      if (next === undefined) break;
      this.#now = Math.max(this.#now, next.at);
      if (next.every === undefined) this.#timers.delete(next.id);
      else next.at += next.every;
      next.fn();
    }
    this.#now = until;
  }

  #schedule(fn: () => void, ms: number, every: number | undefined): ClockTimer {
    const id = ++this.#seq;
    this.#timers.set(id, { id, at: this.#now + Math.max(0, ms), every, fn });
    return { cancel: () => this.#timers.delete(id) };
  }
}
