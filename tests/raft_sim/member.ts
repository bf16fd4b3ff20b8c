/**
 * One simulated member and its shell. The shell handles a Ready in the order `types.ts` prescribes
 * (persist snapshot, entries, hard state; send; apply; advance) and may crash between any two of
 * those steps. Its `MemoryLogStorage` stands for the disk: it holds exactly what was persisted,
 * and a restarted member starts from it (its state machine from the stored snapshot).
 *
 * @module
 */

import { decodeConfChange } from "../../raft/conf_change.ts";
import { MemoryLogStorage } from "../../raft/memory_storage.ts";
import { seededRandom } from "../../raft/rand.ts";
import { newRaftCore } from "../../raft/raw_node.ts";
import type {
  ConfChange,
  ConfState,
  Entry,
  MemberId,
  Message,
  RaftCore,
  ReadState,
} from "../../raft/types.ts";
import { type Checker, SafetyViolation } from "./invariants.ts";
import type { SimParams } from "./params.ts";
import { StateMachine } from "./state_machine.ts";

/** What a shell needs from the simulation around it. */
export interface ShellContext {
  readonly random: () => number;
  readonly checker: Checker;
  readonly params: SimParams;
  /** Probability that handling one Ready crashes part-way (0 once the faults heal). */
  readonly midReadyCrash: number;
  send(msg: Message): void;
  log(text: string | (() => string)): void;
  onApplied(member: SimMember, e: Entry, proposal: string | undefined): void;
  onConfApplied(member: SimMember, change: ConfChange): void;
  onReadState(member: SimMember, rs: ReadState): void;
}

const CRASH_POINTS = [
  "before persisting",
  "after persisting entries but not the hard state",
  "after persisting, before sending",
  "after sending, before applying",
  "after applying, before advance",
] as const;

export class SimMember {
  readonly id: MemberId;
  readonly storage: MemoryLogStorage;
  core: RaftCore | undefined = undefined;
  sm: StateMachine = new StateMachine();
  conf: ConfState = { voters: [], learners: [] };
  /** Persisted hard state, checked for monotonicity across restarts. */
  persistedCommit = 0;
  persistedTerm = 0;
  persistedVote = "";
  /** Commit index seen in this life (never goes back). */
  commitSeen = 0;
  /** Committed entries recorded with the checker up to this index. */
  recordedCommit = 0;
  /** Stopped for good (removed from the configuration). */
  retired = false;
  lives = 0;

  constructor(id: MemberId, storage = new MemoryLogStorage()) {
    this.id = id;
    this.storage = storage;
  }

  get up(): boolean {
    return this.core !== undefined;
  }

  /** Starts (or restarts) the member from its storage. */
  start(ctx: ShellContext, seed: number): void {
    const snap = this.storage.snapshot();
    this.sm = StateMachine.decode(snap.data);
    if (this.sm.index !== snap.meta.index) {
      throw new SafetyViolation(
        `${this.id}: snapshot data at ${this.sm.index}, meta ${snap.meta.index}`,
      );
    }
    this.conf = snap.meta.conf;
    const p = ctx.params;
    this.core = newRaftCore({
      id: this.id,
      storage: this.storage,
      applied: snap.meta.index,
      random: seededRandom(seed),
      electionTick: p.electionTick,
      heartbeatTick: p.heartbeatTick,
      maxSizePerMsg: p.maxSizePerMsg,
      maxInflightMsgs: p.maxInflightMsgs,
      snapshotChunkSize: p.snapshotChunkSize,
      checkQuorum: p.checkQuorum,
      preVote: p.preVote,
    });
    // A persisted snapshot also vouches for a commit index (its entries are all committed).
    const persisted = Math.max(this.storage.initialState().hardState.commit, snap.meta.index);
    this.commitSeen = this.core.status().commit;
    if (this.commitSeen !== persisted) {
      throw new SafetyViolation(
        `${this.id} restarted with commit ${this.commitSeen}, persisted was ${persisted}`,
      );
    }
    this.recordedCommit = persisted;
    this.lives++;
  }

  crash(ctx: ShellContext, why: string): void {
    if (this.core === undefined) return;
    ctx.log(`CRASH ${this.id} (${why})`);
    this.core = undefined;
  }

  /** After any input: the safety checks that concern this member alone. */
  observe(ctx: ShellContext): void {
    const core = this.core;
    if (core === undefined) return;
    const st = core.status();
    if (st.role === "leader") ctx.checker.leader(st.term, this.id);
    if (st.commit < this.commitSeen) {
      throw new SafetyViolation(
        `${this.id}: commit index went back ${this.commitSeen} -> ${st.commit}`,
      );
    }
    this.commitSeen = st.commit;
  }

