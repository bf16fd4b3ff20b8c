import assert from "node:assert/strict";
import { TestCluster, text } from "./_testing.ts";
import { MemoryLogStorage } from "./memory_storage.ts";
import { seededRandom } from "./rand.ts";
import { newRaftCore, RAFT_DEFAULTS } from "./raw_node.ts";
import { bootstrapLog } from "./conf_change.ts";
import { InvalidMessageError, type Message, NotLeaderError } from "./types.ts";
import { newMessage } from "./message.ts";

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
  assert.throws(
    () => c.core("b").propose(text("x")),
    (e: unknown) => e instanceof NotLeaderError && e.leader === "a" && /leader a/.test(e.message),
  );
});

Deno.test("ready/advance: persistence before messages, hard state only when changed", () => {
  const storage = new MemoryLogStorage();
  const boot = bootstrapLog(["a", "b"]);
  storage.append(boot.entries);
  storage.setHardState(boot.hardState);
  const core = newRaftCore({
    ...RAFT_DEFAULTS,
    id: "a",
    storage,
    applied: 0,
    random: seededRandom(1),
  });
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
});

Deno.test("bad input: a refused message changes nothing", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const b = c.core("b");
  const before = JSON.stringify(b.status());
  const good = newMessage({
    type: "append",
    from: "a",
    to: "b",
    term: 2,
    index: 4,
    logTerm: 2,
    commit: 4,
  });
  const bad: unknown[] = [
    { ...good, term: -2 },
    { ...good, to: "c" },
    { ...good, entries: [{ index: 9, term: 2, kind: "normal", data: new Uint8Array() }] },
    { ...good, type: "heartbeat", commit: 99 }, // commits beyond our log
    { ...good, type: "heartbeat", term: 50, commit: 99 },
  ];
  for (const m of bad) assert.throws(() => b.step(m as Message), InvalidMessageError);
  assert.equal(JSON.stringify(b.status()), before);
  assert.equal(b.hasReady(), false);
});

Deno.test("bad input: a leader refuses an acknowledgement beyond its log", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const a = c.core("a");
  assert.throws(
    () => a.step(newMessage({ type: "append-resp", from: "b", to: "a", term: 2, index: 99 })),
    /beyond the leader's last index/,
  );
});

Deno.test("bad input: stale terms and unknown members are ignored", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  const a = c.core("a");
  const before = JSON.stringify(a.status());
  a.step(newMessage({ type: "append-resp", from: "zz", to: "a", term: 2, index: 4 }));
  a.step(newMessage({ type: "heartbeat-resp", from: "b", to: "a", term: 1 }));
  a.step(newMessage({ type: "vote-resp", from: "b", to: "a", term: 2 }));
  assert.equal(JSON.stringify(a.status()), before);
  assert.equal(a.hasReady(), false);
  // A stale leader's append is answered with our term, so that it steps down.
  a.step(newMessage({ type: "append", from: "c", to: "a", term: 1, index: 3, logTerm: 1 }));
  const rd = a.ready();
  assert.deepEqual(rd.messages.map((m) => [m.type, m.to, m.term]), [["append-resp", "c", 2]]);
  a.advance(rd);
});

Deno.test("restart: a member resumes from what it persisted", () => {
  const c = new TestCluster(["a", "b", "c"]);
  c.elect("a");
  for (let i = 0; i < 3; i++) c.core("a").propose(text(`v${i}`));
  c.stabilize();
  const st = c.core("b").status();
  c.restart("b");
  const again = c.core("b").status();
  assert.deepEqual([again.term, again.commit, again.lastIndex, again.role], [
    st.term,
    st.commit,
    st.lastIndex,
    "follower",
  ]);
  c.stabilize();
  assert.deepEqual(
    c.appliedData("b"),
    ["v0", "v1", "v2"],
    "committed entries are handed out again",
  );
});

Deno.test("config: refuses impossible settings with a message naming the field", () => {
  const storage = new MemoryLogStorage();
  const base = { ...RAFT_DEFAULTS, id: "a", storage, applied: 0, random: seededRandom(1) };
  assert.throws(() => newRaftCore({ ...base, electionTick: 0 }), /electionTick/);
  assert.throws(() => newRaftCore({ ...base, heartbeatTick: 10 }), /heartbeatTick/);
  assert.throws(() => newRaftCore({ ...base, id: "" }), /id/);
  assert.throws(() => newRaftCore({ ...base, applied: 5 }), /config.applied/);
  const withConf = new MemoryLogStorage({ conf: { voters: ["a"], learners: [] } });
  assert.throws(() => newRaftCore({ ...base, storage: withConf }), /bootstrapLog/);
});

Deno.test("membership: a member removed by an uncommitted change may still campaign", () => {
  // Leader a removes itself while cut off: only a's log holds the change, and b cannot win
  // without a's vote (its log is behind). a must campaign, lead, commit the change, step down.
  const c = new TestCluster(["a", "b"], { preVote: false, checkQuorum: true });
  c.elect("a");
  c.isolate("a");
  c.core("a").proposeConfChange({ type: "remove", member: "a", context: new Uint8Array() });
  c.stabilize();
  c.tick(["a"], 25); // check-quorum: a steps down; its log alone holds the removal
  assert.equal(c.core("a").status().role, "follower");
  c.heal();
  c.tick(undefined, 60);
  // b (log shorter) cannot win without a's vote; a campaigns, leads, commits, and steps down.
  assert.deepEqual(c.leaders(), ["b"]);
  assert.deepEqual(c.core("b").status().conf.voters, ["b"]);
  assert.equal(c.core("b").status().commit, c.core("b").status().lastIndex);
});
