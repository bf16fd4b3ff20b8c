/**
 * The sending side of Raft over gRPC: a {@link Transport} that delivers a member's messages to its
 * peers' `swarm.v1.Raft` services (see `grpc_service.ts`) over mutual TLS.
 *
 * ## Policy
 * - `send` never throws and never waits: it queues each message on its peer's queue and returns;
 *   the queues are flushed in a microtask, so every message of one Ready leaves together.
 * - One queue per peer, flushed as `ProcessRaftMessages` batches (at most `maxBatchMessages`
 *   messages and about `maxBatchBytes` bytes each) with at most `maxInflightCalls` calls in
 *   flight (default 4). While the window is full the queue grows, so the next batch carries
 *   everything produced meanwhile: batching adapts to the round-trip time by itself. A window of
 *   one would make each append wait behind the heartbeat or append before it for a whole round
 *   trip; with four, three processes on loopback committed about 30 % more entries per second
 *   (`bench/raft_grpc_bench.ts`). Batches of one window share one HTTP/2 connection and arrived
 *   in order in every run checked; should they not (a reconnect in between), Raft rejects the
 *   out-of-order append and the leader resends.
 * - The chunks of one snapshot travel in one `StreamRaftMessage` call (one chunk per stream
 *   message). A snapshot is the only traffic that can exceed one batch by far; one stream per
 *   transfer keeps it in one call with its own, longer deadline, and makes it one queue item, sent
 *   or dropped as a whole (a partial transfer would be useless to the follower). The stream takes
 *   one slot of the window, so heartbeats keep flowing during a long transfer (with a window of
 *   one they wait for it); messages sent around it may arrive before or after its chunks, which
 *   Raft accepts.
 * - Bounded queues: beyond `maxQueuedMessages` the oldest item is dropped. Raft resends whatever
 *   matters (appends on the next heartbeat response, snapshots after an election timeout), and
 *   the newest messages are the most useful ones for a peer that comes back.
 * - Every call has a deadline (`timeoutMs`, `snapshotTimeoutMs`). A failed call drops its batch
 *   (Raft retries) and marks the peer unreachable; the next call waits a backoff (doubling from
 *   `minBackoffMs` to `maxBackoffMs`) so a dead peer costs a few connection attempts per second.
 *   On UNAVAILABLE or DEADLINE_EXCEEDED the peer's `ManagedChannel` retires its grpc-js client,
 *   so the next attempt dials afresh: a restarted peer is reached again within one backoff.
 * - Nothing here ever stops a server or sends GOAWAY; `close()` and `removePeer()` only close
 *   client channels.
 *
 * @module
 */
import type * as grpc from "@grpc/grpc-js";
import { Raft } from "../proto/gen/swarm/v1/raft_pb.ts";
import type { Client } from "../proto/grpc_client.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { GrpcStatusError } from "../proto/grpc_status.ts";
import { approximateSize, encodeRaftMessage } from "./grpc_codec.ts";
import type { Transport } from "./node_options.ts";
import type { MemberId, Message } from "./types.ts";

/** Options of a {@link GrpcRaftTransport}. Durations in milliseconds. */
export interface GrpcRaftTransportOptions {
  /** This member's ID (the `from` of every message it sends). */
  readonly selfId: MemberId;
  /** This node's TLS credentials (`clientCredentials` from `pki/` with its certificate). */
  readonly credentials: grpc.ChannelCredentials;
  /** grpc-js channel options over `ManagedChannel`'s defaults; pass `clientChannelOptions()`
   * from `pki/` so peers can be dialed by IP address. */
  readonly channelOptions?: grpc.ChannelOptions;
  /** Where to report peers becoming unreachable or reachable again, and dropped messages. */
  readonly log?: (message: string) => void;
  /** Told when a peer that was reachable (or never tried) fails a call. Must not throw. */
  readonly onUnreachable?: (id: MemberId, error: Error) => void;
  /** Told when a peer that was unreachable answers again. Must not throw. */
  readonly onReachable?: (id: MemberId) => void;
  /** Most bytes (approximately) of one `ProcessRaftMessages` batch; a single larger message
   * goes alone. @default 4 MiB */
  readonly maxBatchBytes?: number;
  /** Most messages in one batch; keep it at or below the receivers' limit.
   * @default 1024 */
  readonly maxBatchMessages?: number;
  /** Most messages queued per peer (a snapshot transfer counts as one); beyond it the oldest is
   * dropped. @default 4096 */
  readonly maxQueuedMessages?: number;
  /** Calls in flight per peer (see the module doc). 1 guarantees the order of delivery.
   * @default 4 */
  readonly maxInflightCalls?: number;
  /** Deadline of one `ProcessRaftMessages` call. @default 2000 */
  readonly timeoutMs?: number;
  /** Deadline of one snapshot stream. @default 60000 */
  readonly snapshotTimeoutMs?: number;
  /** First wait after a failed call. @default 25 */
  readonly minBackoffMs?: number;
  /** Longest wait between calls to a failing peer. @default 500 */
  readonly maxBackoffMs?: number;
}

