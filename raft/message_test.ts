import assert from "node:assert/strict";
import { encodeConfChange } from "./conf_change.ts";
import { newMessage, validateMessage } from "./message.ts";
import { InvalidMessageError, type Message } from "./types.ts";

const good = newMessage({
  type: "append",
  from: "a",
  to: "b",
  term: 3,
  index: 4,
  logTerm: 2,
  entries: [
    { index: 5, term: 2, kind: "normal", data: new Uint8Array() },
    {
      index: 6,
      term: 3,
      kind: "conf-change",
      data: encodeConfChange({ type: "add-learner", member: "c", context: new Uint8Array() }),
    },
  ],
  commit: 4,
});
const refused = (m: unknown, why: RegExp) =>
  assert.throws(
    () => validateMessage(m, "b"),
    (e: unknown) => e instanceof InvalidMessageError && why.test(e.message),
  );

Deno.test("validateMessage: accepts a well-formed append", () => {
  validateMessage(good, "b");
  validateMessage(newMessage({ type: "heartbeat-resp", from: "x", to: "b", term: 0 }), "b");
});

Deno.test("validateMessage: refuses malformed envelopes", () => {
  refused(null, /not an object/);
  refused({ ...good, type: "nope" }, /unknown type/);
  refused({ ...good, from: "" }, /sender/);
  refused({ ...good, to: "c" }, /addressed to c/);
  refused({ ...good, from: "b" }, /this member itself/);
  refused({ ...good, term: -1 }, /term must be/);
  refused({ ...good, index: 1.5 }, /index must be/);
  refused({ ...good, commit: Number.NaN }, /commit must be/);
  refused({ ...good, reject: "no" }, /reject/);
  refused({ ...good, context: [1] }, /context/);
  refused({ ...good, entries: {} }, /entries must be an array/);
});

Deno.test("validateMessage: refuses bad entries", () => {
  const [e1, e2] = good.entries as Message["entries"];
  refused({ ...good, type: "heartbeat" }, /only append/);
  refused({ ...good, entries: [e2] }, /entry index 6 where 5/);
  refused({ ...good, entries: [{ ...e1!, term: 4 }] }, /above the message/);
  refused({ ...good, entries: [{ ...e1!, term: 1 }] }, /lower than the entry before/);
  refused(
    { ...good, entries: [e1, { ...e2!, data: new Uint8Array([1]) }] },
    /Malformed membership/,
  );
  refused({ ...good, entries: [{ ...e1!, kind: "other" }] }, /unknown kind/);
});

Deno.test("validateMessage: refuses bad snapshot chunks", () => {
  const meta = { index: 9, term: 2, conf: { voters: ["a"], learners: [] } };
  const chunk = { meta, offset: 0, totalSize: 4, data: new Uint8Array(4), last: true };
  const snap = newMessage({ type: "snapshot", from: "a", to: "b", term: 3, snapshotChunk: chunk });
  validateMessage(snap, "b");
  refused({ ...snap, snapshotChunk: undefined }, /needs a chunk/);
  refused({ ...snap, snapshotChunk: { ...chunk, last: false } }, /last flag/);
  refused({ ...snap, snapshotChunk: { ...chunk, totalSize: 3 } }, /beyond the total/);
  refused({ ...snap, snapshotChunk: { ...chunk, meta: { ...meta, index: 0 } } }, /index must be/);
  refused(
    { ...snap, snapshotChunk: { ...chunk, meta: { ...meta, term: 4 } } },
    /above the message/,
  );
  refused(
    { ...snap, snapshotChunk: { ...chunk, meta: { ...meta, conf: { voters: [1] } } } },
    /membership/,
  );
  refused({ ...good, snapshotChunk: chunk }, /only snapshot messages/);
});
