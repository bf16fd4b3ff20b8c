/**
 * The async shell around a pure {@link RaftCore}: it owns time, the disk and the network.
 *
 * One loop per member does, for each {@link Ready}, exactly what `types.ts` prescribes:
 *
 * 1. **Persist**: snapshot, entries and hard state in one durable storage commit, then the same
 *    into the {@link MemoryLogStorage} the core reads.
 * 2. **Send** the Ready's messages (never before step 1 has completed).
 * 3. **Apply** the snapshot, then the committed entries, in order (conf changes go through
 *    `core.applyConfChange` and are reported to `onConfChange`).
 * 4. **Advance** the core.
 *
 * Input that arrives while the loop is busy (messages, ticks, proposals, reads) is queued and fed
 * to the core only between two cycles, so every proposal made during one disk write lands in the
 * next Ready together: one KV commit per Ready, however many proposals it carries.
 *
 * One deliberate refinement: a Ready whose only durable change is the commit index is not written
 * on its own. Raft's commit index is volatile state (the paper persists only term, vote and log);
 * the newer value is written with the next entries or term change. After a restart the member
 * re-learns it from the leader (or, alone, re-commits its log by itself).
 *
 * A storage write that fails is fatal for this member: it sends nothing more, does not advance,
 * rejects every pending request and reports the error to `onFatal`. Restart it to recover.
 *
 * @module
 */
import { type Clock, type ClockTimer, systemClock } from "./clock.ts";
import { bootstrapLog, decodeConfChange } from "./conf_change.ts";
import type { SaveBatch } from "./kv_storage.ts";
import { MemoryLogStorage } from "./memory_storage.ts";
import { ProposalDroppedError, ProposalTimeoutError, RaftNodeStoppedError } from "./node_errors.ts";
import {
  NODE_DEFAULTS as DEFAULTS,
  type RaftNodeOptions,
  type RaftNodeStatus,
} from "./node_options.ts";
import { newRaftCore } from "./raw_node.ts";
import {
  type ConfChange,
  type ConfState,
  type HardState,
  InvalidMessageError,
  type MemberId,
  type Message,
  NotLeaderError,
  type RaftCore,
  type RaftStatus,
  type Ready,
  type Role,
  type Snapshot,
} from "./types.ts";

// The options, status and error types live in their own files; existing imports of them from
// this module keep working.
export type { DurableStorage, RaftNodeOptions, RaftNodeStatus, Transport } from "./node_options.ts";
export { ProposalDroppedError, ProposalTimeoutError, RaftNodeStoppedError } from "./node_errors.ts";

interface Waiter<T> {
  readonly resolve: (value: T) => void;
  readonly reject: (error: Error) => void;
  readonly deadline: number;
}

interface QueuedProposal extends Waiter<{ index: number; term: number }> {
  readonly data: Uint8Array | undefined;
  readonly change: ConfChange | undefined;
}

interface PendingProposal extends Waiter<{ index: number; term: number }> {
  readonly index: number;
  readonly term: number;
}

interface QueuedRead extends Waiter<number> {
  readonly key: string;
  readonly context: Uint8Array;
}

interface Transfer extends Waiter<void> {
  readonly to: MemberId;
  started: boolean;
}

/** One Raft member: a core, its storage, its transport and its loop. */
export class RaftNode {
  readonly id: MemberId;
  readonly #o: RaftNodeOptions;
  readonly #clock: Clock;
  readonly #tickMs: number;
  readonly #timeoutMs: number;
  #core: RaftCore | undefined;
  #log = new MemoryLogStorage();
  #state: RaftNodeStatus["state"] = "new";
  #failure: Error | undefined;
  #ticker: ClockTimer | undefined;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #idleWaiters: (() => void)[] = [];

  #inbox: Message[] = [];
  #ticks = 0;
  #proposals: QueuedProposal[] = [];
  #pending = new Map<number, PendingProposal>();
  #reads: QueuedRead[] = [];
  #readsSent = new Map<string, QueuedRead>();
  #readsReady: { index: number; read: QueuedRead }[] = [];
  #readSeq = 0;
  #transfers: Transfer[] = [];

