/**
 * What a leader knows about each member's log, and the flow control of appends to it
 * (etcd's `tracker`).
 *
 * - `probe`: the leader does not know where the follower's log ends; it sends one append at a time
 *   and waits for the answer (or a heartbeat response) before sending the next.
 * - `replicate`: the follower is in step; appends are pipelined (the next index moves optimistically
 *   on send) up to `maxInflightMsgs` unacknowledged messages.
 * - `snapshot`: the follower needs a snapshot; nothing else is sent until it acknowledges one, or
 *   until the transfer is given up after an election timeout.
 *
 * @module
 */

import { committedIndex, type VoteResult, voteResult } from "./quorum.ts";
import type { ConfState, MemberId } from "./types.ts";

export type ProgressState = "probe" | "replicate" | "snapshot";

/** The last indexes of the appends in flight to one follower, oldest first. */
export class Inflights {
  readonly capacity: number;
  #items: number[] = [];

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  add(lastIndex: number): void {
    if (this.full()) throw new Error("Raft bug: adding to full inflights");
    this.#items.push(lastIndex);
  }

  /** Frees the messages whose last index is at most `index` (they are acknowledged). */
  freeLE(index: number): void {
    let n = 0;
    while (n < this.#items.length && (this.#items[n] as number) <= index) n++;
    if (n > 0) this.#items = this.#items.slice(n);
  }

  full(): boolean {
    return this.#items.length >= this.capacity;
  }

  get count(): number {
    return this.#items.length;
  }

  reset(): void {
    this.#items = [];
  }
}

/** A leader's view of one member's log. */
export class Progress {
  match = 0;
  next: number;
  state: ProgressState = "probe";
  /** In `snapshot` state: the index of the snapshot being sent. */
  pendingSnapshot = 0;
  /** Ticks spent in `snapshot` state (the transfer is retried after an election timeout). */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** No more appends until a response (probe) or until inflights free up (replicate). */
  paused = false;
  readonly inflights: Inflights;

  constructor(next: number, maxInflight: number) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  #resetState(state: ProgressState): void {
    this.paused = false;
    this.pendingSnapshot = 0;
    this.snapshotTicks = 0;
    this.state = state;
    this.inflights.reset();
  }

  becomeProbe(): void {
    if (this.state === "snapshot") {
      const pending = this.pendingSnapshot;
      this.#resetState("probe");
      this.next = Math.max(this.match + 1, pending + 1);
    } else {
      this.#resetState("probe");
      this.next = this.match + 1;
    }
  }

  becomeReplicate(): void {
    this.#resetState("replicate");
    this.next = this.match + 1;
  }

  becomeSnapshot(index: number): void {
    this.#resetState("snapshot");
    this.pendingSnapshot = index;
  }

  /** An acknowledgement of `n`: returns whether it moved `match`. */
  maybeUpdate(n: number): boolean {
    let updated = false;
    if (this.match < n) {
      this.match = n;
      updated = true;
      this.paused = false;
    }
    this.next = Math.max(this.next, n + 1);
    return updated;
  }

  /**
   * A rejection of the append after `rejected`, with the follower's hint `matchHint`: moves `next`
   * back and returns true, or false when the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1, 1);
    this.paused = false;
    return true;
  }

  isPaused(): boolean {
    switch (this.state) {
      case "probe":
      case "replicate":
        return this.paused;
      case "snapshot":
        return true;
    }
  }

  /** Records an append of `count` entries ending at `lastIndex`. */
  sentEntries(count: number, lastIndex: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflights.add(lastIndex);
      }
      this.paused = this.inflights.full();
    } else if (this.state === "probe" && count > 0) {
      this.paused = true;
    }
  }
}

/** The membership as the leader tracks it, each member's progress, and votes in an election. */
export class ProgressTracker {
  voters: readonly MemberId[] = [];
  learners: readonly MemberId[] = [];
  readonly progress = new Map<MemberId, Progress>();
  readonly votes = new Map<MemberId, boolean>();
  readonly #maxInflight: number;

  constructor(maxInflight: number) {
    this.#maxInflight = maxInflight;
  }

  isVoter(id: MemberId): boolean {
    return this.voters.includes(id);
  }

  /** Adopts `conf`: new members start probing at `lastIndex + 1` (and count as recently active). */
  setConf(conf: ConfState, lastIndex: number): void {
    this.voters = conf.voters;
    this.learners = conf.learners;
    const members = new Set([...conf.voters, ...conf.learners]);
    for (const id of this.progress.keys()) if (!members.has(id)) this.progress.delete(id);
    for (const id of members) {
      if (!this.progress.has(id)) {
        const pr = new Progress(lastIndex + 1, this.#maxInflight);
        pr.recentActive = true;
        this.progress.set(id, pr);
      }
    }
  }

  /** Starts every member over (a new term): probing from `lastIndex + 1`, nothing matched. */
  resetAll(self: MemberId, lastIndex: number): void {
    for (const id of this.progress.keys()) {
      const pr = new Progress(lastIndex + 1, this.#maxInflight);
      if (id === self) pr.match = lastIndex;
      this.progress.set(id, pr);
    }
  }

  /** The highest index a majority of voters has matched. */
  committed(): number {
    return committedIndex(this.voters, (id) => this.progress.get(id)?.match);
  }

  /** Whether a majority of voters was recently active (`self` always is). */
  quorumActive(self: MemberId): boolean {
    const active = new Map<MemberId, boolean>();
    for (const [id, pr] of this.progress) active.set(id, id === self || pr.recentActive);
    return voteResult(this.voters, active) === "won";
  }

  recordVote(id: MemberId, granted: boolean): void {
    if (!this.votes.has(id)) this.votes.set(id, granted);
  }

  tallyVotes(): VoteResult {
    return voteResult(this.voters, this.votes);
  }

  resetVotes(): void {
    this.votes.clear();
  }
}
