/** Raft paper §5.3 (log replication, with flow control and batching) and §5.4.2 (committing
 * entries from previous terms, Figure 8). */
import assert from "node:assert/strict";
import { TestCluster, text } from "./_testing.ts";
import type { Message } from "./types.ts";

const terms = (c: TestCluster, id: string): number[] => {
  const s = c.get(id).storage;
  return s.entries(s.firstIndex(), s.lastIndex() + 1, Infinity).map((e) => e.term);
};

Deno.test("§5.3 replication: an entry commits once a majority stores it; followers learn it", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.cut.add("a>c");
  const at = c.core("a").propose(text("x"));
  c.stabilize();
  assert.equal(c.core("a").status().commit, at.index);
  assert.equal(c.core("b").status().commit, at.index, "learned from the next append");
  assert.deepEqual(c.appliedData("b"), ["x"]);
  assert.equal(c.core("c").status().lastIndex, at.index - 1);
  c.heal();
  c.tick(["a"], 2);
  assert.deepEqual(c.appliedData("c"), ["x"], "the lagging follower catches up");
});

Deno.test("§5.3 replication: the leader overwrites a follower's conflicting entries (Figure 7)", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("a");
  for (let i = 0; i < 5; i++) c.core("a").propose(text(`lost${i}`)); // never reaches a majority
  c.stabilize();
  c.elect("b");
  for (let i = 0; i < 3; i++) c.core("b").propose(text(`kept${i}`));
  c.stabilize();
  c.heal();
  c.tick(["b"], 3);
  assert.equal(c.core("a").status().role, "follower");
  assert.deepEqual(terms(c, "a"), terms(c, "b"));
  assert.deepEqual(c.appliedData("a"), ["kept0", "kept1", "kept2"]);
});

Deno.test("§5.3 fast back-off: a rejection hint skips a whole term of mismatches", () => {
  const c = new TestCluster(["a", "b", "c"], { preVote: false, checkQuorum: false });
  c.elect("a");
  c.isolate("a");
  for (let i = 0; i < 50; i++) c.core("a").propose(text(`stale${i}`));
  c.stabilize();
  c.elect("b");
  c.core("b").propose(text("new"));
  c.stabilize();
  c.heal();
  const before = c.sent.length;
  c.tick(["b"], 2);
  const rejects = c.sent.slice(before).filter((m) => m.type === "append-resp" && m.reject);
  assert.ok(rejects.length <= 2, `${rejects.length} rejections for 50 stale entries`);
  assert.deepEqual(terms(c, "a"), terms(c, "b"));
});

Deno.test("§5.3 flow control: at most maxInflightMsgs unacknowledged appends", () => {
  const c = new TestCluster(["a", "b"], { maxInflightMsgs: 2, maxSizePerMsg: 1 });
  c.elect("a");
  c.cut.add("b>a"); // b's acknowledgements are lost
  const before = c.sent.length;
  for (let i = 0; i < 10; i++) {
    c.core("a").propose(text(`v${i}`));
    c.stabilize();
  }
  const appends = c.sent.slice(before).filter((m) => m.type === "append" && m.entries.length > 0);
  assert.equal(appends.length, 2);
  c.heal();
  c.tick(["a"], 30);
  assert.equal(c.appliedData("b").length, 10, "heartbeat responses restart the flow");
});

Deno.test("§5.3 batching: proposals between two Readies share one append up to maxSizePerMsg", () => {
  const c = new TestCluster(["a", "b"], { maxSizePerMsg: 100 });
  c.elect("a");
  const before = c.sent.length;
  for (let i = 0; i < 10; i++) c.core("a").propose(text(`v${i}`)); // 18 bytes each as counted
  c.stabilize();
  const appends = c.sent.slice(before).filter((m) => m.type === "append" && m.entries.length > 0);
  assert.deepEqual(appends.map((m) => m.entries.length), [5, 5]);
});

Deno.test("§5.4.2 commit of previous terms: counting replicas commits only current-term entries (Figure 8)", () => {
  const c = new TestCluster(["a", "b", "c", "d", "e"], {
    preVote: false,
    checkQuorum: false,
    maxSizePerMsg: 1, // one entry per append, so that old and new entries travel apart
  });
  c.elect("a"); // term 2; its no-op at index 6 commits everywhere
  c.cut.add("a>c").add("a>d").add("a>e");
  const x = c.core("a").propose(text("x")); // (7, 2) reaches b only
  c.stabilize();
  c.isolate("a");
  c.cut.add("e>b");
  c.core("e").campaign(); // term 3 with c and d; e's no-op takes index 7 on e alone
  const fromE = (m: Message) => m.from === "e" && m.type === "append";
  for (let i = 0; i < 5; i++) c.deliver((m) => !fromE(m));
  c.drop(fromE);
  assert.equal(c.core("e").status().role, "leader");
  c.isolate("e");
  for (const link of ["a>b", "b>a", "a>c", "c>a", "a>d", "d>a"]) c.cut.delete(link);
  c.restart("a"); // a crashed meanwhile; it comes back as a follower of term 2
  c.core("a").campaign(); // term 3: c and d already voted for e
  c.stabilize();
  c.core("a").campaign(); // term 4: wins with b, c, d
  // Entries of term 4 are withheld from whoever would accept them (appends that a follower
  // rejects still go through, so that the leader backs off and re-sends x alone).
  const withheld = (m: Message) =>
    m.type === "append" && m.entries.some((e) => e.term === 4) &&
    c.core(m.to).status().lastIndex >= m.index;
  for (let i = 0; i < 20; i++) c.deliver((m) => !withheld(m));
  assert.equal(c.core("a").status().role, "leader");
  assert.equal(c.core("a").status().term, 4);
  for (const id of ["a", "b", "c"]) assert.equal(terms(c, id)[x.index - 1], 2, `${id} stores x`);
  assert.equal(c.core("a").status().commit, x.index - 1, "x is on a majority but not committed");
  // Once an entry of term 4 reaches a majority, it commits x with it.
  c.stabilize();
  assert.ok(c.core("a").status().commit > x.index);
  assert.ok(c.appliedData("c").includes("x"));
});
