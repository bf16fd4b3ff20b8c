import assert from "node:assert/strict";
import { Unstable } from "./unstable.ts";
import type { Entry, Snapshot } from "./types.ts";

const ent = (index: number, term: number): Entry => ({
  index,
  term,
  kind: "normal",
  data: new Uint8Array(),
});
const snap = (index: number, term: number): Snapshot => ({
  meta: { index, term, conf: { voters: [], learners: [] } },
  data: new Uint8Array(),
});

Deno.test("Unstable: truncateAndAppend appends, replaces, or truncates", () => {
  const u = new Unstable(5);
  u.truncateAndAppend([ent(5, 1), ent(6, 1)]);
  u.truncateAndAppend([ent(7, 1)]);
  assert.deepEqual(u.entries.map((e) => e.index), [5, 6, 7]);
  u.truncateAndAppend([ent(6, 2)]);
  assert.deepEqual(u.entries.map((e) => [e.index, e.term]), [[5, 1], [6, 2]]);
  u.truncateAndAppend([ent(3, 3)]);
  assert.equal(u.offset, 3);
  assert.deepEqual(u.entries.map((e) => [e.index, e.term]), [[3, 3]]);
});

Deno.test("Unstable: stableTo only when the term still matches", () => {
  const u = new Unstable(5);
  u.truncateAndAppend([ent(5, 1), ent(6, 1)]);
  u.stableTo(6, 2);
  assert.equal(u.entries.length, 2, "term mismatch: the entry was replaced since");
  u.stableTo(5, 1);
  assert.deepEqual(u.entries.map((e) => e.index), [6]);
  assert.equal(u.offset, 6);
});

Deno.test("Unstable: a snapshot answers for its own index", () => {
  const u = new Unstable(1);
  u.restore(snap(9, 4));
  assert.equal(u.maybeFirstIndex(), 10);
  assert.equal(u.maybeLastIndex(), 9);
  assert.equal(u.maybeTerm(9), 4);
  assert.equal(u.maybeTerm(8), undefined);
  u.stableSnapTo(8);
  assert.ok(u.snapshot !== undefined);
  u.stableSnapTo(9);
  assert.equal(u.snapshot, undefined);
});
