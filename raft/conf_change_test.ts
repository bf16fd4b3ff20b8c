import assert from "node:assert/strict";
import {
  applyChange,
  applyChangeLeniently,
  bootstrapLog,
  decodeConfChange,
  encodeConfChange,
} from "./conf_change.ts";
import { type ConfChange, ConfChangeError, type ConfState } from "./types.ts";

const empty = new Uint8Array();

Deno.test("encode/decode: round trip of every type, with context and UTF-8 IDs", () => {
  for (const type of ["add-voter", "add-learner", "remove"] as const) {
    const cc: ConfChange = { type, member: "nœud-7", context: new Uint8Array([1, 2, 3]) };
    assert.deepEqual(decodeConfChange(encodeConfChange(cc)), cc);
  }
  const bare: ConfChange = { type: "remove", member: "x", context: empty };
  assert.deepEqual(decodeConfChange(encodeConfChange(bare)), bare);
});

Deno.test("decode: refuses malformed bytes", () => {
  const good = encodeConfChange({ type: "add-voter", member: "a", context: new Uint8Array([9]) });
  assert.throws(() => decodeConfChange(new Uint8Array()), ConfChangeError);
  assert.throws(() => decodeConfChange(good.slice(0, good.length - 1)), ConfChangeError);
  assert.throws(() => decodeConfChange(new Uint8Array([...good, 0])), ConfChangeError);
  const wrongMagic = good.slice();
  wrongMagic[0] = 0;
  assert.throws(() => decodeConfChange(wrongMagic), ConfChangeError);
  const wrongType = good.slice();
  wrongType[4] = 9;
  assert.throws(() => decodeConfChange(wrongType), ConfChangeError);
  const badUtf8 = good.slice();
  badUtf8[7] = 0xff;
  assert.throws(() => decodeConfChange(badUtf8), ConfChangeError);
});

Deno.test("encode: refuses an empty member ID", () => {
  assert.throws(
    () => encodeConfChange({ type: "add-voter", member: "", context: empty }),
    ConfChangeError,
  );
});

Deno.test("applyChange: add, promote, remove; refuses no-ops, demotion, the last voter", () => {
  let c: ConfState = { voters: ["a"], learners: [] };
  c = applyChange(c, { type: "add-learner", member: "b", context: empty });
  assert.deepEqual(c, { voters: ["a"], learners: ["b"] });
  c = applyChange(c, { type: "add-voter", member: "b", context: empty });
  assert.deepEqual(c, { voters: ["a", "b"], learners: [] });
  assert.throws(
    () => applyChange(c, { type: "add-voter", member: "b", context: empty }),
    /already/,
  );
  assert.throws(
    () => applyChange(c, { type: "add-learner", member: "a", context: empty }),
    /demotion/,
  );
  assert.throws(() => applyChange(c, { type: "remove", member: "z", context: empty }), /not in/);
  c = applyChange(c, { type: "remove", member: "a", context: empty });
  assert.deepEqual(c, { voters: ["b"], learners: [] });
  assert.throws(
    () => applyChange(c, { type: "remove", member: "b", context: empty }),
    /last voter/,
  );
});

Deno.test("applyChangeLeniently: replaying a suffix over a later membership is idempotent", () => {
  const changes: ConfChange[] = [
    { type: "add-learner", member: "d", context: empty },
    { type: "add-voter", member: "d", context: empty },
    { type: "remove", member: "a", context: empty },
  ];
  const base = { voters: ["a", "b", "c"], learners: [] };
  const all = changes.reduce(applyChangeLeniently, base);
  for (let k = 0; k <= changes.length; k++) {
    const stored = changes.slice(0, k).reduce(applyChangeLeniently, base);
    assert.deepEqual(changes.reduce(applyChangeLeniently, stored), all);
  }
  assert.deepEqual(all, { voters: ["b", "c", "d"], learners: [] });
});

Deno.test("bootstrapLog: sorted add-voter entries committed at term 1", () => {
  const { entries, hardState } = bootstrapLog(["c", "a", "b"]);
  assert.deepEqual(hardState, { term: 1, vote: "", commit: 3 });
  assert.deepEqual(entries.map((e) => [e.index, e.term, e.kind]), [
    [1, 1, "conf-change"],
    [2, 1, "conf-change"],
    [3, 1, "conf-change"],
  ]);
  assert.deepEqual(entries.map((e) => decodeConfChange(e.data).member), ["a", "b", "c"]);
  assert.throws(() => bootstrapLog([]), RangeError);
  assert.throws(() => bootstrapLog(["a", "a"]), RangeError);
});