  /** Handles every pending Ready, possibly crashing part-way. */
  handleReady(ctx: ShellContext): void {
    for (let guard = 0; this.core !== undefined && this.core.hasReady(); guard++) {
      if (guard > 10_000) throw new Error(`${this.id}: Ready loop does not settle`);
      const core = this.core;
      const rd = core.ready();
      const crashAt = ctx.random() < ctx.midReadyCrash
        ? CRASH_POINTS[Math.floor(ctx.random() * CRASH_POINTS.length)]
        : undefined;
      if (crashAt === CRASH_POINTS[0]) return this.crash(ctx, crashAt);

      // 1. Persist: snapshot, entries, hard state.
      if (rd.snapshot !== undefined) {
        ctx.log(
          `${this.id} persists snapshot (${rd.snapshot.meta.index},${rd.snapshot.meta.term})`,
        );
        this.storage.applySnapshot(rd.snapshot);
      }
      const first = rd.entries[0];
      if (first !== undefined) {
        let prevTerm: number | undefined;
        try {
          prevTerm = this.storage.term(first.index - 1);
        } catch {
          prevTerm = undefined;
        }
        ctx.checker.logEntries(this.id, rd.entries, prevTerm);
        this.storage.append(rd.entries);
      }
      if (crashAt === CRASH_POINTS[1]) return this.crash(ctx, crashAt);
      const hs = rd.hardState;
      if (hs !== undefined) {
        if (hs.commit < this.persistedCommit || hs.term < this.persistedTerm) {
          throw new SafetyViolation(
            `${this.id}: persisted hard state went back: term ${this.persistedTerm} -> ${hs.term}, ` +
              `commit ${this.persistedCommit} -> ${hs.commit}`,
          );
        }
        if (
          hs.term === this.persistedTerm && this.persistedVote !== "" &&
          hs.vote !== this.persistedVote
        ) {
          throw new SafetyViolation(
            `${this.id}: changed its vote in term ${hs.term}: ${this.persistedVote} -> ${hs.vote}`,
          );
        }
        this.storage.setHardState(hs);
        this.persistedCommit = hs.commit;
        this.persistedTerm = hs.term;
        this.persistedVote = hs.vote;
        if (hs.commit > this.recordedCommit) {
          const lo = Math.max(this.recordedCommit + 1, this.storage.firstIndex());
          if (lo <= hs.commit) {
            ctx.checker.committedEntries(
              this.id,
              this.storage.entries(lo, hs.commit + 1, Infinity),
            );
          }
          this.recordedCommit = hs.commit;
        }
      }
      if (rd.softState !== undefined) {
        const st = core.status();
        ctx.log(
          `${this.id} is now ${rd.softState.role} (term ${st.term}, leader ${
            rd.softState.leader || "-"
          })`,
        );
        if (rd.softState.role === "leader") {
          ctx.checker.leaderCompleteness(this.id, st.term, this.storage);
        }
      }
      if (crashAt === CRASH_POINTS[2]) return this.crash(ctx, crashAt);

      // 2. Send.
      for (const msg of rd.messages) ctx.send(msg);
      if (crashAt === CRASH_POINTS[3]) return this.crash(ctx, crashAt);

      // 3. Apply.
      if (rd.snapshot !== undefined) {
        const sm = StateMachine.decode(rd.snapshot.data);
        if (sm.index !== rd.snapshot.meta.index) {
          throw new SafetyViolation(`${this.id}: snapshot data does not match its index`);
        }
        if (sm.index <= this.sm.index) {
          throw new SafetyViolation(
            `${this.id}: snapshot ${sm.index} is not ahead of applied ${this.sm.index}`,
          );
        }
        ctx.checker.state(this.id, sm.index, sm.hash);
        this.sm = sm;
        this.conf = rd.snapshot.meta.conf;
      }
      for (const e of rd.committedEntries) {
        if (e.index !== this.sm.index + 1) {
          throw new SafetyViolation(`${this.id}: applied ${e.index} right after ${this.sm.index}`);
        }
        let change: ConfChange | undefined;
        if (e.kind === "conf-change") {
          change = decodeConfChange(e.data);
          this.conf = core.applyConfChange(change);
        }
        const before = this.sm.ids.size;
        const proposal = this.sm.apply(e);
        if (proposal !== undefined && this.sm.ids.size === before) {
          throw new SafetyViolation(
            `${this.id}: applied proposal ${proposal} twice (at ${e.index})`,
          );
        }
        ctx.checker.applied(this.id, e, this.sm.hash);
        ctx.onApplied(this, e, proposal);
        if (change !== undefined) ctx.onConfApplied(this, change);
        if (this.core === undefined) return; // retired by the change
      }
      for (const rs of rd.readStates) ctx.onReadState(this, rs);
      this.#maybeSnapshot(ctx);
      if (crashAt === CRASH_POINTS[4]) return this.crash(ctx, crashAt);

      // 4. Advance.
      core.advance(rd);
    }
  }

  #maybeSnapshot(ctx: ShellContext): void {
    const every = ctx.params.snapshotEvery;
    const snapIndex = this.storage.snapshot().meta.index;
    if (every === 0 || this.sm.index - snapIndex < every) return;
    this.storage.createSnapshot(this.sm.index, this.conf, this.sm.encode());
    const compactTo = this.sm.index - ctx.params.keepEntries;
    if (compactTo >= this.storage.firstIndex()) this.storage.compact(compactTo);
    ctx.log(`${this.id} snapshots at ${this.sm.index}, log now ${this.storage.firstIndex()}..`);
  }
}
