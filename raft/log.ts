/**
 * The log as the core sees it: the stable part in {@link LogStorage} and the unstable tail not yet
 * persisted, with the commit and applied indexes. Mirrors etcd's `raftLog`.
 *
 * @module
 */

import { limitSize } from "./entry.ts";
import { Unstable } from "./unstable.ts";
import { CompactedError, type Entry, type LogStorage, type Snapshot } from "./types.ts";

export class RaftLog {
  readonly storage: LogStorage;
  readonly unstable: Unstable;
  /** Highest index known to be committed. */
  committed: number;
  /** Highest index the state machine has applied (as reported by the shell). */
  applied: number;

  constructor(storage: LogStorage) {
    this.storage = storage;
    const first = storage.firstIndex();
    this.unstable = new Unstable(storage.lastIndex() + 1);
    this.committed = first - 1;
    this.applied = first - 1;
  }

  firstIndex(): number {
    return this.unstable.maybeFirstIndex() ?? this.storage.firstIndex();
  }

  lastIndex(): number {
    return this.unstable.maybeLastIndex() ?? this.storage.lastIndex();
  }

  /** Term of entry `index`, or undefined when it is compacted or beyond the log. */
  term(index: number): number | undefined {
    const dummy = this.firstIndex() - 1;
    if (index < dummy || index > this.lastIndex()) return undefined;
    const t = this.unstable.maybeTerm(index);
    if (t !== undefined) return t;
    try {
      return this.storage.term(index);
    } catch (e) {
      if (e instanceof CompactedError) return undefined;
      throw e;
    }
  }

  lastTerm(): number {
    return this.term(this.lastIndex()) ?? 0;
  }

  matchTerm(index: number, term: number): boolean {
    return this.term(index) === term;
  }

  /** Whether a log ending at (index, term) is at least as up-to-date as ours (§5.4.1). */
  isUpToDate(index: number, term: number): boolean {
    const lastTerm = this.lastTerm();
    return term > lastTerm || (term === lastTerm && index >= this.lastIndex());
  }

  /** Index of the first entry of `ents` that conflicts with (or extends) the log, or 0. */
  findConflict(ents: readonly Entry[]): number {
    for (const e of ents) if (!this.matchTerm(e.index, e.term)) return e.index;
    return 0;
  }

  /**
   * The largest index at or below `index` whose term is at most `term`, with that term: where a
   * leader whose log holds `term` at `index` can resume (fast back-off, etcd's findConflictByTerm).
   */
  findConflictByTerm(index: number, term: number): { index: number; term: number } {
    for (let i = index; i > 0; i--) {
      const t = this.term(i);
      if (t === undefined) return { index: i, term: 0 };
      if (t <= term) return { index: i, term: t };
    }
    return { index: 0, term: 0 };
  }

  /**
   * Appends `ents` (following entry (index, logTerm)) when the log matches there. Returns the
   * index of the last new entry and the entries actually written (those from the first conflict
   * on), or undefined on a mismatch.
   */
  maybeAppend(
    index: number,
    logTerm: number,
    commit: number,
    ents: readonly Entry[],
  ): { lastNew: number; written: readonly Entry[] } | undefined {
    if (!this.matchTerm(index, logTerm)) return undefined;
    const lastNew = index + ents.length;
    const ci = this.findConflict(ents);
    let written: readonly Entry[] = [];
    if (ci !== 0) {
      if (ci <= this.committed) {
        throw new Error(`Raft bug: entry ${ci} conflicts with the committed prefix`);
      }
      written = ents.slice(ci - index - 1);
      this.append(written);
    }
    this.commitTo(Math.min(commit, lastNew));
    return { lastNew, written };
  }

  append(ents: readonly Entry[]): number {
    const first = ents[0];
    if (first === undefined) return this.lastIndex();
    if (first.index - 1 < this.committed) {
      throw new Error(`Raft bug: appending at ${first.index} below commit ${this.committed}`);
    }
    this.unstable.truncateAndAppend(ents);
    return this.lastIndex();
  }

  unstableEntries(): readonly Entry[] {
    return this.unstable.entries;
  }

  /** Committed entries not yet applied, from `from` on (at most `maxBytes`, at least one). */
  nextCommittedEntries(from: number, maxBytes: number): Entry[] {
    const lo = Math.max(from, this.firstIndex());
    if (this.committed + 1 <= lo) return [];
    return this.slice(lo, this.committed + 1, maxBytes);
  }

  snapshot(): Snapshot {
    return this.unstable.snapshot ?? this.storage.snapshot();
  }

  commitTo(index: number): void {
    if (index <= this.committed) return;
    if (index > this.lastIndex()) {
      throw new Error(`Raft bug: commit ${index} is beyond the last index ${this.lastIndex()}`);
    }
    this.committed = index;
  }

  appliedTo(index: number): void {
    if (index > this.applied) this.applied = index;
  }

  stableTo(index: number, term: number): void {
    this.unstable.stableTo(index, term);
  }

  stableSnapTo(index: number): void {
    this.unstable.stableSnapTo(index);
  }

  /** Commits `index` when it is in `term` (leaders only count entries of their own term). */
  maybeCommit(index: number, term: number): boolean {
    if (index > this.committed && this.term(index) === term) {
      this.commitTo(index);
      return true;
    }
    return false;
  }

  restore(snap: Snapshot): void {
    this.committed = snap.meta.index;
    this.unstable.restore(snap);
  }

  /** Entries in [lo, hi) up to `maxBytes` (at least one); throws CompactedError below the log. */
  slice(lo: number, hi: number, maxBytes: number): Entry[] {
    if (lo < this.firstIndex()) throw new CompactedError(lo, this.firstIndex());
    if (hi > this.lastIndex() + 1) {
      throw new Error(`Raft bug: slice [${lo}, ${hi}) beyond the last index ${this.lastIndex()}`);
    }
    if (lo >= hi) return [];
    let ents: Entry[] = [];
    const offset = this.unstable.offset;
    if (lo < offset) {
      const stored = this.storage.entries(lo, Math.min(hi, offset), maxBytes);
      if (stored.length < Math.min(hi, offset) - lo) return stored;
      ents = stored;
    }
    if (hi > offset) {
      const tail = this.unstable.slice(Math.max(lo, offset), hi);
      ents = ents.length > 0 ? ents.concat(tail) : tail;
    }
    return limitSize(ents, maxBytes);
  }
}