  #leader: MemberId | "" = "";
  #role: Role = "follower";
  #applied = 0;
  #snapshotIndex = 0;
  #conf: ConfState = { voters: [], learners: [] };
  #durableHardState: HardState = { term: 0, vote: "", commit: 0 };
  #unsavedHardState: HardState | undefined;
  #campaignPending = false;

  constructor(options: RaftNodeOptions) {
    this.id = options.id;
    this.#o = options;
    this.#clock = options.clock ?? systemClock;
    this.#tickMs = options.tickMs ?? DEFAULTS.tickMs;
    const electionTick = options.electionTick ?? DEFAULTS.electionTick;
    this.#timeoutMs = options.proposalTimeoutMs ?? 5000 + 2 * electionTick * this.#tickMs;
  }

  /** Loads the durable state, replays the snapshot into the state machine and starts the loop
   * and the ticker. The log after the snapshot is replayed by the loop as it commits. */
  async start(): Promise<void> {
    if (this.#state !== "new") throw new Error(`Raft member ${this.id} was already started`);
    const o = this.#o;
    let state = await o.storage.load();
    if (state.lastIndex === 0 && state.snapshot.meta.index === 0 && o.bootstrap !== undefined) {
      const boot = bootstrapLog(o.bootstrap);
      await o.storage.save({ entries: boot.entries, hardState: boot.hardState });
      state = {
        ...state,
        entries: boot.entries,
        hardState: boot.hardState,
        lastIndex: boot.entries.length,
      };
    }
    const snap = state.snapshot;
    this.#log = new MemoryLogStorage();
    if (snap.meta.index > 0) {
      this.#log.applySnapshot(snap);
      await this.#restore(snap);
    }
    this.#log.append(state.entries);
    this.#log.setHardState(state.hardState);
    this.#durableHardState = state.hardState;
    this.#applied = snap.meta.index;
    this.#snapshotIndex = snap.meta.index;
    this.#conf = state.conf;
    this.#core = (o.createCore ?? newRaftCore)({
      id: this.id,
      storage: this.#log,
      electionTick: o.electionTick ?? DEFAULTS.electionTick,
      heartbeatTick: o.heartbeatTick ?? DEFAULTS.heartbeatTick,
      random: o.random ?? Math.random,
      applied: snap.meta.index,
      maxSizePerMsg: o.maxSizePerMsg ?? DEFAULTS.maxSizePerMsg,
      maxInflightMsgs: o.maxInflightMsgs ?? DEFAULTS.maxInflightMsgs,
      snapshotChunkSize: o.snapshotChunkSize ?? DEFAULTS.snapshotChunkSize,
      checkQuorum: o.checkQuorum ?? true,
      preVote: o.preVote ?? true,
    });
    this.#campaignPending = true;
    if (this.#state !== "new") return; // stopped while starting
    this.#state = "running";
    this.#ticker = this.#clock.setInterval(() => {
      this.#ticks++;
      this.#expire(); // here, not in the loop: a hung disk write must not stop timeouts
      this.#kick();
    }, this.#tickMs);
    this.#loop = this.#run();
  }

  /** Stops ticking and the loop (after the step in progress) and rejects pending requests. */
  async stop(): Promise<void> {
    if (this.#state === "running" || this.#state === "new") this.#state = "stopped";
    this.#ticker?.cancel();
    this.#kick();
    await this.#loop;
    this.#rejectAll(new RaftNodeStoppedError(this.id, { cause: this.#failure }));
  }

  /** Feeds a message from a peer (the transport calls this). Dropped when not running. */
  receive(message: Message): void {
    if (this.#state !== "running") return;
    this.#inbox.push(message);
    this.#kick();
  }

  /** Proposes `data` (non-empty) and resolves with its position once it is applied here.
   * @throws {NotLeaderError} on a follower. */
  propose(data: Uint8Array): Promise<{ index: number; term: number }> {
    if (data.byteLength === 0) {
      return Promise.reject(new TypeError("A proposal needs data: empty entries are no-ops"));
    }
    return this.#enqueue(data, undefined);
  }

  /** Proposes a membership change; resolves once it is applied here. */
  proposeConfChange(change: ConfChange): Promise<{ index: number; term: number }> {
    return this.#enqueue(undefined, change);
  }

  /** A linearizable read barrier: resolves with an index such that once the caller has seen the
   * state machine at (or after) that index — it already has when this resolves — a read reflects
   * every write committed before the call. Works on followers too (asks the leader). */
  readIndex(): Promise<number> {
    const err = this.#notRunning();
    if (err !== undefined) return Promise.reject(err);
    const seq = ++this.#readSeq;
    const key = `${this.id}/${seq}`;
    return new Promise((resolve, reject) => {
      this.#reads.push({
        key,
        context: new TextEncoder().encode(key),
        resolve,
        reject,
        deadline: this.#clock.now() + this.#timeoutMs,
      });
      this.#kick();
    });
  }

  /** Leader only: hands leadership to `to`; resolves when `to` is the known leader. */
  transferLeadership(to: MemberId): Promise<void> {
    const err = this.#notRunning() ??
      (this.#role !== "leader" ? new NotLeaderError(this.#leader) : undefined);
    if (err !== undefined) return Promise.reject(err);
    return new Promise((resolve, reject) => {
      this.#transfers.push({
        to,
        started: false,
        resolve,
        reject,
        deadline: this.#clock.now() + this.#timeoutMs,
      });
      this.#kick();
    });
  }

  status(): RaftNodeStatus {
    const core = this.#core;
    const base: RaftStatus = core?.status() ?? {
      id: this.id,
      term: 0,
      vote: "",
      commit: 0,
      applied: 0,
      lastIndex: 0,
      leader: "",
      role: "follower",
      conf: this.#conf,
      progress: {},
    };
    return {
      ...base,
      applied: this.#applied,
      state: this.#state,
      snapshotIndex: this.#snapshotIndex,
      ...(this.#failure !== undefined ? { failure: this.#failure } : {}),
    };
  }

  /** True while the loop waits for input with nothing queued (or the member is not running). */
  get idle(): boolean {
    return this.#state !== "running" || this.#wake !== undefined;
  }

  /** Resolves the next time the loop has nothing to do (at once if it is idle now). Tests use it
   * to step a cluster on a manual clock. */
  whenIdle(): Promise<void> {
    if (this.idle) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  get leader(): MemberId | "" {
    return this.#leader;
  }

  get isLeader(): boolean {
    return this.#role === "leader";
  }

  // ---- the loop ----

  async #run(): Promise<void> {
    const core = this.#core as RaftCore;
    while (this.#state === "running") {
      try {
        this.#feed(core);
        if (!core.hasReady()) {
          const parked = new Promise<void>((resolve) => this.#wake = resolve);
          this.#notifyIdle();
          await parked;
          continue;
        }
        const rd = core.ready();
        if (rd.softState !== undefined) {
          this.#onSoftState(core, rd.softState.leader, rd.softState.role);
        }
        await this.#persist(rd);
        if (this.#state !== "running") break;
        if (rd.messages.length > 0) this.#o.transport.send(rd.messages);
        await this.#apply(core, rd);
        core.advance(rd);
        this.#settleReads();
        await this.#maybeSnapshot();
      } catch (e) {
        this.#fail(e instanceof Error ? e : new Error(String(e)));
      }
    }
    this.#notifyIdle();
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters;
    this.#idleWaiters = [];
    for (const w of waiters) w();
  }

  #kick(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  /** Gives the core everything queued since the last cycle. */
  #feed(core: RaftCore): void {
    const inbox = this.#inbox;
    if (inbox.length > 0) {
      this.#inbox = [];
      for (const m of inbox) {
        try {
          core.step(m);
        } catch (e) {
          if (!(e instanceof InvalidMessageError)) throw e;
        }
      }
    }
    for (; this.#ticks > 0; this.#ticks--) core.tick();
    if (this.#campaignPending && this.#applied >= this.#durableHardState.commit) {
      // A sole voter elects itself at once instead of waiting for an election timeout.
      this.#campaignPending = false;
      const voters = this.#conf.voters;
      if (voters.length === 1 && voters[0] === this.id && this.#role !== "leader") core.campaign();
    }
    const proposals = this.#proposals;
    if (proposals.length > 0) {
      this.#proposals = [];
      for (const p of proposals) {
        try {
          const at = p.change !== undefined
            ? core.proposeConfChange(p.change)
            : core.propose(p.data as Uint8Array);
          // An older waiter at this index lost its entry to a truncation: it can never apply.
          const stale = this.#pending.get(at.index);
          stale?.reject(new ProposalDroppedError(stale.index, stale.term, at.term));
          this.#pending.set(at.index, { ...p, index: at.index, term: at.term });
        } catch (e) {
          p.reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
    }
    if (this.#reads.length > 0) {
      const reads = this.#reads;
      this.#reads = [];
      for (const r of reads) {
        try {
          core.readIndex(r.context);
          this.#readsSent.set(r.key, r);
        } catch (e) {
          r.reject(e instanceof Error ? e : new Error(String(e)));
        }
      }
    }
    for (const t of this.#transfers) {
      if (t.started) continue;
      t.started = true;
      try {
        core.transferLeadership(t.to);
      } catch (e) {
        this.#transfers = this.#transfers.filter((x) => x !== t);
        t.reject(e instanceof Error ? e : new Error(String(e)));
      }
    }
  }

  #onSoftState(core: RaftCore, leader: MemberId | "", role: Role): void {
    this.#role = role;
    if (leader === this.#leader) return;
    this.#leader = leader;
    const done = this.#transfers.filter((t) => t.to === leader);
    this.#transfers = this.#transfers.filter((t) => t.to !== leader);
    for (const t of done) t.resolve();
    this.#o.onLeaderChange?.(leader, core.status().term);
  }

  async #persist(rd: Ready): Promise<void> {
    const hs = rd.hardState;
    const durable = this.#durableHardState;
    const onlyCommit = hs !== undefined && hs.term === durable.term && hs.vote === durable.vote;
    if (rd.snapshot === undefined && rd.entries.length === 0 && (hs === undefined || onlyCommit)) {
      if (hs !== undefined) {
        this.#unsavedHardState = hs;
        this.#log.setHardState(hs);
      }
      return;
    }
    const hardState = hs ?? this.#unsavedHardState;
    const batch: SaveBatch = {
      entries: rd.entries,
      ...(hardState !== undefined ? { hardState } : {}),
      ...(rd.snapshot !== undefined ? { snapshot: rd.snapshot } : {}),
    };
    await this.#o.storage.save(batch);
    if (hardState !== undefined) {
      this.#durableHardState = hardState;
      this.#unsavedHardState = undefined;
    }
    if (rd.snapshot !== undefined) this.#log.applySnapshot(rd.snapshot);
    if (rd.entries.length > 0) this.#log.append(rd.entries);
    if (hs !== undefined) this.#log.setHardState(hs);
  }

  async #apply(core: RaftCore, rd: Ready): Promise<void> {
    const snap = rd.snapshot;
    if (snap !== undefined) {
      await this.#restore(snap);
      this.#applied = snap.meta.index;
      this.#snapshotIndex = snap.meta.index;
      this.#conf = snap.meta.conf;
    }
    const apply = this.#o.apply;
    for (const e of rd.committedEntries) {
      if (e.index <= this.#applied) continue;
      if (e.kind === "conf-change") {
        const change = decodeConfChange(e.data);
        this.#conf = core.applyConfChange(change);
        await this.#o.onConfChange?.(change, this.#conf, e);
      } else if (e.data.byteLength > 0) {
        const r = apply(e);
        if (r !== undefined) await r;
      }
      this.#applied = e.index;
      const p = this.#pending.get(e.index);
      if (p !== undefined) {
        this.#pending.delete(e.index);
        if (p.term === e.term) p.resolve({ index: p.index, term: p.term });
        else p.reject(new ProposalDroppedError(p.index, p.term, e.term));
      }
    }
    for (const rs of rd.readStates) {
      const key = new TextDecoder().decode(rs.context);
      const read = this.#readsSent.get(key);
      if (read === undefined) continue;
      this.#readsSent.delete(key);
      this.#readsReady.push({ index: rs.index, read });
    }
  }

  /** Without a `restoreSnapshot` hook the state machine would silently miss what a snapshot
   * covers: refuse instead. */
  async #restore(snap: Snapshot): Promise<void> {
    const restore = this.#o.restoreSnapshot;
    if (restore === undefined) {
      throw new TypeError(
        `Raft member ${this.id} must restore a snapshot at index ${snap.meta.index} but has no ` +
          "restoreSnapshot option: give it one (with takeSnapshot)",
      );
    }
    await restore(snap.data, snap.meta);
  }

  #settleReads(): void {
    if (this.#readsReady.length === 0) return;
    const waiting: { index: number; read: QueuedRead }[] = [];
    for (const r of this.#readsReady) {
      if (r.index <= this.#applied) r.read.resolve(r.index);
      else waiting.push(r);
    }
    this.#readsReady = waiting;
  }

  async #maybeSnapshot(): Promise<void> {
    const take = this.#o.takeSnapshot;
    const interval = this.#o.snapshotInterval ?? DEFAULTS.snapshotInterval;
    if (take === undefined || this.#applied - this.#snapshotIndex < interval) return;
    const index = this.#applied;
    const snap = this.#log.createSnapshot(index, this.#conf, await take());
    await this.#o.storage.saveSnapshot(snap);
    this.#snapshotIndex = index;
    const keep = this.#o.logEntriesForSlowFollowers ?? DEFAULTS.logEntriesForSlowFollowers;
    const compactTo = index - keep;
    if (compactTo > 0) {
      this.#log.compact(compactTo);
      await this.#o.storage.compact(compactTo);
    }
  }

  // ---- requests, timeouts, failure ----

  #enqueue(
    data: Uint8Array | undefined,
    change: ConfChange | undefined,
  ): Promise<{ index: number; term: number }> {
    const err = this.#notRunning() ??
      (this.#role !== "leader" ? new NotLeaderError(this.#leader) : undefined);
    if (err !== undefined) return Promise.reject(err);
    return new Promise((resolve, reject) => {
      this.#proposals.push({
        data,
        change,
        resolve,
        reject,
        deadline: this.#clock.now() + this.#timeoutMs,
      });
      this.#kick();
    });
  }

  #notRunning(): Error | undefined {
    return this.#state === "running"
      ? undefined
      : new RaftNodeStoppedError(this.id, { cause: this.#failure });
  }

  /** Rejects every request whose deadline has passed (checked on each tick). */
  #expire(): void {
    const now = this.#clock.now();
    const ms = this.#timeoutMs;
    this.#proposals = this.#proposals.filter((p) => {
      if (p.deadline > now) return true;
      p.reject(new ProposalTimeoutError("Proposal", ms, false));
      return false;
    });
    this.#reads = this.#reads.filter((r) => {
      if (r.deadline > now) return true;
      r.reject(new ProposalTimeoutError("Read index request", ms, false));
      return false;
    });
    for (const [index, p] of this.#pending) {
      if (p.deadline > now) continue;
      this.#pending.delete(index);
      p.reject(new ProposalTimeoutError(`Proposal at index ${index}`, ms));
    }
    for (const [key, r] of this.#readsSent) {
      if (r.deadline > now) continue;
      this.#readsSent.delete(key);
      r.reject(new ProposalTimeoutError("Read index request", ms));
    }
    this.#readsReady = this.#readsReady.filter((r) => {
      if (r.read.deadline > now) return true;
      r.read.reject(new ProposalTimeoutError("Read index request", ms));
      return false;
    });
    this.#transfers = this.#transfers.filter((t) => {
      if (t.deadline > now) return true;
      t.reject(new ProposalTimeoutError(`Leadership transfer to ${t.to}`, ms));
      return false;
    });
  }

  #fail(error: Error): void {
    if (this.#state === "failed") return;
    this.#failure = error;
    this.#state = "failed";
    this.#ticker?.cancel();
    this.#rejectAll(error);
    this.#o.onFatal?.(error);
  }

  #rejectAll(error: Error): void {
    const waiters: Waiter<never>[] = [
      ...this.#proposals,
      ...this.#pending.values(),
      ...this.#reads,
      ...this.#readsSent.values(),
      ...this.#readsReady.map((r) => r.read),
      ...this.#transfers,
    ];
    this.#proposals = [];
    this.#pending.clear();
    this.#reads = [];
    this.#readsSent.clear();
    this.#readsReady = [];
    this.#transfers = [];
    this.#inbox = [];
    for (const w of waiters) w.reject(error);
  }
}