/** What {@link GrpcRaftTransport.peers} reports about one peer. */
export interface GrpcRaftPeer {
  readonly id: MemberId;
  readonly addr: string;
  /** False after a failed call, until a call succeeds again. True before the first call. */
  readonly reachable: boolean;
  /** Messages waiting to be sent. */
  readonly queued: number;
  /** Messages dropped so far: queue overflow and failed calls. */
  readonly dropped: number;
  /** The error of the last failed call while unreachable. */
  readonly lastError?: Error;
}

/** Counters of a {@link GrpcRaftTransport}, over all peers. */
export interface GrpcRaftTransportStats {
  /** Calls that succeeded (unary batches and snapshot streams). */
  readonly calls: number;
  /** Messages delivered by those calls. */
  readonly messages: number;
  readonly failedCalls: number;
  /** Messages dropped: queue overflow, failed calls, unknown peers, after close. */
  readonly dropped: number;
}

const DEFAULTS = {
  maxBatchBytes: 4 << 20,
  maxBatchMessages: 1024,
  maxQueuedMessages: 4096,
  maxInflightCalls: 4,
  timeoutMs: 2_000,
  snapshotTimeoutMs: 60_000,
  minBackoffMs: 25,
  maxBackoffMs: 500,
} as const;

/** One queued message, or every chunk of one snapshot transfer. */
type Item =
  | { readonly kind: "message"; readonly message: Message; readonly bytes: number }
  | { readonly kind: "snapshot"; readonly key: string; readonly chunks: Message[] };

interface Peer {
  readonly id: MemberId;
  readonly addr: string;
  readonly channel: ManagedChannel;
  readonly client: Client<typeof Raft>;
  queue: Item[];
  inflight: number;
  reachable: boolean;
  failures: number;
  lastError: Error | undefined;
  lastLogged: string;
  /** No call starts before this time (backoff after a failure). */
  retryAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  scheduled: boolean;
  dropped: number;
  removed: boolean;
}

/** A {@link Transport} to the peers' Raft services over gRPC; see the module doc. */
export class GrpcRaftTransport implements Transport {
  readonly selfId: MemberId;
  readonly #o: GrpcRaftTransportOptions;
  #credentials: grpc.ChannelCredentials;
  readonly #peers = new Map<MemberId, Peer>();
  readonly #unknownLogged = new Set<MemberId>();
  #closed = false;
  #calls = 0;
  #messages = 0;
  #failedCalls = 0;
  #dropped = 0;

  constructor(options: GrpcRaftTransportOptions) {
    this.selfId = options.selfId;
    this.#o = options;
    this.#credentials = options.credentials;
  }

