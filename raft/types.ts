/**
 * The contract between the pure Raft core and the shells that drive it.
 *
 * The core (see `raw_node.ts`) never touches a clock, the network, a disk or a random source of
 * its own: time arrives as `tick()`, input as `step(message)` and `propose(data)`, and output
 * leaves as one {@link Ready} batch. The shell acts on a `Ready` in this order, then calls
 * `advance(ready)`:
 *
 * 1. Persist `snapshot` (if any), then `entries`, then `hardState`, durably (synced), and append
 *    the same to the in-memory {@link LogStorage} the core reads.
 * 2. Only then send `messages` (a vote or an acknowledgement must never leave before the state it
 *    vouches for is on disk).
 * 3. Apply `snapshot` (if any) and then `committedEntries`, in order, to the state machine.
 * 4. Call `advance(ready)`.
 *
 * Everything in this file is plain data so that it can be copied, logged, encoded on the wire
 * and compared in simulation.
 *
 * @module
 */

/** A member's identity: the manager's node ID. Never reused after removal. */
export type MemberId = string;

/** What an entry carries: an application command, or a membership change for the core. */
export type EntryKind = "normal" | "conf-change";

/** One log entry. `data` is opaque to the core for `normal` entries. */
export interface Entry {
  readonly term: number;
  readonly index: number;
  readonly kind: EntryKind;
  /** For `normal`: the application's bytes (may be empty, e.g. a new leader's no-op).
   * For `conf-change`: an encoded {@link ConfChange} (see `encodeConfChange`). */
  readonly data: Uint8Array;
}

/** State that must be durable before any message that depends on it is sent. */
export interface HardState {
  readonly term: number;
  /** The member voted for in `term`, or "" for none. */
  readonly vote: MemberId;
  readonly commit: number;
}

/** The membership at some point of the log. */
export interface ConfState {
  readonly voters: readonly MemberId[];
  readonly learners: readonly MemberId[];
}

/** One membership change, applied one at a time (see the core's module doc for why that is safe). */
export interface ConfChange {
  readonly type: "add-voter" | "add-learner" | "remove";
  readonly member: MemberId;
  /** Opaque context for the application (e.g. the member's address). */
  readonly context: Uint8Array;
}

export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
}

/** A state machine snapshot at `meta.index`. `data` is the application's serialized state. */
export interface Snapshot {
  readonly meta: SnapshotMeta;
  readonly data: Uint8Array;
}

export type MessageType =
  | "append" // leader → follower: entries (possibly none) after (logTerm, index)
  | "append-resp"
  | "vote"
  | "vote-resp"
  | "pre-vote"
  | "pre-vote-resp"
  | "heartbeat"
  | "heartbeat-resp"
  | "snapshot" // one chunk of a snapshot (see `snapshotChunk`)
  | "snapshot-resp"
  | "timeout-now" // leadership transfer: campaign immediately
  | "read-index" // follower → leader: forward a ReadIndex request
  | "read-index-resp";

/** One chunk of a snapshot in transfer. Chunks of one snapshot share `meta`. */
export interface SnapshotChunk {
  readonly meta: SnapshotMeta;
  readonly offset: number;
  readonly totalSize: number;
  readonly data: Uint8Array;
  readonly last: boolean;
}

/** A message between members. Fields that a type does not use are zero or empty. */
export interface Message {
  readonly type: MessageType;
  readonly from: MemberId;
  readonly to: MemberId;
  readonly term: number;
  /** append: term of the entry at `index`; vote/pre-vote: the candidate's last log term. */
  readonly logTerm: number;
  /** append: index preceding `entries`; append-resp: the follower's match or rejected index;
   * vote/pre-vote: the candidate's last log index; read-index-resp: the read index. */
  readonly index: number;
  readonly entries: readonly Entry[];
  readonly commit: number;
  readonly reject: boolean;
  /** append-resp with reject: a hint of the follower's last index, for fast back-off. */
  readonly rejectHint: number;
  /** snapshot: the chunk; absent on every other type. */
  readonly snapshotChunk?: SnapshotChunk;
  /** read-index/read-index-resp and heartbeats: the request's context bytes. */
  readonly context: Uint8Array;
}

/** A linearizable read that may be served once the state machine has applied `index`. */
export interface ReadState {
  readonly index: number;
  readonly context: Uint8Array;
}

export type Role = "follower" | "pre-candidate" | "candidate" | "leader";

/** Volatile state the shell may want to observe; it need not be persisted. */
export interface SoftState {
  readonly leader: MemberId | "";
  readonly role: Role;
}

/** The batch of work the core hands to its shell. See the module doc for the order. */
export interface Ready {
  /** Present when it changed since the last Ready. */
  readonly softState?: SoftState;
  /** Present when it changed since the last Ready; persist before sending `messages`. */
  readonly hardState?: HardState;
  /** Entries to append to stable storage (they may overwrite a conflicting suffix). */
  readonly entries: readonly Entry[];
  /** A snapshot to persist and apply (received from the leader). */
  readonly snapshot?: Snapshot;
  /** Entries committed and not yet handed out, to apply in order. */
  readonly committedEntries: readonly Entry[];
  /** Messages to send once the persistence above is durable. */
  readonly messages: readonly Message[];
  readonly readStates: readonly ReadState[];
}

