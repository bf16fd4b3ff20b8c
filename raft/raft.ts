/**
 * The state of one Raft member and the transitions shared by every role: terms, elections and
 * votes (§5.2, §5.4.1, pre-vote and check-quorum leases of the thesis §9.6), and where messages go.
 * What each role does with a message lives in `leader.ts` and `follower.ts`; the role's step and
 * tick functions are swapped on a role change (etcd's design), not modelled as subclasses.
 *
 * @module
 */

import { decodeConfChange } from "./conf_change.ts";
import { stepCandidate, stepFollower } from "./follower.ts";
import { bcastAppend, maybeCommit, stepLeader, tickHeartbeat } from "./leader.ts";
import { RaftLog } from "./log.ts";
import { Membership } from "./membership.ts";
import {
  isTransferContext,
  type MessageFields,
  newMessage,
  TRANSFER_CONTEXT,
  validateMessage,
} from "./message.ts";
import { ProgressTracker } from "./progress.ts";
import { ReadOnly, type ReadRequest } from "./read_only.ts";
import { SnapshotAssembler } from "./snapshot_chunks.ts";
import {
  type Entry,
  type EntryKind,
  InvalidMessageError,
  type MemberId,
  type Message,
  type RaftConfig,
  type ReadState,
  type Role,
  type Snapshot,
} from "./types.ts";

type StepFn = (r: Raft, m: Message) => void;
type TickFn = (r: Raft) => void;
type Outgoing = Omit<MessageFields, "from" | "term"> & { readonly term?: number };

const EMPTY = new Uint8Array();

/** The kinds of election: with a pre-vote round, without, and one started by a transfer. */
export type CampaignKind = "pre-election" | "election" | "transfer";

export class Raft {
  readonly id: MemberId;
  readonly config: RaftConfig;
  term = 0;
  vote: MemberId = "";
  lead: MemberId | "" = "";
  role: Role = "follower";
  readonly log: RaftLog;
  readonly membership: Membership;
  readonly tracker: ProgressTracker;
  readOnly: ReadOnly = new ReadOnly();
  /** Reads that arrived before this leader committed an entry of its term. */
  pendingReads: ReadRequest[] = [];
  msgs: Message[] = [];
  readStates: ReadState[] = [];
  electionElapsed = 0;
  heartbeatElapsed = 0;
  randomizedElectionTimeout = 0;
  leadTransferee: MemberId | "" = "";
  readonly assembler: SnapshotAssembler = new SnapshotAssembler();
  /** Leader: broadcast appends when the next Ready is built (batches proposals and commits). */
  bcastPending = false;
  #step: StepFn = stepFollower;
  #tick: TickFn = tickElection;

  constructor(config: RaftConfig) {
    validateConfig(config);
    this.id = config.id;
    this.config = config;
    const storage = config.storage;
    const { hardState, conf } = storage.initialState();
    const snapIndex = storage.snapshot().meta.index;
    if (snapIndex === 0 && conf.voters.length + conf.learners.length > 0) {
      throw new RangeError(
        "The storage reports a membership but no snapshot: bootstrap a new cluster with " +
          "bootstrapLog(voters) entries instead, so that members joining later learn it from the log",
      );
    }
    this.log = new RaftLog(storage);
    this.membership = new Membership(conf);
    const first = storage.firstIndex();
    const last = storage.lastIndex();
    if (last >= first) {
      for (const e of storage.entries(first, last + 1, Infinity)) {
        if (e.kind === "conf-change") this.membership.record(e.index, decodeConfChange(e.data));
      }
    }
    if (hardState.commit > last) {
      throw new RangeError(
        `The stored commit index ${hardState.commit} is beyond the stored log (last index ${last})`,
      );
    }
    this.log.committed = Math.max(this.log.committed, hardState.commit);
    if (config.applied < snapIndex || config.applied > this.log.committed) {
      throw new RangeError(
        `config.applied (${config.applied}) must lie between the snapshot index (${snapIndex}) ` +
          `and the commit index (${this.log.committed}): restore the state machine from the snapshot`,
      );
    }
    this.log.appliedTo(config.applied);
    this.membership.forgetBefore(config.applied);
    this.tracker = new ProgressTracker(config.maxInflightMsgs);
    this.tracker.setConf(this.membership.latest, this.log.lastIndex());
    this.term = hardState.term;
    this.vote = hardState.vote;
    this.becomeFollower(this.term, "");
  }

  /**
   * Whether this member may campaign: it is a voter in the latest configuration of its log, or in
   * the committed one while a change that removes it is still uncommitted. (Otherwise a member
   * removing itself could hold the only log with the change and never campaign, while the
   * remaining voters cannot win without its vote: the change would never commit.) Votes are
   * always counted in the latest configuration, so such a candidate needs a majority without
   * itself.
   */
  get promotable(): boolean {
    if (this.tracker.isVoter(this.id)) return true;
    const m = this.membership;
    return m.lastChangeIndex > this.log.committed &&
      m.at(this.log.committed).voters.includes(this.id);
  }

