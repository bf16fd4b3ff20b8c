/**
 * The {@link RaftCore} a shell drives: it wraps the member state of `raft.ts` and turns its
 * changes into {@link Ready} batches (see `types.ts` for the order in which a shell handles them).
 *
 * @module
 */

import { decodeConfChange } from "./conf_change.ts";
import {
  bcastAppend,
  handleReadIndex,
  propose,
  proposeConfChange,
  transferLeadership,
} from "./leader.ts";
import { Raft } from "./raft.ts";
import {
  type ConfChange,
  ConfChangeError,
  type ConfState,
  type Entry,
  type HardState,
  type MemberId,
  NotLeaderError,
  type RaftConfig,
  type RaftCore,
  type RaftStatus,
  type Ready,
  type SoftState,
} from "./types.ts";

/** Defaults for the tunables of {@link RaftConfig} (SwarmKit's, except the snapshot chunk). */
export const RAFT_DEFAULTS: Pick<
  RaftConfig,
  | "electionTick"
  | "heartbeatTick"
  | "maxSizePerMsg"
  | "maxInflightMsgs"
  | "snapshotChunkSize"
  | "checkQuorum"
  | "preVote"
> = {
  electionTick: 10,
  heartbeatTick: 1,
  maxSizePerMsg: 1 << 20,
  maxInflightMsgs: 256,
  snapshotChunkSize: 512 << 10,
  checkQuorum: true,
  preVote: true,
};

/**
 * Creates a member from `config`. It starts as a follower with the hard state, log and membership
 * of `config.storage` (the membership is the storage's, updated by the conf-change entries of its
 * log).
 */
export function newRaftCore(config: RaftConfig): RaftCore {
  return new RawNode(config);
}

class RawNode implements RaftCore {
  readonly #r: Raft;
  #prevSoft: SoftState;
  #prevHard: HardState;
  #outstanding = false;
  /** Conf-change entries handed out in the outstanding Ready, awaiting `applyConfChange`. */
  #toConfirm: Entry[] = [];

  constructor(config: RaftConfig) {
    this.#r = new Raft(config);
    this.#prevSoft = this.#softState();
    this.#prevHard = this.#hardState();
  }

  tick(): void {
    this.#r.tick();
  }

  step(message: Parameters<RaftCore["step"]>[0]): void {
    this.#r.step(message);
  }

  propose(data: Uint8Array): { readonly index: number; readonly term: number } {
    return propose(this.#r, "normal", data);
  }

  proposeConfChange(change: ConfChange): { readonly index: number; readonly term: number } {
    return proposeConfChange(this.#r, change);
  }

  applyConfChange(change: ConfChange): ConfState {
    const entry = this.#toConfirm.shift();
    if (entry === undefined) {
      throw new ConfChangeError(
        "applyConfChange was called but no committed conf-change entry awaits it: call it once " +
          "per conf-change entry of Ready.committedEntries, in order, before advance()",
      );
    }
    const logged = decodeConfChange(entry.data);
    if (logged.type !== change.type || logged.member !== change.member) {
      throw new ConfChangeError(
        `applyConfChange(${change.type} ${change.member}) does not match the committed entry ` +
          `${entry.index} (${logged.type} ${logged.member}): apply entries in order`,
      );
    }
    return this.#r.membership.at(entry.index);
  }

  readIndex(context: Uint8Array): void {
    const r = this.#r;
    if (context.length === 0) {
      throw new RangeError("readIndex needs a non-empty context to match its ReadState");
    }
    if (r.role === "leader") {
      if (r.readOnly.has(context) || r.pendingReads.some((q) => sameBytes(q.context, context))) {
        throw new RangeError("A read with this context is already pending: use a unique context");
      }
      handleReadIndex(r, { context, from: "" });
    } else if (r.lead !== "") {
      r.send({ type: "read-index", to: r.lead, context });
    } else {
      throw new NotLeaderError("");
    }
  }

  transferLeadership(to: MemberId): void {
    transferLeadership(this.#r, to);
  }

  campaign(): void {
    this.#r.hup(false);
  }

  hasReady(): boolean {
    if (this.#outstanding) return false;
    const r = this.#r;
    const log = r.log;
    return (r.bcastPending && r.role === "leader") ||
      r.msgs.length > 0 ||
      log.unstable.entries.length > 0 ||
      log.unstable.snapshot !== undefined ||
      log.committed > log.applied ||
      r.readStates.length > 0 ||
      !sameSoft(this.#softState(), this.#prevSoft) ||
      !sameHard(this.#hardState(), this.#prevHard);
  }

  ready(): Ready {
    if (this.#outstanding) {
      throw new Error("ready() was called again before advance(): handle a Ready, then advance it");
    }
    const r = this.#r;
    if (r.bcastPending && r.role === "leader") bcastAppend(r);
    const log = r.log;
    const committedEntries = log.nextCommittedEntries(log.applied + 1, Infinity);
    const soft = this.#softState();
    const hard = this.#hardState();
    const snapshot = log.unstable.snapshot;
    const rd: Ready = {
      entries: [...log.unstable.entries],
      committedEntries,
      messages: r.msgs,
      readStates: r.readStates,
      ...(sameSoft(soft, this.#prevSoft) ? {} : { softState: soft }),
      ...(sameHard(hard, this.#prevHard) ? {} : { hardState: hard }),
      ...(snapshot === undefined ? {} : { snapshot }),
    };
    r.msgs = [];
    r.readStates = [];
    this.#prevSoft = soft;
    this.#prevHard = hard;
    this.#toConfirm = committedEntries.filter((e) => e.kind === "conf-change");
    this.#outstanding = true;
    return rd;
  }

  advance(ready: Ready): void {
    if (!this.#outstanding) throw new Error("advance() was called without an outstanding ready()");
    this.#outstanding = false;
    const log = this.#r.log;
    const last = ready.entries[ready.entries.length - 1];
    if (last !== undefined) log.stableTo(last.index, last.term);
    if (ready.snapshot !== undefined) {
      log.stableSnapTo(ready.snapshot.meta.index);
      log.appliedTo(ready.snapshot.meta.index);
    }
    const applied = ready.committedEntries[ready.committedEntries.length - 1];
    if (applied !== undefined) log.appliedTo(applied.index);
    this.#toConfirm = [];
    this.#r.membership.forgetBefore(log.applied);
  }

  status(): RaftStatus {
    const r = this.#r;
    const progress: Record<MemberId, { match: number; next: number }> = {};
    if (r.role === "leader") {
      for (const [id, pr] of r.tracker.progress) progress[id] = { match: pr.match, next: pr.next };
    }
    return {
      id: r.id,
      term: r.term,
      vote: r.vote,
      commit: r.log.committed,
      applied: r.log.applied,
      lastIndex: r.log.lastIndex(),
      leader: r.lead,
      role: r.role,
      conf: r.membership.latest,
      progress,
    };
  }

  #softState(): SoftState {
    return { leader: this.#r.lead, role: this.#r.role };
  }

  #hardState(): HardState {
    return { term: this.#r.term, vote: this.#r.vote, commit: this.#r.log.committed };
  }
}

function sameSoft(a: SoftState, b: SoftState): boolean {
  return a.leader === b.leader && a.role === b.role;
}

function sameHard(a: HardState, b: HardState): boolean {
  return a.term === b.term && a.vote === b.vote && a.commit === b.commit;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
