import assert from "node:assert/strict";
import { Inflights, Progress, ProgressTracker } from "./progress.ts";

Deno.test("Inflights: add, full, freeLE", () => {
  const f = new Inflights(3);
  f.add(2);
  f.add(5);
  f.add(9);
  assert.ok(f.full());
  assert.throws(() => f.add(10));
  f.freeLE(5);
  assert.equal(f.count, 1);
  f.freeLE(100);
  assert.equal(f.count, 0);
});

Deno.test("Progress: probe sends one append at a time", () => {
  const p = new Progress(10, 4);
  assert.equal(p.isPaused(), false);
  p.sentEntries(3, 12);
  assert.equal(p.isPaused(), true);
  assert.equal(p.next, 10, "probing does not move next");
  assert.ok(p.maybeUpdate(12));
  assert.equal(p.isPaused(), false);
  assert.equal(p.next, 13);
});

Deno.test("Progress: replicate pipelines until inflights are full", () => {
  const p = new Progress(1, 2);
  p.becomeReplicate();
  p.sentEntries(2, 2);
  assert.equal(p.next, 3);
  assert.equal(p.isPaused(), false);
  p.sentEntries(2, 4);
  assert.equal(p.isPaused(), true);
  p.maybeUpdate(2);
  p.inflights.freeLE(2);
  assert.equal(p.inflights.count, 1);
});

Deno.test("Progress: maybeDecrTo ignores stale rejections", () => {
  const r = new Progress(10, 4);
  r.match = 5;
  r.becomeReplicate();
  assert.equal(r.maybeDecrTo(4, 4), false, "at or below match: stale");
  assert.equal(r.maybeDecrTo(8, 2), true);
  assert.equal(r.next, 6, "replicate falls back to match + 1");

  const p = new Progress(10, 4);
  assert.equal(p.maybeDecrTo(7, 3), false, "probe: not the index we probed");
  assert.equal(p.maybeDecrTo(9, 3), true);
  assert.equal(p.next, 4, "jumps to the hint + 1");
});

Deno.test("Progress: snapshot state pauses until resolved", () => {
  const p = new Progress(3, 4);
  p.becomeSnapshot(20);
  assert.equal(p.isPaused(), true);
  p.becomeProbe();
  assert.equal(p.next, 21);
  assert.equal(p.pendingSnapshot, 0);
});

Deno.test("ProgressTracker: conf, commit over voters only, quorum activity, votes", () => {
  const t = new ProgressTracker(4);
  t.setConf({ voters: ["a", "b", "c"], learners: ["l"] }, 10);
  assert.equal(t.progress.get("b")?.next, 11);
  for (const [id, m] of [["a", 10], ["b", 8], ["c", 3], ["l", 10]] as const) {
    t.progress.get(id)!.match = m;
  }
  assert.equal(t.committed(), 8, "the learner does not count");
  for (const pr of t.progress.values()) pr.recentActive = false;
  assert.equal(t.quorumActive("a"), false);
  t.progress.get("c")!.recentActive = true;
  assert.equal(t.quorumActive("a"), true);
  t.recordVote("a", true);
  t.recordVote("l", true);
  assert.equal(t.tallyVotes(), "pending");
  t.recordVote("b", false);
  t.recordVote("b", true);
  assert.equal(t.tallyVotes(), "pending", "a member's first vote stands");
  t.recordVote("c", true);
  assert.equal(t.tallyVotes(), "won");
  t.setConf({ voters: ["a", "b"], learners: [] }, 10);
  assert.equal(t.progress.has("c"), false);
  assert.equal(t.progress.has("l"), false);
});
