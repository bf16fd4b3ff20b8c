/** Raft paper §6 (cluster membership changes), done one server at a time (thesis §4.1). */
import assert from "node:assert/strict";
import { TestCluster, text } from "./_testing.ts";
import { type ConfChange, ConfChangeError } from "./types.ts";

const empty = new Uint8Array();
const change = (type: ConfChange["type"], member: string): ConfChange => ({
  type,
  member,
  context: empty,
});

Deno.test("§6 membership: a learner receives the log but neither votes nor counts", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.addMember("l");
  c.core("a").proposeConfChange(change("add-learner", "l"));
  c.core("a").propose(text("x"));
  c.stabilize();
  assert.deepEqual(c.appliedData("l"), ["x"]);
  assert.deepEqual(c.get("l").conf, { voters: ["a", "b", "c"], learners: ["l"] });
  c.isolate("b");
  c.isolate("c");
  const at = c.core("a").propose(text("y"));
  c.stabilize();
  assert.ok(c.core("a").status().commit < at.index, "a learner's copy does not make a majority");
  c.heal();
  c.isolate("a");
  c.tick(["l"], 50);
  assert.equal(c.core("l").status().role, "follower", "a learner never campaigns");
});

Deno.test("§6 membership: promoting a learner makes it count", () => {
  const c = new TestCluster(["a"]);
  c.elect("a");
  c.addMember("b");
  c.core("a").proposeConfChange(change("add-learner", "b"));
  c.stabilize();
  c.core("a").proposeConfChange(change("add-voter", "b"));
  c.stabilize();
  assert.deepEqual(c.core("b").status().conf, { voters: ["a", "b"], learners: [] });
  c.isolate("b");
  const at = c.core("a").propose(text("x"));
  c.stabilize();
  assert.ok(c.core("a").status().commit < at.index, "now a needs b");
});

Deno.test("§6 membership: one change at a time, and only after an entry of the leader's term", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.core("a").campaign();
  for (let i = 0; i < 4; i++) c.deliver((m) => m.type.includes("vote")); // pre-vote, then vote
  assert.equal(c.core("a").status().role, "leader");
  assert.throws(
    () => c.core("a").proposeConfChange(change("add-learner", "d")),
    (e: unknown) =>
      e instanceof ConfChangeError && /not committed an entry of its term/.test(e.message),
  );
  c.stabilize();
  c.core("a").proposeConfChange(change("add-learner", "d"));
  assert.throws(
    () => c.core("a").proposeConfChange(change("add-learner", "e")),
    (e: unknown) => e instanceof ConfChangeError && /not committed yet/.test(e.message),
  );
  c.stabilize();
  c.core("a").proposeConfChange(change("add-learner", "e"));
});

Deno.test("§6 membership: refuses no-ops, demotion and removing the last voter", () => {
  const c = new TestCluster(["a"]);
  c.elect("a");
  const a = c.core("a");
  assert.throws(() => a.proposeConfChange(change("add-voter", "a")), /already a voter/);
  assert.throws(() => a.proposeConfChange(change("add-learner", "a")), /demotion/);
  assert.throws(() => a.proposeConfChange(change("remove", "z")), /not in the membership/);
  assert.throws(() => a.proposeConfChange(change("remove", "a")), /last voter/);
  assert.throws(() => c.core("a").proposeConfChange(change("add-voter", "")), ConfChangeError);
});

Deno.test("§6 membership: a new voter catches up and the cluster commits with it", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 5; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  c.addMember("d");
  c.core("a").proposeConfChange(change("add-voter", "d"));
  c.stabilize();
  assert.deepEqual(c.appliedData("d"), ["v0", "v1", "v2", "v3", "v4"]);
  assert.deepEqual(c.get("d").conf.voters, ["a", "b", "c", "d"]);
  c.isolate("b");
  c.isolate("c");
  const at = c.core("a").propose(text("w"));
  c.stabilize();
  assert.ok(c.core("a").status().commit < at.index, "3 of 4 are needed now");
});

Deno.test("§6 membership: a leader that removes itself steps down after the change commits", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.core("a").proposeConfChange(change("remove", "a"));
  assert.equal(c.core("a").status().role, "leader", "it leads until the change commits");
  c.stabilize();
  assert.equal(c.core("a").status().role, "follower");
  const leaders = c.leaders();
  assert.equal(leaders.length, 1, "the most up-to-date voter was told to campaign at once");
  assert.ok(["b", "c"].includes(leaders[0]!));
  c.tick(undefined, 100);
  assert.equal(c.core("a").status().role, "follower", "the removed member never campaigns");
  assert.deepEqual(c.core(leaders[0]!).status().conf.voters, ["b", "c"]);
});

Deno.test("§6 membership: a removed member cannot disrupt the remaining cluster", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  c.isolate("c");
  c.core("a").proposeConfChange(change("remove", "c")); // c never learns of its removal
  c.stabilize();
  const term = c.core("a").status().term;
  c.tick(undefined, 40);
  c.heal();
  c.tick(undefined, 60);
  assert.deepEqual(c.leaders(), ["a"]);
  assert.equal(c.core("a").status().term, term);
});

Deno.test("§6 membership: applyConfChange returns the configuration as of the entry", () => {
  const c = new TestCluster(["a"]);
  c.elect("a");
  c.addMember("b");
  c.core("a").proposeConfChange(change("add-learner", "b"));
  const a = c.get("a");
  const rd = a.core.ready();
  const entry = rd.committedEntries.find((e) => e.kind === "conf-change");
  assert.ok(entry !== undefined);
  assert.throws(() => a.core.applyConfChange(change("add-voter", "b")), /does not match/);
  // (the mismatching call consumed the pending entry; a second call finds none)
  assert.throws(() => a.core.applyConfChange(change("add-learner", "b")), /no committed/);
  a.core.advance(rd);
});
