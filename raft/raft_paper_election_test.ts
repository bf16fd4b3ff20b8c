/** Raft paper §5.2 (leader election) and §5.4.1 (election restriction), plus the thesis's
 * pre-vote and check-quorum (§9.6, §6.2). */
import assert from "node:assert/strict";
import { TestCluster, text } from "./_testing.ts";
import { newMessage } from "./message.ts";

const noPreVote = { preVote: false, checkQuorum: false } as const;

Deno.test("§5.2 election: a silent follower campaigns after a random time in [et, 2·et)", () => {
  const seen = new Set<number>();
  for (let seed = 1; seed <= 30; seed++) {
    const c = new TestCluster(["a", "b", "c"], { ...noPreVote, seed });
    c.cut.add("a>b").add("a>c"); // let a's campaign go nowhere
    let ticks = 0;
    while (c.core("a").status().role === "follower") {
      c.core("a").tick();
      ticks++;
    }
    assert.ok(ticks >= 10 && ticks < 20, `campaigned after ${ticks} ticks`);
    seen.add(ticks);
    assert.equal(c.core("a").status().role, "candidate");
    assert.equal(c.core("a").status().term, 2, "a candidate increments its term");
    assert.equal(c.core("a").status().vote, "a", "and votes for itself");
  }
  assert.ok(seen.size > 3, "the timeout is randomized");
});

Deno.test("§5.2 election: a candidate with a majority of votes leads; the others follow", () => {
  const c = new TestCluster(["a", "b", "c", "d", "e"], noPreVote);
  c.cut.add("a>d").add("a>e"); // two of five unreachable: a still has a majority
  c.elect("a");
  assert.equal(c.core("a").status().role, "leader");
  for (const id of ["b", "c"]) assert.equal(c.core(id).status().leader, "a");
  assert.equal(c.core("d").status().leader, "");
});

Deno.test("§5.2 election: a member grants at most one vote per term", () => {
  const c = new TestCluster(["a", "b", "c"], noPreVote);
  const b = c.core("b");
  const vote = (from: string) =>
    b.step(newMessage({ type: "vote", from, to: "b", term: 2, index: 3, logTerm: 1 }));
  vote("a");
  vote("c");
  vote("a"); // a repeat of the granted request is granted again
  const rd = b.ready();
  assert.deepEqual(rd.hardState, { term: 2, vote: "a", commit: 3 }, "the vote is persisted");
  assert.deepEqual(rd.messages.map((m) => [m.to, m.reject]), [["a", false], ["c", true], [
    "a",
    false,
  ]]);
  b.advance(rd);
});

Deno.test("§5.2 election: a candidate steps down on an append from a leader of its term", () => {
  const c = new TestCluster(["a", "b", "c"], noPreVote);
  c.cut.add("b>a").add("b>c");
  c.core("b").campaign();
  c.stabilize();
  assert.equal(c.core("b").status().role, "candidate");
  c.core("b").step(
    newMessage({ type: "append", from: "a", to: "b", term: 2, index: 3, logTerm: 1 }),
  );
  assert.equal(c.core("b").status().role, "follower");
  assert.equal(c.core("b").status().leader, "a");
});

Deno.test("§5.2 election: a split vote times out and a later term elects a leader", () => {
  const c = new TestCluster(["a", "b", "c", "d"], { ...noPreVote, seed: 3 });
  // a and c campaign at once; each gets one other vote: 2 of 4 is no majority.
  c.core("a").campaign();
  c.core("c").campaign();
  c.deliver((m) =>
    m.type === "vote" && ((m.from === "a" && m.to === "b") || (m.from === "c" && m.to === "d"))
  );
  c.drop((m) => m.type === "vote");
  c.stabilize();
  assert.equal(c.leaders().length, 0);
  for (let i = 0; i < 60 && c.leaders().length === 0; i++) c.tick();
  assert.equal(c.leaders().length, 1);
  assert.ok(c.core(c.leaders()[0]!).status().term >= 3);
});

Deno.test("§5.4.1 election restriction: a voter refuses a candidate with a less up-to-date log", () => {
  const c = new TestCluster(["a", "b", "c"], noPreVote);
  c.elect("a");
  c.core("a").propose(text("x"));
  c.stabilize(); // everyone has (5, 2)
  const b = c.core("b");
  const ask = (from: string, term: number, index: number, logTerm: number) => {
    b.step(newMessage({ type: "vote", from, to: "b", term, index, logTerm }));
    const rd = b.ready();
    b.advance(rd);
    return rd.messages.find((m) => m.type === "vote-resp")?.reject;
  };
  assert.equal(ask("c", 3, 9, 1), true, "lower last term, even with a longer log");
  assert.equal(ask("c", 4, 4, 2), true, "same last term, shorter log");
  assert.equal(ask("c", 5, 5, 2), false, "as up to date");
});

Deno.test("pre-vote: a partitioned member rejoining does not disrupt a healthy leader", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: true, checkQuorum: true });
  c.elect("a");
  const term = c.core("a").status().term;
  c.isolate("c");
  c.tick(undefined, 100);
  assert.equal(c.core("c").status().term, term, "pre-votes never raise the term");
  assert.equal(c.core("c").status().role, "pre-candidate");
  c.heal();
  c.tick(undefined, 30);
  assert.deepEqual(c.leaders(), ["a"]);
  assert.equal(c.core("a").status().term, term);
  assert.equal(c.core("c").status().leader, "a");
});

Deno.test("without pre-vote, the same partition forces an election on rejoin", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  const term = c.core("a").status().term;
  c.isolate("c");
  c.tick(undefined, 100);
  assert.ok(c.core("c").status().term > term + 3);
  c.heal();
  c.tick(undefined, 60);
  assert.ok(c.core(c.leaders()[0]!).status().term > term, "the leader was deposed");
});

Deno.test("check-quorum: a leader cut off from a majority steps down", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: true, checkQuorum: true });
  c.elect("a");
  c.isolate("a");
  c.tick(["a"], 10);
  assert.equal(c.core("a").status().role, "leader", "heard from both in the first round");
  c.tick(["a"], 10);
  assert.equal(c.core("a").status().role, "follower");
  assert.throws(() => c.core("a").propose(text("x")));
});

Deno.test("check-quorum: a member in a leader's lease ignores vote requests", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: false, checkQuorum: true });
  c.elect("a");
  const b = c.core("b");
  b.step(newMessage({ type: "vote", from: "c", to: "b", term: 9, index: 99, logTerm: 9 }));
  assert.equal(b.status().term, 2, "the term did not change");
  assert.equal(b.hasReady(), false, "and nothing was answered");
});
