/**
 * The membership as the log defines it. A member uses the latest configuration in its log, whether
 * or not that entry is committed (the single-server change rule of the Raft thesis, §4.1); this
 * history also answers "what was the configuration at index i" for the applied point, which is what
 * the shell stores in its snapshots.
 *
 * @module
 */

import { applyChangeLeniently } from "./conf_change.ts";
import type { ConfChange, ConfState, MemberId } from "./types.ts";

interface Change {
  readonly index: number;
  readonly conf: ConfState;
}

/** The configuration at every index from a base on, as a list of changes. */
export class Membership {
  #base: ConfState;
  #changes: Change[] = [];

  /** `base` is the configuration before the first change that will be recorded. */
  constructor(base: ConfState) {
    this.#base = base;
  }

  /** The configuration after the last recorded change. */
  get latest(): ConfState {
    return this.#changes[this.#changes.length - 1]?.conf ?? this.#base;
  }

  /** Index of the last recorded change, or 0 when none is recorded. */
  get lastChangeIndex(): number {
    return this.#changes[this.#changes.length - 1]?.index ?? 0;
  }

  /** The configuration in force at `index` (after any change at `index`). */
  at(index: number): ConfState {
    for (let i = this.#changes.length - 1; i >= 0; i--) {
      const c = this.#changes[i];
      if (c !== undefined && c.index <= index) return c.conf;
    }
    return this.#base;
  }

  isVoter(id: MemberId): boolean {
    return this.latest.voters.includes(id);
  }

  /** Records a change appended at `index` (after truncating any change at or after it). */
  record(index: number, change: ConfChange): void {
    this.truncateFrom(index);
    this.#changes.push({ index, conf: applyChangeLeniently(this.latest, change) });
  }

  /** Forgets the changes at `index` and later (their entries were overwritten). */
  truncateFrom(index: number): void {
    while (this.lastChangeIndex >= index && this.#changes.length > 0) this.#changes.pop();
  }

  /** Starts over from a snapshot's configuration. */
  reset(conf: ConfState): void {
    this.#base = conf;
    this.#changes = [];
  }

  /** Folds the changes at or before `index` into the base: `at(i)` stays exact for i >= index. */
  forgetBefore(index: number): void {
    let n = 0;
    while (n < this.#changes.length && (this.#changes[n]?.index ?? Infinity) <= index) n++;
    if (n === 0) return;
    const last = this.#changes[n - 1];
    if (last !== undefined) this.#base = last.conf;
    this.#changes = this.#changes.slice(n);
  }
}