  /** Dials every peer with `credentials` from now on (after a certificate renewal): each gets a
   * fresh channel and keeps its queue; calls in flight on the old one may be lost, and Raft
   * resends what matters. */
  setCredentials(credentials: grpc.ChannelCredentials): void {
    this.#credentials = credentials;
    for (const { id, addr } of [...this.#peers.values()]) this.setPeer(id, addr, true);
  }

  /** Adds peer `id` at `addr` (`host:port`), or moves it to a new address (its queue stays);
   * `redial` replaces its channel even at the same address. */
  setPeer(id: MemberId, addr: string, redial = false): void {
    if (this.#closed) return;
    if (id === this.selfId) {
      throw new TypeError(`Member ${id} is this member: it sends nothing to itself`);
    }
    const old = this.#peers.get(id);
    if (old !== undefined && old.addr === addr && !redial) return;
    const channel = new ManagedChannel({
      address: addr,
      credentials: this.#credentials,
      ...(this.#o.channelOptions !== undefined ? { channelOptions: this.#o.channelOptions } : {}),
      // Raft messages are never retried by the channel: Raft itself retries what matters.
      retry: false,
    });
    const peer: Peer = {
      id,
      addr,
      channel,
      client: channel.client(Raft),
      queue: old?.queue ?? [],
      inflight: 0,
      reachable: true,
      failures: 0,
      lastError: undefined,
      lastLogged: "",
      retryAt: 0,
      timer: undefined,
      scheduled: false,
      dropped: old?.dropped ?? 0,
      removed: false,
    };
    if (old !== undefined) this.#retirePeer(old, false);
    this.#peers.set(id, peer);
    this.#unknownLogged.delete(id);
    this.#schedule(peer);
  }

  /** Forgets peer `id`: drops its queue and closes its channel. */
  removePeer(id: MemberId): void {
    const peer = this.#peers.get(id);
    if (peer === undefined) return;
    this.#peers.delete(id);
    this.#retirePeer(peer, true);
  }

  /** The known peers and how they are doing. */
  peers(): GrpcRaftPeer[] {
    return [...this.#peers.values()].map((p) => ({
      id: p.id,
      addr: p.addr,
      reachable: p.reachable,
      queued: p.queue.reduce(
        (n, item) => n + (item.kind === "message" ? 1 : item.chunks.length),
        0,
      ),
      dropped: p.dropped,
      ...(p.lastError !== undefined && !p.reachable ? { lastError: p.lastError } : {}),
    }));
  }

  /** False when peer `id` is unknown or its last call failed. */
  reachable(id: MemberId): boolean {
    return this.#peers.get(id)?.reachable ?? false;
  }

  stats(): GrpcRaftTransportStats {
    return {
      calls: this.#calls,
      messages: this.#messages,
      failedCalls: this.#failedCalls,
      dropped: this.#dropped,
    };
  }

  /** Queues `messages` for their peers and returns at once; see the module doc. */
  send(messages: readonly Message[]): void {
    for (const m of messages) {
      if (this.#closed) {
        this.#dropped++;
        continue;
      }
      const peer = this.#peers.get(m.to);
      if (peer === undefined) {
        this.#dropped++;
        if (!this.#unknownLogged.has(m.to)) {
          this.#unknownLogged.add(m.to);
          this.#log(`raft transport: no address for member ${m.to}: dropping its messages`);
        }
        continue;
      }
      this.#enqueue(peer, m);
      this.#schedule(peer);
    }
  }

  /** Closes every channel; later messages are dropped. Does not stop any server. */
  close(): void {
    this.#closed = true;
    for (const peer of this.#peers.values()) this.#retirePeer(peer, true);
    this.#peers.clear();
  }

  // ---- queues ----

  #enqueue(peer: Peer, m: Message): void {
    const q = peer.queue;
    if (m.type === "snapshot" && m.snapshotChunk !== undefined) {
      const meta = m.snapshotChunk.meta;
      const key = `${m.term}/${meta.index}/${meta.term}/${m.snapshotChunk.totalSize}`;
      const last = q[q.length - 1];
      // The core emits the chunks of one transfer in order, in one Ready; a chunk at or before
      // the group's last offset starts a new transfer (a resend), not more of the same one.
      const tail = last?.kind === "snapshot" ? last.chunks[last.chunks.length - 1] : undefined;
      if (
        last?.kind === "snapshot" && last.key === key &&
        (tail?.snapshotChunk?.offset ?? Infinity) < m.snapshotChunk.offset
      ) last.chunks.push(m);
      else q.push({ kind: "snapshot", key, chunks: [m] });
    } else {
      q.push({ kind: "message", message: m, bytes: approximateSize(m) });
    }
    const max = this.#o.maxQueuedMessages ?? DEFAULTS.maxQueuedMessages;
    while (q.length > max) this.#drop(peer, q.shift() as Item);
  }

  #drop(peer: Peer, item: Item): void {
    const n = item.kind === "message" ? 1 : item.chunks.length;
    peer.dropped += n;
    this.#dropped += n;
  }

  #schedule(peer: Peer): void {
    if (peer.scheduled || peer.removed) return;
    peer.scheduled = true;
    queueMicrotask(() => {
      peer.scheduled = false;
      this.#flush(peer);
    });
  }

