import assert from "node:assert/strict";
import { str, TestCluster, text } from "./_testing.ts";
import { MemoryLogStorage } from "./memory_storage.ts";
import { seededRandom } from "./rand.ts";
import { newRaftCore, RAFT_DEFAULTS } from "./raw_node.ts";
import { bootstrapLog } from "./conf_change.ts";
import { NotLeaderError } from "./types.ts";

Deno.test("single member: bootstraps, elects itself, commits and applies a proposal", () => {
  const c = new TestCluster(["a"]);
  c.stabilize();
  assert.deepEqual(c.get("a").conf, { voters: ["a"], learners: [] });
  c.elect("a");
  assert.equal(c.core("a").status().role, "leader");
  const at = c.core("a").propose(text("x=1"));
  c.stabilize();
  assert.equal(c.core("a").status().commit, at.index);
  assert.deepEqual(c.appliedData("a"), ["x=1"]);
});

Deno.test("single member: elects itself after an election timeout without campaign()", () => {
  const c = new TestCluster(["a"]);
  c.tick(["a"], 2 * RAFT_DEFAULTS.electionTick);
  assert.equal(c.core("a").status().role, "leader");
});

Deno.test("three members: elect, replicate, every member applies the same entries", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  assert.deepEqual(c.leaders(), ["a"]);
  for (let i = 0; i < 10; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  const want = Array.from({ length: 10 }, (_, i) => `v${i}`);
  for (const id of ["a", "b", "c"]) assert.deepEqual(c.appliedData(id), want, id);
  assert.equal(c.core("b").status().leader, "a");
});

Deno.test("three members: a follower refuses proposals with the leader hint", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const err = assert.throws(() => c.core("b").propose(text("x")), NotLeaderError);
  void err;
  try {
    c.core("b").propose(text("x"));
  } catch (e) {
    assert.ok(e instanceof NotLeaderError);
    assert.equal(e.leader, "a");
    assert.match(e.message, /leader a/);
  }
});

Deno.test("ready/advance: persistence before messages, hard state only when changed", () => {
  const storage = new MemoryLogStorage();
  const boot = bootstrapLog(["a", "b"]);
  storage.append(boot.entries);
  storage.setHardState(boot.hardState);
  const core = newRaftCore({ ...RAFT_DEFAULTS, id: "a", storage, applied: 0, random: seededRandom(1) });
  let rd = core.ready();
  assert.equal(rd.hardState, undefined);
  assert.equal(rd.committedEntries.length, 2);
  assert.throws(() => core.ready(), /advance/);
  assert.equal(core.hasReady(), false);
  core.advance(rd);
  core.campaign();
  rd = core.ready();
  assert.equal(rd.softState?.role, "pre-candidate");
  assert.equal(rd.messages[0]?.type, "pre-vote");
  assert.equal(rd.hardState, undefined, "a pre-vote does not change the term");
  core.advance(rd);
  core.step({
    type: "pre-vote-resp",
    from: "b",
    to: "a",
    term: 2,
    logTerm: 0,
    index: 0,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
  });
  rd = core.ready();
  assert.deepEqual(rd.hardState, { term: 2, vote: "a", commit: 2 });
  assert.equal(rd.messages[0]?.type, "vote");
  core.advance(rd);
  assert.equal(str(new Uint8Array()), "");
});
