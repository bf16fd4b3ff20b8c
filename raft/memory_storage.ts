/**
 * An in-memory {@link LogStorage}: the log the core reads, which the shell keeps equal to what it
 * made durable. Like etcd's MemoryStorage it keeps a dummy entry at the compaction point, so that
 * the term of the entry just before the first one stays known.
 *
 * @module
 */

import { entrySize } from "./entry.ts";
import {
  CompactedError,
  type ConfState,
  type Entry,
  type HardState,
  type LogStorage,
  type Snapshot,
} from "./types.ts";

const EMPTY = new Uint8Array();

/** Options of a {@link MemoryLogStorage}. */
export interface MemoryLogStorageOptions {
  /** Membership that `initialState` reports until a snapshot replaces it. The core refuses a
   * non-empty one without a snapshot: bootstrap with `bootstrapLog(voters)` entries instead.
   * @default no voters, no learners */
  readonly conf?: ConfState;
}

/**
 * A log, hard state and snapshot held in memory. A new one is empty: a founding member appends
 * `bootstrapLog(voters)` to it, a joining member leaves it empty and learns the log from the leader.
 */
export class MemoryLogStorage implements LogStorage {
  #hardState: HardState = { term: 0, vote: "", commit: 0 };
  #snapshot: Snapshot;
  /** `#ents[0]` is a dummy entry at the compaction point (index firstIndex - 1). */
  #ents: Entry[];

  constructor(options: MemoryLogStorageOptions = {}) {
    const conf = options.conf ?? { voters: [], learners: [] };
    this.#snapshot = { meta: { index: 0, term: 0, conf }, data: EMPTY };
    this.#ents = [dummy(0, 0)];
  }

  initialState(): { hardState: HardState; conf: ConfState } {
    return { hardState: this.#hardState, conf: this.#snapshot.meta.conf };
  }

  entries(lo: number, hi: number, maxBytes: number): Entry[] {
    const offset = this.#offset;
    if (lo <= offset) throw new CompactedError(lo, offset + 1);
    if (hi > this.lastIndex() + 1 || lo > hi) {
      throw new RangeError(
        `Entries [${lo}, ${hi}) are out of the stored log ${offset + 1}..${this.lastIndex()}`,
      );
    }
    // Walks only as far as the size limit allows (the range may span the whole log).
    const out: Entry[] = [];
    let size = 0;
    for (let i = lo; i < hi; i++) {
      const e = this.#ents[i - offset] as Entry;
      size += entrySize(e);
      if (out.length > 0 && size > maxBytes) break;
      out.push(e);
    }
    return out;
  }

  term(index: number): number {
    const offset = this.#offset;
    if (index < offset) throw new CompactedError(index, offset + 1);
    const e = this.#ents[index - offset];
    if (e === undefined) {
      throw new RangeError(
        `Entry ${index} is beyond the stored log (last index ${this.lastIndex()})`,
      );
    }
    return e.term;
  }

  firstIndex(): number {
    return this.#offset + 1;
  }

  lastIndex(): number {
    return this.#offset + this.#ents.length - 1;
  }

  snapshot(): Snapshot {
    return this.#snapshot;
  }

  /** Stores the hard state of a Ready. */
  setHardState(hs: HardState): void {
    this.#hardState = hs;
  }

  /**
   * Appends the entries of a Ready; those overlapping the log replace it from their first index.
   * Entries at or below the compaction point are skipped. Throws RangeError on a gap.
   */
  append(entries: readonly Entry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    const firstIndex = this.firstIndex();
    const last = first.index + entries.length - 1;
    if (last < firstIndex) return;
    const fresh = firstIndex > first.index ? entries.slice(firstIndex - first.index) : entries;
    const start = (fresh[0] as Entry).index - this.#offset;
    if (start > this.#ents.length) {
      throw new RangeError(
        `Cannot append entries from ${
          (fresh[0] as Entry).index
        }: the log ends at ${this.lastIndex()}`,
      );
    }
    if (start < this.#ents.length) this.#ents.length = start; // a conflicting suffix goes
    for (const e of fresh) this.#ents.push(e);
  }

  /** Replaces everything with a snapshot received from the leader (the Ready's `snapshot`). */
  applySnapshot(snap: Snapshot): void {
    if (snap.meta.index <= this.#snapshot.meta.index) {
      throw new RangeError(
        `Snapshot at ${snap.meta.index} is not newer than the stored one at ${this.#snapshot.meta.index}`,
      );
    }
    this.#snapshot = snap;
    this.#ents = [dummy(snap.meta.index, snap.meta.term)];
  }

  /**
   * Records a snapshot of the state machine at `index` (an applied index in the log) with the
   * membership `conf` at that index. Keeps the log: call {@link compact} to drop entries.
   */
  createSnapshot(index: number, conf: ConfState, data: Uint8Array): Snapshot {
    if (index <= this.#snapshot.meta.index) {
      throw new RangeError(
        `Snapshot at ${index} is not newer than the stored one at ${this.#snapshot.meta.index}`,
      );
    }
    if (index > this.lastIndex()) {
      throw new RangeError(`Cannot snapshot at ${index}: the log ends at ${this.lastIndex()}`);
    }
    this.#snapshot = { meta: { index, term: this.term(index), conf }, data };
    return this.#snapshot;
  }

  /**
   * Drops the entries up to and including `index`, which the stored snapshot must cover. Keeping
   * some entries below the snapshot index lets slow followers catch up without a snapshot.
   */
  compact(index: number): void {
    const offset = this.#offset;
    if (index <= offset) return;
    if (index > this.#snapshot.meta.index) {
      throw new RangeError(
        `Cannot compact the log to ${index}: the stored snapshot covers only up to ${this.#snapshot.meta.index}; take a snapshot first`,
      );
    }
    const e = this.#ents[index - offset] as Entry;
    this.#ents = [dummy(index, e.term), ...this.#ents.slice(index - offset + 1)];
  }

  get #offset(): number {
    return (this.#ents[0] as Entry).index;
  }
}

function dummy(index: number, term: number): Entry {
  return { index, term, kind: "normal", data: EMPTY };
}
