/**
 * Raft's safety properties (Raft paper, Figure 3), checked incrementally as the simulation runs:
 * Election Safety, Log Matching, Leader Completeness, State Machine Safety, and that no member's
 * commit index ever goes back.
 *
 * @module
 */

import { CompactedError, type Entry, type MemberId } from "../../raft/types.ts";
import type { MemoryLogStorage } from "../../raft/memory_storage.ts";
import { entryKey } from "./state_machine.ts";

export class SafetyViolation extends Error {
  override readonly name = "SafetyViolation";
}

function violation(what: string): never {
  throw new SafetyViolation(what);
}

export class Checker {
  readonly #leaderOfTerm = new Map<number, MemberId>();
  /** "index/term" → the entry's key and the term of the entry before it, as first seen. */
  readonly #logEntries = new Map<string, { key: string; prevTerm: number; by: MemberId }>();
  /** Committed entries: index → key (as persisted with a commit index by some member). */
  readonly committed = new Map<number, string>();
  /** State machine hash after applying each index. */
  readonly #stateAt = new Map<number, { hash: number; by: MemberId }>();

  /** Election Safety: at most one leader per term. */
  leader(term: number, id: MemberId): void {
    const prev = this.#leaderOfTerm.get(term);
    if (prev === undefined) this.#leaderOfTerm.set(term, id);
    else if (prev !== id) violation(`Election Safety: ${prev} and ${id} both lead term ${term}`);
  }

  /** Log Matching: an (index, term) pair always names the same entry after the same history. */
  logEntries(member: MemberId, entries: readonly Entry[], prevTerm: number | undefined): void {
    let prev = prevTerm;
    for (const e of entries) {
      const k = `${e.index}/${e.term}`;
      const key = entryKey(e);
      const seen = this.#logEntries.get(k);
      if (seen === undefined) {
        if (prev !== undefined) this.#logEntries.set(k, { key, prevTerm: prev, by: member });
      } else {
        if (seen.key !== key) {
          violation(
            `Log Matching: entry (${e.index}, term ${e.term}) differs between ${seen.by} and ${member}`,
          );
        }
        if (prev !== undefined && seen.prevTerm !== prev) {
          violation(
            `Log Matching: entry (${e.index}, term ${e.term}) follows term ${seen.prevTerm} on ` +
              `${seen.by} but term ${prev} on ${member}`,
          );
        }
      }
      prev = e.term;
    }
  }

  /** Records entries a member persisted as committed; they must agree with earlier records. */
  committedEntries(member: MemberId, entries: readonly Entry[]): void {
    for (const e of entries) {
      const key = entryKey(e);
      const seen = this.committed.get(e.index);
      if (seen === undefined) this.committed.set(e.index, key);
      else if (seen !== key) {
        violation(`State Machine Safety: ${member} committed ${key} at ${e.index}, others ${seen}`);
      }
    }
  }

  /** Leader Completeness: a new leader's log holds every entry committed so far. */
  leaderCompleteness(member: MemberId, term: number, storage: MemoryLogStorage): void {
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    for (const [index, key] of this.committed) {
      if (index < first) {
        if (storage.snapshot().meta.index < index && index < first) {
          violation(
            `Leader Completeness: ${member} (term ${term}) compacted ${index} unsnapshotted`,
          );
        }
        continue;
      }
      if (index > last) {
        violation(
          `Leader Completeness: leader ${member} of term ${term} lacks committed entry ${index} ` +
            `(its log ends at ${last})`,
        );
      }
      let got: Entry | undefined;
      try {
        got = storage.entries(index, index + 1, Infinity)[0];
      } catch (e) {
        if (!(e instanceof CompactedError)) throw e;
        continue;
      }
      if (got === undefined || entryKey(got) !== key) {
        violation(
          `Leader Completeness: leader ${member} of term ${term} has ${
            got ? entryKey(got) : "nothing"
          } at committed index ${index} where ${key} was committed`,
        );
      }
    }
  }

  /** State Machine Safety: the state after applying an index is the same on every member. */
  applied(member: MemberId, e: Entry, hashAfter: number): void {
    const key = entryKey(e);
    const seen = this.committed.get(e.index);
    if (seen === undefined) this.committed.set(e.index, key);
    else if (seen !== key) {
      violation(
        `State Machine Safety: ${member} applied ${key} at ${e.index}, committed was ${seen}`,
      );
    }
    this.state(member, e.index, hashAfter);
  }

  state(member: MemberId, index: number, hash: number): void {
    const seen = this.#stateAt.get(index);
    if (seen === undefined) this.#stateAt.set(index, { hash, by: member });
    else if (seen.hash !== hash) {
      violation(
        `State Machine Safety: the state at ${index} differs between ${seen.by} and ${member}`,
      );
    }
  }
}