/**
 * The log as the core reads it: synchronous, in memory. The shell appends to it what it made
 * durable (see `MemoryLogStorage`); after a restart the shell fills it from durable storage.
 */
export interface LogStorage {
  /** Hard state and membership to start from. */
  initialState(): { hardState: HardState; conf: ConfState };
  /** Entries in [lo, hi), at most `maxBytes` of data (but at least one entry if any exist). */
  entries(lo: number, hi: number, maxBytes: number): Entry[];
  /** Term of entry `index`; throws {@link CompactedError} below the first index. */
  term(index: number): number;
  /** Index of the first entry still in the log (snapshot index + 1). */
  firstIndex(): number;
  lastIndex(): number;
  /** The latest snapshot (index 0 / empty data when there is none). */
  snapshot(): Snapshot;
}

/** Options of a core. Time is in ticks; the shell decides how long a tick is. */
export interface RaftConfig {
  readonly id: MemberId;
  readonly storage: LogStorage;
  /** A follower that hears no leader for a random time in [electionTick, 2·electionTick) ticks
   * starts an election. @default 10 */
  readonly electionTick: number;
  /** @default 1 */
  readonly heartbeatTick: number;
  /** Seeded random source returning a number in [0, 1): the only randomness the core uses. */
  readonly random: () => number;
  /** Index of the last entry already applied by the state machine (after a restart). */
  readonly applied: number;
  /** Most bytes of entries in one append message. @default 1 MiB */
  readonly maxSizePerMsg: number;
  /** Most append messages in flight to one follower. @default 256 */
  readonly maxInflightMsgs: number;
  /** Most bytes of one snapshot chunk. @default 512 KiB */
  readonly snapshotChunkSize: number;
  readonly checkQuorum: boolean;
  readonly preVote: boolean;
}

/** Thrown by `propose`/`readIndex`/`transferLeadership` on a member that is not the leader. */
export class NotLeaderError extends Error {
  override readonly name = "NotLeaderError";
  /** The leader this member believes in, or "" when it knows none. */
  readonly leader: MemberId | "";
  constructor(leader: MemberId | "") {
    super(
      leader === ""
        ? "This member is not the Raft leader and knows no leader: retry once a leader is elected"
        : `This member is not the Raft leader: send the request to leader ${leader}`,
    );
    this.leader = leader;
  }
}

/** Thrown by {@link LogStorage.term} and friends for an index already compacted into a snapshot. */
export class CompactedError extends Error {
  override readonly name = "CompactedError";
  constructor(index: number, firstIndex: number) {
    super(`Log index ${index} is compacted: the first index still in the log is ${firstIndex}`);
  }
}

/** Thrown by `step` for a message the core refuses (unknown member, malformed, beyond the log). */
export class InvalidMessageError extends Error {
  override readonly name = "InvalidMessageError";
}

/** Thrown by `proposeConfChange` when another change is still pending, or it is unsafe. */
export class ConfChangeError extends Error {
  override readonly name = "ConfChangeError";
}

/** The progress view of the core, for status displays and tests. */
export interface RaftStatus {
  readonly id: MemberId;
  readonly term: number;
  readonly vote: MemberId;
  readonly commit: number;
  readonly applied: number;
  readonly lastIndex: number;
  readonly leader: MemberId | "";
  readonly role: Role;
  readonly conf: ConfState;
  /** Leader only: each peer's match index. */
  readonly progress: Readonly<Record<MemberId, { readonly match: number; readonly next: number }>>;
}

/**
 * A pure Raft member. Implemented by `newRaftCore(config)` in `raw_node.ts`. No method awaits,
 * reads a clock or draws randomness other than `config.random`.
 */
export interface RaftCore {
  /** Advance logical time by one tick (elections, heartbeats, check-quorum). */
  tick(): void;
  /** Feed a message received from a peer. Throws {@link InvalidMessageError} for bad input. */
  step(message: Message): void;
  /** Leader only: append `data` and return where it landed. Throws {@link NotLeaderError}. */
  propose(data: Uint8Array): { readonly index: number; readonly term: number };
  /** Leader only: propose a membership change. Throws {@link ConfChangeError} while another is
   * pending or when the change is unsafe, {@link NotLeaderError} on a follower. */
  proposeConfChange(change: ConfChange): { readonly index: number; readonly term: number };
  /** Apply a committed conf-change entry (the shell calls this when applying it). */
  applyConfChange(change: ConfChange): ConfState;
  /** Ask for a linearizable read; its {@link ReadState} appears in a later Ready. */
  readIndex(context: Uint8Array): void;
  /** Leader only: hand leadership to `to` once it is caught up. */
  transferLeadership(to: MemberId): void;
  /** Start an election now (used by single-member bootstrap and tests). */
  campaign(): void;
  hasReady(): boolean;
  ready(): Ready;
  advance(ready: Ready): void;
  status(): RaftStatus;
}
