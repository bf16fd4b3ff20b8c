/**
 * Conversion between Raft {@link Message}s and their protobuf form (`swarm.v1.RaftMessage`),
 * with no IO.
 *
 * The wire uses `uint64` for terms, indexes and sizes (protobuf-es: `bigint`); the core uses
 * `number`. Encoding is exact for every value the core produces (safe integers). Decoding refuses,
 * with an {@link InvalidMessageError}, whatever cannot be represented faithfully or makes no sense
 * as a message: an unknown message type or entry kind, a number above `Number.MAX_SAFE_INTEGER`
 * (it would be silently rounded), a snapshot message without its chunk or chunk metadata, a chunk
 * on any other type. Everything else (addressing, entry order, chunk bounds) is left to
 * `validateMessage` in `message.ts`, which the receiving side runs with its own member ID.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type RaftEntry,
  RaftEntrySchema,
  type RaftMessage,
  RaftMessageSchema,
  type RaftSnapshotChunk,
  RaftSnapshotChunkSchema,
} from "../proto/gen/swarm/v1/raft_pb.ts";
import { newMessage } from "./message.ts";
import {
  type Entry,
  type EntryKind,
  InvalidMessageError,
  type Message,
  type MessageType,
  type SnapshotChunk,
} from "./types.ts";

const MESSAGE_TYPES: ReadonlySet<string> = new Set<MessageType>([
  "append",
  "append-resp",
  "vote",
  "vote-resp",
  "pre-vote",
  "pre-vote-resp",
  "heartbeat",
  "heartbeat-resp",
  "snapshot",
  "snapshot-resp",
  "timeout-now",
  "read-index",
  "read-index-resp",
]);

const ENTRY_KINDS: ReadonlySet<string> = new Set<EntryKind>(["normal", "conf-change"]);

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Encodes a message for the wire. Throws a `RangeError` for a number that is not a
 * non-negative safe integer (the core never produces one: it would be a bug, not bad input). */
export function encodeRaftMessage(m: Message): RaftMessage {
  const chunk = m.snapshotChunk;
  return create(RaftMessageSchema, {
    type: m.type,
    from: m.from,
    to: m.to,
    term: u64(m.term, "term"),
    logTerm: u64(m.logTerm, "logTerm"),
    index: u64(m.index, "index"),
    entries: m.entries.map(encodeEntry),
    commit: u64(m.commit, "commit"),
    reject: m.reject,
    rejectHint: u64(m.rejectHint, "rejectHint"),
    context: m.context,
    ...(chunk === undefined ? {} : { snapshotChunk: encodeChunk(chunk) }),
  });
}

/** Decodes a message from the wire; throws an {@link InvalidMessageError} for malformed input. */
export function decodeRaftMessage(p: RaftMessage): Message {
  const bad = (why: string): never => {
    throw new InvalidMessageError(
      `Refusing a Raft message (type ${JSON.stringify(p.type)}) from ${
        JSON.stringify(p.from)
      }: ${why}`,
    );
  };
  if (!MESSAGE_TYPES.has(p.type)) bad("unknown message type");
  const type = p.type as MessageType;
  const num = (v: bigint, field: string): number => {
    if (v > MAX_SAFE) bad(`${field} ${v} is beyond ${Number.MAX_SAFE_INTEGER}`);
    return Number(v);
  };
  let snapshotChunk: SnapshotChunk | undefined;
  const c = p.snapshotChunk;
  if (type === "snapshot") {
    if (c === undefined) bad("a snapshot message without its chunk");
    else snapshotChunk = decodeChunk(c, num, bad);
  } else if (c !== undefined) {
    bad("only snapshot messages carry a snapshot chunk");
  }
  const entries = p.entries.map((e, i): Entry => {
    if (!ENTRY_KINDS.has(e.kind)) bad(`entry ${i} has an unknown kind ${JSON.stringify(e.kind)}`);
    return {
      term: num(e.term, `entry ${i} term`),
      index: num(e.index, `entry ${i} index`),
      kind: e.kind as EntryKind,
      data: e.data,
    };
  });
  return newMessage({
    type,
    from: p.from,
    to: p.to,
    term: num(p.term, "term"),
    logTerm: num(p.logTerm, "logTerm"),
    index: num(p.index, "index"),
    entries,
    commit: num(p.commit, "commit"),
    reject: p.reject,
    rejectHint: num(p.rejectHint, "rejectHint"),
    context: p.context,
    ...(snapshotChunk === undefined ? {} : { snapshotChunk }),
  });
}

/**
 * About how many bytes `m` takes on the wire: its payloads plus a generous allowance per field
 * group. Used to cut batches below the gRPC message limit, so it errs on the high side.
 */
export function approximateSize(m: Message): number {
  let n = 96 + m.from.length + m.to.length + m.context.byteLength;
  for (const e of m.entries) n += 32 + e.data.byteLength;
  const c = m.snapshotChunk;
  if (c !== undefined) {
    n += 64 + c.data.byteLength;
    for (const id of c.meta.conf.voters) n += 4 + id.length;
    for (const id of c.meta.conf.learners) n += 4 + id.length;
  }
  return n;
}

function encodeEntry(e: Entry): RaftEntry {
  return create(RaftEntrySchema, {
    term: u64(e.term, "entry term"),
    index: u64(e.index, "entry index"),
    kind: e.kind,
    data: e.data,
  });
}

function encodeChunk(c: SnapshotChunk): RaftSnapshotChunk {
  return create(RaftSnapshotChunkSchema, {
    index: u64(c.meta.index, "snapshot index"),
    term: u64(c.meta.term, "snapshot term"),
    conf: { voters: [...c.meta.conf.voters], learners: [...c.meta.conf.learners] },
    offset: u64(c.offset, "chunk offset"),
    totalSize: u64(c.totalSize, "chunk total size"),
    data: c.data,
    last: c.last,
  });
}

function decodeChunk(
  c: RaftSnapshotChunk,
  num: (v: bigint, field: string) => number,
  bad: (why: string) => never,
): SnapshotChunk {
  // proto3 cannot tell an absent membership from an empty one; every snapshot has voters, so a
  // missing one means a broken sender.
  if (c.conf === undefined) bad("the snapshot chunk has no membership");
  const conf = c.conf as NonNullable<typeof c.conf>;
  return {
    meta: {
      index: num(c.index, "snapshot index"),
      term: num(c.term, "snapshot term"),
      conf: { voters: [...conf.voters], learners: [...conf.learners] },
    },
    offset: num(c.offset, "chunk offset"),
    totalSize: num(c.totalSize, "chunk total size"),
    data: c.data,
    last: c.last,
  };
}

function u64(v: number, field: string): bigint {
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new RangeError(`Cannot encode Raft ${field} ${v}: not a non-negative safe integer`);
  }
  return BigInt(v);
}
