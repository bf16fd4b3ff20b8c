/** Raft thesis §3.10 (leadership transfer) and §6.4 (linearizable reads with ReadIndex). */
import assert from "node:assert/strict";
import { str, TestCluster, text } from "./_testing.ts";
import { NotLeaderError } from "./types.ts";

Deno.test("§3.10 transfer: a caught-up target is told to campaign and takes over", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.core("a").propose(text("x"));
  c.stabilize();
  const term = c.core("a").status().term;
  c.core("a").transferLeadership("b");
  c.stabilize();
  assert.deepEqual(c.leaders(), ["b"]);
  assert.equal(c.core("b").status().term, term + 1);
  assert.equal(c.core("a").status().leader, "b");
});

Deno.test("§3.10 transfer: a lagging target catches up first; proposals wait", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  for (let i = 0; i < 5; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  c.heal();
  c.core("a").transferLeadership("c");
  const err = assert.throws(() => c.core("a").propose(text("late")), NotLeaderError);
  void err;
  try {
    c.core("a").propose(text("late"));
  } catch (e) {
    assert.ok(e instanceof NotLeaderError && e.leader === "c", "the hint names the target");
  }
  c.stabilize();
  assert.deepEqual(c.leaders(), ["c"]);
  assert.equal(c.appliedData("c").length, 5);
});

Deno.test("§3.10 transfer: abandoned after an election timeout when the target is unreachable", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  c.core("a").transferLeadership("c");
  assert.throws(() => c.core("a").propose(text("x")), NotLeaderError);
  c.tick(["a", "b"], 10);
  assert.deepEqual(c.leaders(), ["a"]);
  c.core("a").propose(text("x")); // accepted again
  assert.throws(() => c.core("a").transferLeadership("zz"), RangeError);
  assert.throws(() => c.core("b").transferLeadership("c"), NotLeaderError);
});

Deno.test("§6.4 ReadIndex: the leader confirms leadership with a heartbeat round", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const at = c.core("a").propose(text("x"));
  c.stabilize();
  const before = c.sent.length;
  c.core("a").readIndex(text("r1"));
  c.stabilize();
  const rs = c.get("a").readStates;
  assert.deepEqual(rs.map((r) => [r.index, str(r.context)]), [[at.index, "r1"]]);
  const beats = c.sent.slice(before).filter((m) => m.type === "heartbeat");
  assert.ok(beats.every((m) => str(m.context) === "r1"));
  assert.equal(c.core("a").status().lastIndex, at.index, "no entry was written");
  assert.throws(() => c.core("a").readIndex(new Uint8Array()), RangeError);
});

Deno.test("§6.4 ReadIndex: a leader without a quorum serves no reads", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("a");
  c.core("a").readIndex(text("r"));
  c.tick(["a"], 5);
  assert.deepEqual(c.get("a").readStates, []);
  c.heal();
  c.tick(["a"], 1);
  assert.equal(c.get("a").readStates.length, 1, "answered once a majority acknowledges");
});

Deno.test("§6.4 ReadIndex: a follower forwards the read to the leader", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const at = c.core("a").propose(text("x"));
  c.stabilize();
  c.core("b").readIndex(text("rb"));
  c.stabilize();
  assert.deepEqual(c.get("b").readStates.map((r) => [r.index, str(r.context)]), [[at.index, "rb"]]);
  const lone = new TestCluster(["a", "b", "c"]);
  assert.throws(() => lone.core("b").readIndex(text("r")), NotLeaderError);
});

Deno.test("§6.4 ReadIndex: a new leader answers only after committing an entry of its term", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.core("a").propose(text("x"));
  c.stabilize();
  c.core("b").campaign();
  for (let i = 0; i < 4; i++) c.deliver((m) => m.type.includes("vote"));
  assert.equal(c.core("b").status().role, "leader");
  c.core("b").readIndex(text("r"));
  c.handleReady("b");
  assert.deepEqual(c.get("b").readStates, [], "held back: b's commit index may be stale");
  c.stabilize();
  assert.equal(c.get("b").readStates[0]?.index, c.core("b").status().commit);
});

Deno.test("§6.4 ReadIndex: a single voter answers at once", () => {
  const c = new TestCluster(["a"]);
  c.elect("a");
  c.core("a").readIndex(text("r"));
  c.handleReady("a");
  assert.equal(c.get("a").readStates.length, 1);
});

Deno.test("§6.4 ReadIndex: a context may be pending only once", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.core("a").readIndex(text("r"));
  assert.throws(() => c.core("a").readIndex(text("r")), /unique context/);
  c.stabilize();
  c.core("a").readIndex(text("r")); // answered: the context may be used again
});
