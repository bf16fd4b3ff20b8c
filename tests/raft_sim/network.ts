/**
 * The simulated network: messages wait in flight for a random delay (which reorders them), may be
 * dropped or duplicated, and never cross a blocked link. Everything is driven by the seeded random
 * source of the run.
 *
 * @module
 */

import type { MemberId, Message } from "../../raft/types.ts";

export interface InFlight {
  readonly at: number;
  readonly seq: number;
  readonly msg: Message;
}

export interface NetworkFaults {
  /** Probability that a message is lost. */
  dropRate: number;
  /** Probability that a message is delivered twice. */
  dupRate: number;
  /** Largest delay in time units (a tick is `TICK` units); the smallest is 1. */
  maxDelay: number;
}

export class SimNetwork {
  readonly #random: () => number;
  #queue: InFlight[] = [];
  #seq = 0;
  /** Directed blocked links, "from>to". */
  readonly blocked = new Set<string>();
  faults: NetworkFaults = { dropRate: 0, dupRate: 0, maxDelay: 3 };
  sent = 0;
  dropped = 0;

  constructor(random: () => number) {
    this.#random = random;
  }

  get inFlight(): number {
    return this.#queue.length;
  }

  send(msg: Message, now: number): void {
    this.sent++;
    if (this.#random() < this.faults.dropRate) {
      this.dropped++;
      return;
    }
    const copies = this.#random() < this.faults.dupRate ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = 1 + Math.floor(this.#random() * this.faults.maxDelay);
      this.#insert({ at: now + delay, seq: this.#seq++, msg });
    }
  }

  #insert(f: InFlight): void {
    let lo = 0;
    let hi = this.#queue.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const q = this.#queue[mid] as InFlight;
      if (q.at < f.at || (q.at === f.at && q.seq < f.seq)) lo = mid + 1;
      else hi = mid;
    }
    this.#queue.splice(lo, 0, f);
  }

  /** The next message due at or before `now`, or undefined. */
  popDue(now: number): InFlight | undefined {
    const head = this.#queue[0];
    if (head === undefined || head.at > now) return undefined;
    this.#queue.shift();
    return head;
  }

  /** A random message in flight (for corruption), or undefined. */
  peekRandom(): Message | undefined {
    if (this.#queue.length === 0) return undefined;
    return this.#queue[Math.floor(this.#random() * this.#queue.length)]?.msg;
  }

  isBlocked(from: MemberId, to: MemberId): boolean {
    return this.blocked.has(`${from}>${to}`);
  }

  block(from: MemberId, to: MemberId): void {
    this.blocked.add(`${from}>${to}`);
  }

  /** Splits `ids` into two groups that cannot talk to each other. */
  partition(a: readonly MemberId[], b: readonly MemberId[]): void {
    for (const x of a) {
      for (const y of b) {
        this.block(x, y);
        this.block(y, x);
      }
    }
  }

  isolate(id: MemberId, others: readonly MemberId[]): void {
    this.partition([id], others.filter((o) => o !== id));
  }

  heal(): void {
    this.blocked.clear();
  }
}