  /** Starts calls while the window allows, the backoff is over and messages wait. */
  #flush(peer: Peer): void {
    const window = this.#o.maxInflightCalls ?? DEFAULTS.maxInflightCalls;
    while (!peer.removed && peer.inflight < window && peer.queue.length > 0) {
      const wait = peer.retryAt - Date.now();
      if (wait > 0) {
        peer.timer ??= setTimeout(() => {
          peer.timer = undefined;
          this.#flush(peer);
        }, wait);
        return;
      }
      const head = peer.queue[0] as Item;
      if (head.kind === "snapshot") {
        peer.queue.shift();
        this.#call(peer, head.chunks, true);
      } else {
        this.#call(peer, this.#takeBatch(peer), false);
      }
    }
  }

  /** Takes the leading plain messages of the queue, within the batch limits. */
  #takeBatch(peer: Peer): Message[] {
    const maxBytes = this.#o.maxBatchBytes ?? DEFAULTS.maxBatchBytes;
    const maxMessages = this.#o.maxBatchMessages ?? DEFAULTS.maxBatchMessages;
    const q = peer.queue;
    let n = 0;
    let bytes = 0;
    for (; n < q.length && n < maxMessages; n++) {
      const item = q[n] as Item;
      if (item.kind !== "message") break;
      if (n > 0 && bytes + item.bytes > maxBytes) break;
      bytes += item.bytes;
    }
    return q.splice(0, n).map((item) => (item as Item & { kind: "message" }).message);
  }

  // ---- calls ----

  #call(peer: Peer, messages: Message[], snapshot: boolean): void {
    peer.inflight++;
    let call: Promise<unknown>;
    try {
      const encoded = messages.map(encodeRaftMessage);
      call = snapshot
        ? peer.client.streamRaftMessage(encoded.map((m) => ({ messages: [m] })), {
          timeoutMs: this.#o.snapshotTimeoutMs ?? DEFAULTS.snapshotTimeoutMs,
        })
        : peer.client.processRaftMessages(
          { messages: encoded },
          { timeoutMs: this.#o.timeoutMs ?? DEFAULTS.timeoutMs },
        );
    } catch (e) {
      // A message the codec cannot encode is a bug of the core; a channel that refuses a call
      // (closed under us) is a lost batch. Neither may escape: send() never throws.
      call = Promise.reject(e);
    }
    call.then(
      () => this.#succeeded(peer, messages.length),
      (e: unknown) => this.#failed(peer, messages.length, e),
    );
  }

  #succeeded(peer: Peer, n: number): void {
    peer.inflight--;
    this.#calls++;
    this.#messages += n;
    if (peer.removed) return;
    peer.failures = 0;
    peer.retryAt = 0;
    if (!peer.reachable) {
      peer.reachable = true;
      peer.lastError = undefined;
      peer.lastLogged = "";
      this.#log(`raft transport: member ${peer.id} at ${peer.addr} is reachable again`);
      this.#notify(() => this.#o.onReachable?.(peer.id));
    }
    this.#flush(peer);
  }

  #failed(peer: Peer, n: number, e: unknown): void {
    peer.inflight--;
    this.#failedCalls++;
    this.#dropped += n;
    if (peer.removed) return;
    peer.dropped += n;
    const error = e instanceof Error ? e : new Error(String(e));
    peer.failures++;
    const min = this.#o.minBackoffMs ?? DEFAULTS.minBackoffMs;
    const max = this.#o.maxBackoffMs ?? DEFAULTS.maxBackoffMs;
    peer.retryAt = Date.now() + Math.min(max, min * 2 ** Math.min(peer.failures - 1, 20));
    peer.lastError = error;
    const what = error instanceof GrpcStatusError
      ? `${error.codeName}: ${error.message}`
      : String(e);
    // One line per change of state or of error, not one per attempt at a dead peer.
    if (peer.reachable || what !== peer.lastLogged) {
      peer.lastLogged = what;
      this.#log(`raft transport: member ${peer.id} at ${peer.addr} is unreachable (${what})`);
    }
    if (peer.reachable) {
      peer.reachable = false;
      this.#notify(() => this.#o.onUnreachable?.(peer.id, error));
    }
    this.#flush(peer);
  }

  #retirePeer(peer: Peer, dropQueue: boolean): void {
    peer.removed = true;
    if (peer.timer !== undefined) clearTimeout(peer.timer);
    peer.timer = undefined;
    if (dropQueue) {
      for (const item of peer.queue) this.#drop(peer, item);
      peer.queue = [];
    }
    peer.channel.close();
  }

  #notify(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.#log(`raft transport: a reachability callback threw: ${String(e)}`);
    }
  }

  #log(message: string): void {
    try {
      this.#o.log?.(message);
    } catch {
      // logging must not break the transport
    }
  }
}
