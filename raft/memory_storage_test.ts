import assert from "node:assert/strict";
import { MemoryLogStorage } from "./memory_storage.ts";
import { CompactedError, type Entry } from "./types.ts";

const ent = (index: number, term: number, size = 0): Entry => ({
  index,
  term,
  kind: "normal",
  data: new Uint8Array(size),
});
const conf = { voters: ["a"], learners: [] };

Deno.test("MemoryLogStorage: empty, append, overwrite a suffix, refuse a gap", () => {
  const s = new MemoryLogStorage();
  assert.equal(s.firstIndex(), 1);
  assert.equal(s.lastIndex(), 0);
  assert.equal(s.term(0), 0);
  s.append([ent(1, 1), ent(2, 1), ent(3, 1)]);
  s.append([ent(3, 2), ent(4, 2)]);
  assert.deepEqual(s.entries(1, 5, Infinity).map((e) => e.term), [1, 1, 2, 2]);
  s.append([ent(2, 3)]);
  assert.equal(s.lastIndex(), 2);
  assert.throws(() => s.append([ent(9, 3)]), RangeError);
  assert.throws(() => s.term(7), RangeError);
});

Deno.test("MemoryLogStorage: entries honour maxBytes, at least one", () => {
  const s = new MemoryLogStorage();
  s.append([ent(1, 1, 100), ent(2, 1, 100), ent(3, 1, 100)]);
  assert.equal(s.entries(1, 4, 0).length, 1);
  assert.equal(s.entries(1, 4, 240).length, 2);
  assert.throws(() => s.entries(1, 9, Infinity), RangeError);
});

Deno.test("MemoryLogStorage: snapshot, compact (keeping entries below it), applySnapshot", () => {
  const s = new MemoryLogStorage();
  s.append([ent(1, 1), ent(2, 1), ent(3, 2), ent(4, 2), ent(5, 2)]);
  assert.throws(() => s.compact(3), /take a snapshot first/);
  const snap = s.createSnapshot(4, conf, new Uint8Array([7]));
  assert.deepEqual(snap.meta, { index: 4, term: 2, conf });
  s.compact(2);
  assert.equal(s.firstIndex(), 3);
  assert.equal(s.term(2), 1, "the compaction point keeps its term");
  assert.throws(() => s.term(1), CompactedError);
  assert.throws(() => s.entries(2, 3, Infinity), CompactedError);
  assert.equal(s.initialState().conf, conf);
  assert.throws(() => s.createSnapshot(3, conf, new Uint8Array()), /not newer/);
  s.compact(1); // already compacted: nothing to do
  s.applySnapshot({ meta: { index: 10, term: 4, conf }, data: new Uint8Array() });
  assert.equal(s.firstIndex(), 11);
  assert.equal(s.lastIndex(), 10);
  assert.equal(s.term(10), 4);
  assert.throws(
    () => s.applySnapshot({ meta: { index: 9, term: 4, conf }, data: new Uint8Array() }),
    /not newer/,
  );
  s.append([ent(8, 3), ent(9, 3), ent(10, 4), ent(11, 4)]);
  assert.deepEqual([s.firstIndex(), s.lastIndex()], [11, 11], "compacted entries are skipped");
});

Deno.test("MemoryLogStorage: hard state", () => {
  const s = new MemoryLogStorage();
  s.setHardState({ term: 3, vote: "b", commit: 0 });
  assert.deepEqual(s.initialState().hardState, { term: 3, vote: "b", commit: 0 });
});
