import assert from "node:assert/strict";
import { RaftLog } from "./log.ts";
import { MemoryLogStorage } from "./memory_storage.ts";
import { CompactedError, type Entry } from "./types.ts";

const ent = (index: number, term: number, data = ""): Entry => ({
  index,
  term,
  kind: "normal",
  data: new TextEncoder().encode(data),
});
const ents = (from: number, terms: number[]) => terms.map((t, i) => ent(from + i, t));

function logWith(stored: number[], unstable: number[] = []): RaftLog {
  const s = new MemoryLogStorage();
  s.append(ents(1, stored));
  const log = new RaftLog(s);
  if (unstable.length > 0) log.append(ents(stored.length + 1, unstable));
  return log;
}

Deno.test("RaftLog: indexes and terms span storage and the unstable tail", () => {
  const log = logWith([1, 1, 2], [3, 3]);
  assert.equal(log.firstIndex(), 1);
  assert.equal(log.lastIndex(), 5);
  assert.deepEqual([0, 1, 2, 3, 4, 5, 6].map((i) => log.term(i)), [0, 1, 1, 2, 3, 3, undefined]);
  assert.equal(log.lastTerm(), 3);
  assert.deepEqual(log.slice(2, 6, Infinity).map((e) => e.term), [1, 2, 3, 3]);
  assert.deepEqual(log.unstableEntries().map((e) => e.index), [4, 5]);
});

Deno.test("RaftLog: findConflict and maybeAppend (§5.3 consistency check)", () => {
  const log = logWith([1, 2, 3]);
  assert.equal(log.findConflict(ents(1, [1, 2])), 0);
  assert.equal(log.findConflict(ents(2, [2, 3, 4])), 4, "new entries");
  assert.equal(log.findConflict(ents(2, [2, 4])), 3, "conflict");
  assert.equal(log.maybeAppend(3, 2, 0, ents(4, [3])), undefined, "mismatched prev term");
  const r = log.maybeAppend(2, 2, 3, ents(3, [4, 4]));
  assert.equal(r?.lastNew, 4);
  assert.deepEqual(r?.written.map((e) => [e.index, e.term]), [[3, 4], [4, 4]]);
  assert.equal(log.committed, 3);
  assert.deepEqual([1, 2, 3, 4].map((i) => log.term(i)), [1, 2, 4, 4]);
});

Deno.test("RaftLog: maybeAppend commits no further than the entries it checked", () => {
  // A matching prefix followed by a stale suffix: the leader's commit must not reach the suffix.
  const log = logWith([1, 1, 1, 1]);
  const r = log.maybeAppend(1, 1, 4, ents(2, [1]));
  assert.equal(r?.lastNew, 2);
  assert.equal(log.committed, 2);
});

Deno.test("RaftLog: refuses to overwrite committed entries", () => {
  const log = logWith([1, 1, 1]);
  log.commitTo(3);
  assert.throws(() => log.append(ents(2, [5])), /below commit/);
  assert.throws(() => log.commitTo(9), /beyond the last index/);
});

Deno.test("RaftLog: findConflictByTerm for fast back-off", () => {
  const log = logWith([1, 1, 2, 2, 5, 5]);
  assert.deepEqual(log.findConflictByTerm(6, 5), { index: 6, term: 5 });
  assert.deepEqual(log.findConflictByTerm(6, 4), { index: 4, term: 2 });
  assert.deepEqual(log.findConflictByTerm(6, 1), { index: 2, term: 1 });
  assert.deepEqual(log.findConflictByTerm(6, 0), { index: 0, term: 0 });
});

Deno.test("RaftLog: isUpToDate compares last term, then length (§5.4.1)", () => {
  const log = logWith([1, 2, 2]);
  assert.ok(log.isUpToDate(1, 3), "higher last term wins even when shorter");
  assert.ok(log.isUpToDate(3, 2), "same term, same length");
  assert.ok(!log.isUpToDate(2, 2), "same term, shorter");
  assert.ok(!log.isUpToDate(9, 1), "lower last term loses even when longer");
});

Deno.test("RaftLog: next committed entries, stable and applied", () => {
  const log = logWith([1], [1, 1]);
  log.commitTo(2);
  assert.deepEqual(log.nextCommittedEntries(log.applied + 1, Infinity).map((e) => e.index), [1, 2]);
  log.appliedTo(2);
  assert.deepEqual(log.nextCommittedEntries(log.applied + 1, Infinity), []);
  log.stableTo(3, 1);
  assert.deepEqual(log.unstableEntries(), []);
});

Deno.test("RaftLog: restore a snapshot replaces the log", () => {
  const log = logWith([1, 1]);
  log.restore({
    meta: { index: 10, term: 3, conf: { voters: ["a"], learners: [] } },
    data: new Uint8Array(),
  });
  assert.equal(log.firstIndex(), 11);
  assert.equal(log.lastIndex(), 10);
  assert.equal(log.term(10), 3);
  assert.equal(log.term(5), undefined);
  assert.equal(log.committed, 10);
  assert.throws(() => log.slice(5, 6, Infinity), CompactedError);
});

Deno.test("RaftLog: slice honours maxBytes but returns at least one entry", () => {
  const s = new MemoryLogStorage();
  s.append([ent(1, 1, "aaaa"), ent(2, 1, "bbbb"), ent(3, 1, "cccc")]);
  const log = new RaftLog(s);
  log.append([ent(4, 1, "dddd")]);
  assert.equal(log.slice(1, 5, 1).length, 1);
  assert.equal(log.slice(1, 5, 40).length, 2);
  assert.equal(log.slice(1, 5, Infinity).length, 4);
  assert.equal(log.slice(3, 5, 40).length, 2, "across storage and unstable");
});