  send(f: Outgoing): void {
    this.msgs.push(newMessage({ ...f, from: this.id, term: f.term ?? this.term }));
  }

  tick(): void {
    this.#tick(this);
  }

  /** Feeds a message from a peer (see the module doc of `mod.ts` for what is refused). */
  step(m: Message): void {
    validateMessage(m, this.id);
    if (m.term >= this.term) this.#checkAgainstLog(m);
    if (m.term > this.term) {
      if (m.type === "vote" || m.type === "pre-vote") {
        const inLease = this.config.checkQuorum && this.lead !== "" &&
          this.electionElapsed < this.config.electionTick;
        // Within the lease of a live leader, ignore a disruptive candidate (thesis §4.2.3).
        if (inLease && !isTransferContext(m.context)) return;
      }
      if (m.type === "pre-vote" || (m.type === "pre-vote-resp" && !m.reject)) {
        // A pre-vote never changes our term; a granted pre-vote carries the candidate's next term.
      } else if (m.type === "append" || m.type === "heartbeat" || m.type === "snapshot") {
        this.becomeFollower(m.term, m.from);
      } else {
        // Only a leader's message or a granted vote restarts the election timer (§5.2): a
        // candidate with a stale log must not keep an up-to-date member from campaigning.
        const elapsed = this.electionElapsed;
        this.becomeFollower(m.term, "");
        this.electionElapsed = elapsed;
      }
    } else if (m.term < this.term) {
      if (
        (this.config.checkQuorum || this.config.preVote) &&
        (m.type === "heartbeat" || m.type === "append")
      ) {
        // Tell a stale leader our term, so that it steps down (it may never see a vote of ours).
        this.send({ type: "append-resp", to: m.from });
      } else if (m.type === "pre-vote") {
        this.send({ type: "pre-vote-resp", to: m.from, reject: true });
      }
      return;
    }
    if (m.type === "vote" || m.type === "pre-vote") {
      this.#handleVote(m);
      return;
    }
    this.#step(this, m);
  }

