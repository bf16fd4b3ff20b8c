import assert from "node:assert/strict";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { RaftMessageBatchSchema, RaftMessageSchema } from "../proto/gen/swarm/v1/raft_pb.ts";
import { encodeConfChange } from "./conf_change.ts";
import { approximateSize, decodeRaftMessage, encodeRaftMessage } from "./grpc_codec.ts";
import { newMessage } from "./message.ts";
import { InvalidMessageError, type Message } from "./types.ts";

const enc = new TextEncoder();

/** Through the codec and the real protobuf bytes, as a peer would see it. */
function roundTrip(m: Message): Message {
  const bytes = toBinary(
    RaftMessageBatchSchema,
    create(RaftMessageBatchSchema, { messages: [encodeRaftMessage(m)] }),
  );
  const batch = fromBinary(RaftMessageBatchSchema, bytes);
  assert.equal(batch.messages.length, 1);
  return decodeRaftMessage(batch.messages[0]!);
}

const samples: Message[] = [
  newMessage({
    type: "append",
    from: "m1",
    to: "m2",
    term: 7,
    logTerm: 6,
    index: 41,
    commit: 40,
    entries: [
      { term: 6, index: 42, kind: "normal", data: enc.encode("x=1") },
      { term: 7, index: 43, kind: "normal", data: new Uint8Array() },
      {
        term: 7,
        index: 44,
        kind: "conf-change",
        data: encodeConfChange({ type: "add-voter", member: "m4", context: enc.encode("addr") }),
      },
    ],
  }),
  newMessage({ type: "append-resp", from: "m2", to: "m1", term: 7, index: 44 }),
  newMessage({
    type: "append-resp",
    from: "m2",
    to: "m1",
    term: 7,
    index: 50,
    reject: true,
    rejectHint: 44,
  }),
  newMessage({ type: "pre-vote", from: "m3", to: "m1", term: 8, logTerm: 7, index: 44 }),
  newMessage({ type: "vote-resp", from: "m1", to: "m3", term: 8, reject: true }),
  newMessage({ type: "heartbeat", from: "m1", to: "m2", term: 7, context: enc.encode("r/1") }),
  newMessage({ type: "read-index-resp", from: "m1", to: "m2", term: 7, index: 44 }),
  newMessage({ type: "timeout-now", from: "m1", to: "m2", term: 7 }),
  newMessage({
    type: "snapshot",
    from: "m1",
    to: "m3",
    term: 9,
    snapshotChunk: {
      meta: { index: 1000, term: 8, conf: { voters: ["m1", "m2", "m3"], learners: ["m4"] } },
      offset: 4,
      totalSize: 10,
      data: enc.encode("efghij"),
      last: true,
    },
  }),
  newMessage({
    type: "append",
    from: "m1",
    to: "m2",
    term: Number.MAX_SAFE_INTEGER,
    index: Number.MAX_SAFE_INTEGER - 1,
    commit: Number.MAX_SAFE_INTEGER,
  }),
];

Deno.test("grpc codec: every kind of message survives the wire unchanged", () => {
  for (const m of samples) assert.deepEqual(roundTrip(m), m, m.type);
});

Deno.test("grpc codec: a decoded message has no snapshotChunk key unless it is a snapshot", () => {
  const m = roundTrip(samples[1]!);
  assert.equal("snapshotChunk" in m, false);
});

Deno.test("grpc codec: an empty snapshot (one empty chunk) round-trips", () => {
  const m = newMessage({
    type: "snapshot",
    from: "m1",
    to: "m2",
    term: 2,
    snapshotChunk: {
      meta: { index: 5, term: 2, conf: { voters: ["m1", "m2"], learners: [] } },
      offset: 0,
      totalSize: 0,
      data: new Uint8Array(),
      last: true,
    },
  });
  assert.deepEqual(roundTrip(m), m);
});

function proto(init: Parameters<typeof create<typeof RaftMessageSchema>>[1]) {
  return create(RaftMessageSchema, { type: "heartbeat", from: "m1", to: "m2", term: 1n, ...init });
}

Deno.test("grpc codec: malformed input is refused with InvalidMessageError", () => {
  const tooBig = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
  const cases: [string, ReturnType<typeof proto>][] = [
    ["unknown type", proto({ type: "gossip" })],
    ["empty type", proto({ type: "" })],
    ["term beyond 2^53", proto({ term: tooBig })],
    ["index beyond 2^53", proto({ index: tooBig })],
    ["commit beyond 2^53", proto({ commit: 2n ** 64n - 1n })],
    ["logTerm beyond 2^53", proto({ logTerm: tooBig })],
    ["rejectHint beyond 2^53", proto({ rejectHint: tooBig })],
    [
      "entry index beyond 2^53",
      proto({ type: "append", entries: [{ term: 1n, index: tooBig, kind: "normal" }] }),
    ],
    [
      "unknown entry kind",
      proto({ type: "append", entries: [{ term: 1n, index: 1n, kind: "noop" }] }),
    ],
    ["snapshot without chunk", proto({ type: "snapshot" })],
    [
      "snapshot chunk without membership",
      proto({
        type: "snapshot",
        snapshotChunk: { index: 3n, term: 1n, totalSize: 0n, last: true },
      }),
    ],
    [
      "snapshot index beyond 2^53",
      proto({
        type: "snapshot",
        snapshotChunk: { index: tooBig, term: 1n, conf: { voters: ["m1"] }, last: true },
      }),
    ],
    [
      "chunk on a heartbeat",
      proto({ snapshotChunk: { index: 3n, term: 1n, conf: { voters: ["m1"] }, last: true } }),
    ],
  ];
  for (const [what, p] of cases) {
    assert.throws(() => decodeRaftMessage(p), InvalidMessageError, what);
  }
});

Deno.test("grpc codec: encoding a number the core never produces is a bug (RangeError)", () => {
  assert.throws(
    () => encodeRaftMessage(newMessage({ type: "heartbeat", from: "a", to: "b", term: -1 })),
    RangeError,
  );
  assert.throws(
    () => encodeRaftMessage(newMessage({ type: "heartbeat", from: "a", to: "b", term: 1.5 })),
    RangeError,
  );
});

Deno.test("grpc codec: approximateSize is never below the encoded size", () => {
  for (const m of samples) {
    const encoded = toBinary(RaftMessageSchema, encodeRaftMessage(m)).byteLength;
    assert.ok(approximateSize(m) >= encoded, `${m.type}: ${approximateSize(m)} < ${encoded}`);
  }
});
