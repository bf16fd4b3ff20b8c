/**
 * A pure Raft core (after etcd-io/raft) and its contract with the shells that drive it.
 *
 * The core reads no clock, network, disk or random source of its own: time is `tick()`, input is
 * `step(message)`, `propose(data)` and friends, and output is one {@link Ready} batch at a time.
 * `types.ts` states the order in which a shell handles a Ready (persist, send, apply, advance).
 *
 * ```ts
 * import { bootstrapLog, MemoryLogStorage, newRaftCore, RAFT_DEFAULTS, seededRandom } from "./mod.ts";
 * const storage = new MemoryLogStorage();
 * const boot = bootstrapLog(["a"]); // a founding member; a joining member starts empty
 * storage.append(boot.entries);
 * storage.setHardState(boot.hardState);
 * const core = newRaftCore({ ...RAFT_DEFAULTS, id: "a", storage, applied: 0, random: seededRandom(1) });
 * core.campaign();
 * ```
 *
 * ## Files
 * - `raw_node.ts`: {@link newRaftCore}, the Ready/advance cycle. `raft.ts`: terms, elections, votes.
 *   `leader.ts` / `follower.ts`: what each role does with a message (step functions swapped on a
 *   role change).
 * - Small pure parts: `quorum.ts` (majorities), `progress.ts` (per-follower flow control),
 *   `read_only.ts` (pending ReadIndex reads), `log.ts` + `unstable.ts` (the log view),
 *   `membership.ts` + `conf_change.ts` (configurations), `snapshot_chunks.ts`, `message.ts`
 *   (validation), `memory_storage.ts`, `rand.ts`.
 *
 * ## The shell and the network
 * - `node.ts`: {@link RaftNode}, the async shell that persists, sends, applies and advances;
 *   its options, status and seams (`Transport`, `DurableStorage`) are in `node_options.ts`, the
 *   errors it rejects requests with in `node_errors.ts`. `kv_storage.ts` is its Deno KV storage.
 * - `grpc_transport.ts`: {@link GrpcRaftTransport}, a `Transport` to the peers' Raft services
 *   (per-peer queues batched into `ProcessRaftMessages` calls, snapshots streamed, deadlines,
 *   reconnects). `grpc_service.ts`: {@link raftService}, the receiving side, which checks that
 *   the caller speaks only for itself. `grpc_codec.ts`: messages ⇄ protobuf.
 * - `memory_transport.ts`: an in-process network for tests and benchmarks.
 *
 * ## Elections
 * A follower that hears no leader for a random time in [electionTick, 2·electionTick) campaigns.
 * With `preVote`, it first asks whether it could win (without changing any term), so a member
 * that was partitioned does not force a healthy leader to step down when it returns. With
 * `checkQuorum`, a leader steps down when a majority was not heard from during an election timeout,
 * and members that heard from a leader within that time ignore vote requests (unless the request
 * comes from a leadership transfer). Seeing a higher term in anything but a leader's message does
 * not restart the election timer (Raft §5.2), so a candidate with a stale log cannot keep the
 * up-to-date members from campaigning.
 *
 * ## Replication and commit
 * Appends are pipelined (the next index moves on send) up to `maxInflightMsgs` messages of at most
 * `maxSizePerMsg` bytes; a follower that rejects hints where its log may match, so the leader skips
 * a term at a time. Proposals made between two Ready batches go out together. A leader commits
 * only entries of its own term by counting replicas (§5.4.2) and appends an empty entry when
 * elected, which also lets it serve reads. A follower whose next entry was compacted receives the
 * latest snapshot in `snapshotChunkSize` chunks, reassembled in any order; its `append-resp`
 * resumes replication, and a transfer that does not complete within an election timeout is sent
 * again.
 *
 * ## Membership changes, one at a time
 * A change is a `conf-change` entry (see `encodeConfChange`). Every member uses the latest
 * configuration in its log as soon as the entry is appended, committed or not (Raft thesis §4.1);
 * the shell calls `applyConfChange` when it applies the committed entry and gets the configuration
 * as of that entry back, to store in its snapshots. A new cluster starts from `bootstrapLog`
 * entries so that members joining later learn the founding configuration from the log itself.
 *
 * Why one change at a time is safe: two configurations that differ by one member have
 * overlapping majorities. With n voters, adding one gives n+1, and a majority of each
 * (⌊n/2⌋+1 and ⌊(n+1)/2⌋+1 members) adds up to more than n+1, so any two such majorities share a
 * member; removing one is the same argument read backwards. That shared member votes once per
 * term and holds every entry both majorities committed, so two leaders (or two different commits)
 * cannot arise from the old and the new configuration. The argument needs each change to start
 * only from a configuration everyone can agree on, hence the two rules `proposeConfChange` enforces:
 * no change while another is uncommitted, and none until the leader has committed an entry of its
 * own term (the fix for the bug found after the thesis: without it a new leader could build on a
 * change from a deposed leader's log that never committed).
 *
 * Learners (`add-learner`) receive the log but never vote nor count for a quorum; `add-voter` of a
 * learner promotes it. Demoting a voter is refused (remove it instead), and so is removing the
 * last voter. A leader that removes itself keeps leading without counting itself until the change
 * commits, then steps down: it first tells the followers the new commit index and asks the most
 * up-to-date voter to campaign at once. Until then it must stay leader, or the change might not
 * commit at all. For the same reason a member removed by a change that is not yet committed may
 * still campaign (it needs a majority of the new configuration, without itself).
 *
 * ## Leadership transfer and reads
 * `transferLeadership(to)` stops proposals (they throw a {@link NotLeaderError} naming the
 * target), brings the target up to date, then sends it `timeout-now`; it campaigns at once and its
 * vote requests bypass the leader lease. The transfer is abandoned after an election timeout.
 * `readIndex(context)` serves a linearizable read without writing the log: the leader records its
 * commit index and confirms it is still leader with a heartbeat round carrying the context; once a
 * majority answers, a {@link ReadState} appears in a Ready and the shell may serve the read when it
 * has applied that index. A follower forwards the request to the leader. A new leader holds reads
 * until it has committed an entry of its term. Reads pending on a leader that loses leadership are
 * dropped: the shell times them out.
 *
 * ## Bad input: what is refused and what is ignored
 * `step` throws an {@link InvalidMessageError}, before changing any state, for a malformed message
 * (unknown type, non-integer or negative numbers, wrong field types, a message addressed to
 * another member or claiming to come from this one, entries that are not contiguous after
 * `index`, whose terms decrease or exceed the message's, a conf-change entry that does not decode,
 * a snapshot chunk that is missing, misplaced or inconsistent), and for claims no correct peer can
 * make: a heartbeat that commits beyond our log, an acknowledgement beyond the leader's log.
 * Everything else Raft expects of an asynchronous network is ignored or answered as Raft says:
 * messages of older terms (answered with our term when that lets a stale leader step down),
 * responses from members outside the configuration, duplicates and stale responses, appends that
 * do not match our log (rejected with a hint). Vote requests from members we do not know are
 * answered normally: the candidate may have been added by an entry we have not received, and a
 * vote only depends on how up to date its log is, so granting one is safe.
 *
 * ## Storage contract
 * `initialState().conf` is the membership at some point at or after the snapshot (the snapshot's,
 * or the one `applyConfChange` last returned); the core replays the log's conf-change entries on
 * top of it. The core refuses a membership without a snapshot: use `bootstrapLog`. On restart,
 * `config.applied` must lie between the snapshot index and the stored commit index.
 *
 * @module
 */

export * from "./types.ts";
export { newRaftCore, RAFT_DEFAULTS } from "./raw_node.ts";
export { MemoryLogStorage, type MemoryLogStorageOptions } from "./memory_storage.ts";
export { applyChange, bootstrapLog, decodeConfChange, encodeConfChange } from "./conf_change.ts";
export { randomInt, seededRandom } from "./rand.ts";
export {
  ProposalDroppedError,
  ProposalTimeoutError,
  RaftNode,
  RaftNodeStoppedError,
} from "./node.ts";
export type { DurableStorage, RaftNodeOptions, RaftNodeStatus, Transport } from "./node_options.ts";
export {
  CorruptStorageError,
  KvRaftStorage,
  type KvRaftStorageOptions,
  StorageKeyError,
  StorageWriteError,
} from "./kv_storage.ts";
export {
  type GrpcRaftPeer,
  GrpcRaftTransport,
  type GrpcRaftTransportOptions,
  type GrpcRaftTransportStats,
} from "./grpc_transport.ts";
export {
  DEFAULT_MAX_BATCH_MESSAGES,
  raftService,
  type RaftServiceOptions,
} from "./grpc_service.ts";
export { approximateSize, decodeRaftMessage, encodeRaftMessage } from "./grpc_codec.ts";
