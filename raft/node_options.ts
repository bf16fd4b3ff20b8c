/**
 * What a `RaftNode` (`node.ts`) is built from: its options, the two seams it drives (a
 * {@link Transport} to peers and a {@link DurableStorage}), and the status it reports. Kept apart
 * from `node.ts` so that transports and storages can name these types without the shell.
 *
 * @module
 */
import type { Clock } from "./clock.ts";
import type { KvRaftState, SaveBatch } from "./kv_storage.ts";
import type {
  ConfChange,
  ConfState,
  Entry,
  MemberId,
  Message,
  RaftConfig,
  RaftCore,
  RaftStatus,
  Snapshot,
  SnapshotMeta,
} from "./types.ts";

/** Sends messages to peers. Fire and forget: Raft retries whatever is lost. */
export interface Transport {
  /** Hands messages to the network; must not throw for an unreachable peer. */
  send(messages: readonly Message[]): void;
}

/** What the shell needs from durable storage (implemented by `KvRaftStorage`). */
export interface DurableStorage {
  load(): Promise<KvRaftState>;
  save(batch: SaveBatch): Promise<void>;
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  compact(index: number): Promise<void>;
}

/** Options of a `RaftNode`. Durations in milliseconds unless noted. */
export interface RaftNodeOptions {
  /** This member's ID (the manager's node ID). */
  readonly id: MemberId;
  /** Durable storage, already opened for this member (`KvRaftStorage.open`). */
  readonly storage: DurableStorage;
  readonly transport: Transport;
  /** Applies one committed normal entry to the state machine. Empty entries (a new leader's
   * no-op) are not passed. A throw is fatal for the member (its state would diverge). */
  readonly apply: (entry: Entry) => void | Promise<void>;
  /** Told after each membership change was applied, with the resulting membership. */
  readonly onConfChange?: (
    change: ConfChange,
    conf: ConfState,
    entry: Entry,
  ) => void | Promise<void>;
  /** Serializes the state machine as of the last applied entry. Without it no snapshot is
   * taken and the log is never compacted. */
  readonly takeSnapshot?: () => Uint8Array | Promise<Uint8Array>;
  /** Replaces the state machine with a snapshot (at start after a restart, or from the leader). */
  readonly restoreSnapshot?: (data: Uint8Array, meta: SnapshotMeta) => void | Promise<void>;
  /** Told when the known leader changes ("" while there is none). Must not throw: the loop
   * calls it inline, and a throw stops the member like a failed apply. */
  readonly onLeaderChange?: (leader: MemberId | "", term: number) => void;
  /** Told once when the member stops for good because of a storage or apply failure. */
  readonly onFatal?: (error: Error) => void;
  /** Founding voters of a new cluster: used only when the storage is empty, and every founding
   * member must pass the same list. A member that joins later passes nothing. */
  readonly bootstrap?: readonly MemberId[];
  /** @default systemClock */
  readonly clock?: Clock;
  /** Length of one tick. @default 100 */
  readonly tickMs?: number;
  /** Ticks without a leader before an election (randomized up to twice that). With the
   * defaults a leader failure is detected after 0.8–1.5 s. @default 8 */
  readonly electionTick?: number;
  /** @default 1 */
  readonly heartbeatTick?: number;
  /** Take a snapshot each time this many entries were applied since the last one.
   * @default 10000 */
  readonly snapshotInterval?: number;
  /** Entries kept in the log below a snapshot so that slow followers need no snapshot.
   * @default 500 */
  readonly logEntriesForSlowFollowers?: number;
  /** A proposal, read or transfer without an outcome after this long is rejected.
   * @default 5000 + 2 × electionTick × tickMs */
  readonly proposalTimeoutMs?: number;
  /** Randomness for election timeouts. @default Math.random */
  readonly random?: () => number;
  /** @default 1 MiB */
  readonly maxSizePerMsg?: number;
  /** @default 256 */
  readonly maxInflightMsgs?: number;
  /** @default 512 KiB */
  readonly snapshotChunkSize?: number;
  /** @default true */
  readonly checkQuorum?: boolean;
  /** @default true */
  readonly preVote?: boolean;
  /** Builds the core. @default newRaftCore */
  readonly createCore?: (config: RaftConfig) => RaftCore;
}

/** What {@link RaftNode.status} reports. */
export interface RaftNodeStatus extends RaftStatus {
  readonly state: "new" | "running" | "stopped" | "failed";
  /** The error that stopped the member, when `state` is "failed". */
  readonly failure?: Error;
  readonly snapshotIndex: number;
}

/** The `@default`s of {@link RaftNodeOptions} that are plain numbers. */
export const NODE_DEFAULTS = {
  tickMs: 100,
  electionTick: 8,
  heartbeatTick: 1,
  snapshotInterval: 10_000,
  logEntriesForSlowFollowers: 500,
  maxSizePerMsg: 1 << 20,
  maxInflightMsgs: 256,
  snapshotChunkSize: 512 << 10,
} as const;