  /** Refuses claims about our log that no correct peer can make (before any state changes). */
  #checkAgainstLog(m: Message): void {
    const last = this.log.lastIndex();
    if (m.type === "heartbeat" && m.commit > last) {
      throw new InvalidMessageError(
        `Refusing a heartbeat from ${m.from}: it commits ${m.commit}, beyond our last index ${last}`,
      );
    }
    if (
      m.type === "append-resp" && this.role === "leader" && m.term === this.term &&
      (m.index > last || m.rejectHint > last)
    ) {
      throw new InvalidMessageError(
        `Refusing an append-resp from ${m.from}: it acknowledges index ${m.index} ` +
          `(hint ${m.rejectHint}), beyond the leader's last index ${last}`,
      );
    }
  }

  #handleVote(m: Message): void {
    const canVote = this.vote === m.from || (this.vote === "" && this.lead === "") ||
      (m.type === "pre-vote" && m.term > this.term);
    const respType = m.type === "vote" ? "vote-resp" : "pre-vote-resp";
    if (canVote && this.log.isUpToDate(m.index, m.logTerm)) {
      this.send({ type: respType, to: m.from, term: m.term });
      if (m.type === "vote") {
        this.electionElapsed = 0;
        this.vote = m.from;
      }
    } else {
      this.send({ type: respType, to: m.from, reject: true });
    }
  }

  /** Starts an election unless leader or not a voter. */
  hup(transfer: boolean): void {
    if (this.role === "leader" || !this.promotable) return;
    if (transfer) this.campaign("transfer");
    else this.campaign(this.config.preVote ? "pre-election" : "election");
  }

  campaign(kind: CampaignKind): void {
    let term: number;
    if (kind === "pre-election") {
      this.becomePreCandidate();
      term = this.term + 1;
    } else {
      this.becomeCandidate();
      term = this.term;
    }
    this.tracker.recordVote(this.id, true);
    if (this.tracker.tallyVotes() === "won") {
      if (kind === "pre-election") this.campaign("election");
      else this.becomeLeader();
      return;
    }
    const type = kind === "pre-election" ? "pre-vote" : "vote";
    for (const to of this.tracker.voters) {
      if (to === this.id) continue;
      this.send({
        type,
        to,
        term,
        index: this.log.lastIndex(),
        logTerm: this.log.lastTerm(),
        context: kind === "transfer" ? TRANSFER_CONTEXT : EMPTY,
      });
    }
  }

  /** Counts a (pre-)vote response; wins or loses the election when decided. */
  poll(from: MemberId, granted: boolean): void {
    this.tracker.recordVote(from, granted);
    const result = this.tracker.tallyVotes();
    if (result === "won") {
      if (this.role === "pre-candidate") this.campaign("election");
      else this.becomeLeader();
    } else if (result === "lost") {
      this.becomeFollower(this.term, "");
    }
  }

  becomeFollower(term: number, lead: MemberId | ""): void {
    this.#reset(term);
    this.lead = lead;
    this.role = "follower";
    this.#step = stepFollower;
    this.#tick = tickElection;
  }

  becomePreCandidate(): void {
    this.tracker.resetVotes();
    this.lead = "";
    this.role = "pre-candidate";
    this.#step = stepCandidate;
    this.#tick = tickElection;
  }

  becomeCandidate(): void {
    this.#reset(this.term + 1);
    this.vote = this.id;
    this.role = "candidate";
    this.#step = stepCandidate;
    this.#tick = tickElection;
  }

  becomeLeader(): void {
    this.#reset(this.term);
    this.lead = this.id;
    this.role = "leader";
    this.#step = stepLeader;
    this.#tick = tickHeartbeat;
    this.tracker.progress.get(this.id)?.becomeReplicate();
    // A new leader commits entries of earlier terms only through one of its own (§5.4.2).
    this.appendLocal("normal", EMPTY);
    maybeCommit(this);
    bcastAppend(this);
  }

  #reset(term: number): void {
    if (this.term !== term) {
      this.term = term;
      this.vote = "";
    }
    this.lead = "";
    this.electionElapsed = 0;
    this.heartbeatElapsed = 0;
    const e = this.config.electionTick;
    this.randomizedElectionTimeout = e + Math.min(e - 1, Math.floor(this.config.random() * e));
    this.leadTransferee = "";
    this.tracker.resetVotes();
    this.tracker.resetAll(this.id, this.log.lastIndex());
    this.readOnly = new ReadOnly();
    this.pendingReads = [];
    this.bcastPending = false;
  }

  /** Leader: appends one entry of the current term to its own log. */
  appendLocal(kind: EntryKind, data: Uint8Array): Entry {
    const e: Entry = { term: this.term, index: this.log.lastIndex() + 1, kind, data };
    this.log.append([e]);
    this.onWritten([e]);
    this.tracker.progress.get(this.id)?.maybeUpdate(e.index);
    return e;
  }

  /** Keeps the membership in step with entries just written to the log (and overwritten). */
  onWritten(written: readonly Entry[]): void {
    const first = written[0];
    if (first === undefined) return;
    let changed = this.membership.lastChangeIndex >= first.index;
    this.membership.truncateFrom(first.index);
    for (const e of written) {
      if (e.kind !== "conf-change") continue;
      this.membership.record(e.index, decodeConfChange(e.data));
      changed = true;
    }
    if (changed) this.tracker.setConf(this.membership.latest, this.log.lastIndex());
  }

  /** Follower: installs a snapshot from the leader; false when it brings nothing new. */
  restoreSnapshot(snap: Snapshot): boolean {
    const { index, term, conf } = snap.meta;
    if (index <= this.log.committed) return false;
    if (this.log.matchTerm(index, term)) {
      this.log.commitTo(index);
      return false;
    }
    this.log.restore(snap);
    this.membership.reset(conf);
    this.tracker.setConf(conf, this.log.lastIndex());
    return true;
  }
}

/** Followers and candidates: campaign when no leader was heard for the randomized timeout. */
function tickElection(r: Raft): void {
  r.electionElapsed++;
  if (r.promotable && r.electionElapsed >= r.randomizedElectionTimeout) {
    r.electionElapsed = 0;
    r.hup(false);
  }
}

function validateConfig(c: RaftConfig): void {
  const positive = (name: string, v: number) => {
    if (!Number.isSafeInteger(v) || v < 1) {
      throw new RangeError(`RaftConfig.${name} must be a positive integer: got ${v}`);
    }
  };
  if (typeof c.id !== "string" || c.id === "") {
    throw new RangeError("RaftConfig.id must be this member's non-empty ID");
  }
  positive("electionTick", c.electionTick);
  positive("heartbeatTick", c.heartbeatTick);
  positive("maxSizePerMsg", c.maxSizePerMsg);
  positive("maxInflightMsgs", c.maxInflightMsgs);
  positive("snapshotChunkSize", c.snapshotChunkSize);
  if (c.heartbeatTick >= c.electionTick) {
    throw new RangeError(
      `RaftConfig.heartbeatTick (${c.heartbeatTick}) must be below electionTick (${c.electionTick})`,
    );
  }
  if (!Number.isSafeInteger(c.applied) || c.applied < 0) {
    throw new RangeError(`RaftConfig.applied must be a non-negative integer: got ${c.applied}`);
  }
}
