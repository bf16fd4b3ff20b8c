import assert from "node:assert/strict";
import { chunkSnapshot, SnapshotAssembler } from "./snapshot_chunks.ts";
import type { Snapshot } from "./types.ts";
import { seededRandom } from "./rand.ts";

const snap = (n: number): Snapshot => ({
  meta: { index: 10, term: 2, conf: { voters: ["a"], learners: [] } },
  data: Uint8Array.from({ length: n }, (_, i) => i % 251),
});

Deno.test("chunkSnapshot: sizes, offsets and the last flag", () => {
  const chunks = chunkSnapshot(snap(10), 4);
  assert.deepEqual(chunks.map((c) => [c.offset, c.data.length, c.last]), [
    [0, 4, false],
    [4, 4, false],
    [8, 2, true],
  ]);
  const one = chunkSnapshot(snap(0), 4);
  assert.equal(one.length, 1);
  assert.ok(one[0]?.last);
});

Deno.test("SnapshotAssembler: reassembles in any order, with duplicates", () => {
  const s = snap(1000);
  const random = seededRandom(5);
  const chunks = chunkSnapshot(s, 64);
  const shuffled = [...chunks, ...chunks.slice(0, 5)];
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j]!, shuffled[i]!];
  }
  const a = new SnapshotAssembler();
  let got: Snapshot | undefined;
  for (const c of shuffled) {
    const r = a.add("leader", 3, c);
    if (typeof r !== "string") got = r;
  }
  assert.deepEqual(got?.data, s.data);
  assert.deepEqual(got?.meta, s.meta);
});

Deno.test("SnapshotAssembler: another transfer replaces a partial one", () => {
  const a = new SnapshotAssembler();
  const first = chunkSnapshot(snap(100), 30);
  const second = chunkSnapshot({ ...snap(50), meta: { ...snap(0).meta, index: 20 } }, 30);
  assert.equal(a.add("l", 1, first[0]!), "partial");
  assert.equal(a.add("l", 1, second[0]!), "partial");
  // The rest of the first transfer cannot complete: its start was dropped.
  for (const c of first.slice(1)) assert.equal(a.add("l", 1, c), "partial");
  const s2 = chunkSnapshot({ ...snap(50), meta: { ...snap(0).meta, index: 20 } }, 30);
  let done: Snapshot | undefined;
  for (const c of s2) {
    const r = a.add("l", 1, c);
    if (typeof r !== "string") done = r;
  }
  assert.equal(done?.meta.index, 20);
  assert.equal(done?.data.length, 50);
});

Deno.test("SnapshotAssembler: an empty snapshot completes with its one chunk", () => {
  const a = new SnapshotAssembler();
  const [c] = chunkSnapshot(snap(0), 8);
  const r = a.add("l", 1, c!);
  assert.ok(typeof r !== "string" && r.data.length === 0);
});

Deno.test("SnapshotAssembler: pieces that overlap restart the transfer", () => {
  const a = new SnapshotAssembler();
  const s = snap(10);
  const meta = s.meta;
  assert.equal(
    a.add("l", 1, { meta, offset: 0, totalSize: 10, data: s.data.subarray(0, 6), last: false }),
    "partial",
  );
  assert.equal(
    a.add("l", 1, { meta, offset: 4, totalSize: 10, data: s.data.subarray(4, 10), last: true }),
    "restart",
  );
});
