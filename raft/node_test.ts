import assert from "node:assert/strict";
import { ManualClock } from "./clock.ts";
import { KvRaftStorage, type SaveBatch, StorageWriteError } from "./kv_storage.ts";
import { MemoryNetwork } from "./memory_transport.ts";
import {
  type DurableStorage,
  ProposalDroppedError,
  ProposalTimeoutError,
  RaftNode,
  type RaftNodeOptions,
  RaftNodeStoppedError,
  type Transport,
} from "./node.ts";
import { seededRandom } from "./rand.ts";
import {
  type ConfState,
  type Entry,
  type Message,
  NotLeaderError,
  type RaftConfig,
  type RaftCore,
  type RaftStatus,
  type Ready,
  type Snapshot,
} from "./types.ts";

const TICK = 100;
const enc = new TextEncoder();
const dec = new TextDecoder();

/** A state machine: the list of applied commands, snapshotted as JSON. */
class ListMachine {
  items: string[] = [];
  restored: number[] = [];
  apply = (e: { data: Uint8Array }) => {
    this.items.push(dec.decode(e.data));
  };
  takeSnapshot = () => enc.encode(JSON.stringify(this.items));
  restoreSnapshot = (data: Uint8Array, meta: { index: number }) => {
    this.items = JSON.parse(dec.decode(data));
    this.restored.push(meta.index);
  };
}

/** Records every save and send, and checks that no message vouches for state not yet durable. */
class Recorder {
  durableLast = 0;
  durableVote = "";
  durableTerm = 0;
  saves = 0;
  sent: Message[] = [];
  failSaves = false;
  /** While set, saves wait for this promise (a hung disk). */
  hang: Promise<void> | undefined;
  violations: string[] = [];

  wrapStorage(inner: KvRaftStorage): DurableStorage {
    return {
      load: async () => {
        const s = await inner.load();
        this.durableLast = s.lastIndex;
        this.durableTerm = s.hardState.term;
        this.durableVote = s.hardState.vote;
        return s;
      },
      save: async (batch: SaveBatch) => {
        this.saves++;
        if (this.failSaves) throw new StorageWriteError("test", "disk full (injected)");
        if (this.hang !== undefined) await this.hang;
        await inner.save(batch);
        const last = batch.entries[batch.entries.length - 1];
        if (batch.snapshot !== undefined) this.durableLast = batch.snapshot.meta.index;
        if (last !== undefined) this.durableLast = last.index;
        if (batch.hardState !== undefined) {
          this.durableTerm = batch.hardState.term;
          this.durableVote = batch.hardState.vote;
        }
      },
      saveSnapshot: (s: Snapshot) => inner.saveSnapshot(s),
      compact: (i: number) => inner.compact(i),
    };
  }

  wrapTransport(inner: Transport): Transport {
    return {
      send: (messages) => {
        for (const m of messages) {
          this.sent.push(m);
          if (m.type === "append-resp" && !m.reject && m.index > this.durableLast) {
            this.violations.push(`ack of ${m.index} sent with only ${this.durableLast} durable`);
          }
          if (m.type === "vote-resp" && !m.reject && this.durableVote !== m.to) {
            this.violations.push(`vote for ${m.to} sent before it was durable`);
          }
          if (m.term > this.durableTerm && m.type !== "pre-vote" && m.type !== "pre-vote-resp") {
            this.violations.push(`${m.type} of term ${m.term} sent with term ${this.durableTerm}`);
          }
        }
        inner.send(messages);
      },
    };
  }
}

interface Member {
  id: string;
  path: string;
  storage: KvRaftStorage;
  node: RaftNode;
  sm: ListMachine;
  rec: Recorder;
  leaders: string[];
  fatal: Error[];
  changes: string[];
}

/** A cluster in one process: manual clock, memory network, real KV storage in temp dirs. */
class Cluster {
  readonly clock = new ManualClock();
  readonly net = new MemoryNetwork();
  readonly members = new Map<string, Member>();
  readonly dir: string;
  readonly ids: string[];
  readonly extra: Partial<RaftNodeOptions>;

  private constructor(dir: string, ids: string[], extra: Partial<RaftNodeOptions>) {
    this.dir = dir;
    this.ids = ids;
    this.extra = extra;
  }

  static async create(ids: string[], extra: Partial<RaftNodeOptions> = {}): Promise<Cluster> {
    const c = new Cluster(await Deno.makeTempDir({ prefix: "raft_node_test_" }), ids, extra);
    for (const id of ids) await c.start(id);
    return c;
  }

  async start(id: string, options: { join?: boolean } = {}): Promise<Member> {
    const path = `${this.dir}/${id}/raft.kv`;
    const storage = await KvRaftStorage.open(path, { memberId: id, clusterId: "test" });
    const sm = new ListMachine();
    const rec = new Recorder();
    const leaders: string[] = [];
    const fatal: Error[] = [];
    const changes: string[] = [];
    const node: RaftNode = new RaftNode({
      id,
      storage: rec.wrapStorage(storage),
      transport: rec.wrapTransport(this.net.connect(id, { receive: (m) => node.receive(m) })),
      apply: sm.apply,
      takeSnapshot: sm.takeSnapshot,
      restoreSnapshot: sm.restoreSnapshot,
      onLeaderChange: (leader) => leaders.push(leader),
      onFatal: (e) => fatal.push(e),
      ...(options.join ? {} : { bootstrap: this.ids }),
      onConfChange: (change, conf) => {
        changes.push(`${change.type} ${change.member}: ${conf.voters}`);
      },
      clock: this.clock,
      tickMs: TICK,
      random: seededRandom([...id].reduce((n, ch) => n * 31 + ch.charCodeAt(0), 7)),
      ...this.extra,
    });
    const m: Member = { id, path, storage, node, sm, rec, leaders, fatal, changes };
    this.members.set(id, m);
    await node.start();
    return m;
  }

  member(id: string): Member {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  get running(): Member[] {
    return [...this.members.values()].filter((m) => m.node.status().state === "running");
  }

  /** Waits until every running member is idle and no message is in flight. */
  async settle(): Promise<void> {
    for (let round = 0; round < 100_000; round++) {
      await Promise.all(this.running.map((m) => m.node.whenIdle()));
      await new Promise((r) => setTimeout(r, 0));
      if (this.net.inFlight === 0 && this.running.every((m) => m.node.idle)) return;
    }
    throw new Error("cluster did not settle");
  }

  async tick(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      this.clock.advance(TICK);
      await this.settle();
    }
  }

  async until(what: string, cond: () => boolean, maxTicks = 300): Promise<void> {
    await this.settle();
    for (let t = 0; t < maxTicks; t++) {
      if (cond()) return;
      await this.tick();
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  leader(): Member | undefined {
    return this.running.find((m) => m.node.isLeader);
  }

  async electedLeader(): Promise<Member> {
    await this.until("a leader", () => {
      const l = this.leader();
      return l !== undefined && this.running.every((m) => m.node.leader === l.id);
    });
    return this.leader() as Member;
  }

  /** Proposes and steps the cluster until the proposal settles. */
  async propose(m: Member, text: string): Promise<{ index: number; term: number }> {
    let result: { index: number; term: number } | Error | undefined;
    m.node.propose(enc.encode(text)).then((r) => result = r, (e) => result = e);
    await this.until(`proposal ${text}`, () => result !== undefined);
    if (result instanceof Error) throw result;
    return result as { index: number; term: number };
  }

  async stop(id: string): Promise<void> {
    const m = this.member(id);
    await m.node.stop();
    this.net.disconnect(id);
    m.storage.close();
  }

  async close(): Promise<void> {
    for (const m of this.members.values()) {
      await m.node.stop();
      m.storage.close();
    }
    await Deno.remove(this.dir, { recursive: true });
  }

  checkOrdering(): void {
    for (const m of this.members.values()) assert.deepEqual(m.rec.violations, [], m.id);
  }
}

Deno.test("a single member elects itself at once and applies proposals", async () => {
  const c = await Cluster.create(["a"]);
  try {
    const a = c.member("a");
    await c.settle();
    assert.ok(a.node.isLeader, "a sole voter campaigns without waiting for a timeout");
    assert.deepEqual(a.leaders, ["a"]);
    const r = await c.propose(a, "x=1");
    assert.equal(r.index, a.node.status().applied);
    assert.deepEqual(a.sm.items, ["x=1"]);
    await assert.rejects(a.node.propose(new Uint8Array()), TypeError);
    c.checkOrdering();
  } finally {
    await c.close();
  }
});

Deno.test("proposals made during one disk write share one KV commit", async () => {
  const c = await Cluster.create(["a"]);
  try {
    const a = c.member("a");
    await c.settle();
    const before = a.rec.saves;
    const all = Array.from({ length: 200 }, (_, i) => a.node.propose(enc.encode(`v${i}`)));
    await c.settle();
    const results = await Promise.all(all);
    assert.deepEqual(a.sm.items, Array.from({ length: 200 }, (_, i) => `v${i}`));
    assert.deepEqual(results.map((r) => r.index), results.map((_, i) => results[0]!.index + i));
    assert.ok(a.rec.saves - before <= 2, `${a.rec.saves - before} saves for 200 proposals`);
  } finally {
    await c.close();
  }
});

Deno.test("a single member restarts from disk: snapshot, then log, into the state machine", async () => {
  const c = await Cluster.create(["a"], { snapshotInterval: 20, logEntriesForSlowFollowers: 5 });
  try {
    const a = c.member("a");
    await c.settle();
    for (let i = 0; i < 50; i++) await c.propose(a, `e${i}`);
    const snapIndex = a.node.status().snapshotIndex;
    assert.ok(snapIndex >= 40, `snapshot at ${snapIndex}`);
    await c.stop("a");
    const again = await c.start("a");
    await c.until("replay", () => again.sm.items.length === 50);
    assert.deepEqual(again.sm.restored, [snapIndex]);
    assert.deepEqual(again.sm.items, Array.from({ length: 50 }, (_, i) => `e${i}`));
    assert.ok(again.node.isLeader);
    await c.propose(again, "after");
    assert.equal(again.sm.items.at(-1), "after");
  } finally {
    await c.close();
  }
});

Deno.test("three members replicate, and every message follows the durable state", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const leader = await c.electedLeader();
    for (let i = 0; i < 20; i++) await c.propose(leader, `k${i}`);
    const want = Array.from({ length: 20 }, (_, i) => `k${i}`);
    await c.until("replication", () => c.running.every((m) => m.sm.items.length === 20));
    for (const m of c.running) assert.deepEqual(m.sm.items, want, m.id);
    const follower = c.running.find((m) => m !== leader)!;
    await assert.rejects(follower.node.propose(enc.encode("no")), NotLeaderError);
    c.checkOrdering();
  } finally {
    await c.close();
  }
});

Deno.test("stopping the leader elects a new one that keeps every committed entry", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const old = await c.electedLeader();
    const term = old.node.status().term;
    for (let i = 0; i < 5; i++) await c.propose(old, `before${i}`);
    await c.stop(old.id);
    const start = c.clock.now();
    const next = await c.electedLeader();
    const failoverMs = c.clock.now() - start;
    assert.notEqual(next.id, old.id);
    assert.ok(next.node.status().term > term);
    // One randomized timeout (8–15 ticks), or two when the survivors tie and split the vote
    // (they tick in lockstep on the manual clock; real timers are not phase-locked).
    assert.ok(failoverMs <= 2 * 15 * TICK + 3 * TICK, `failover took ${failoverMs} ms`);
    await c.propose(next, "after");
    await c.until("replication", () => c.running.every((m) => m.sm.items.length === 6));
    for (const m of c.running) assert.deepEqual(m.sm.items.at(-1), "after");
    // The old leader comes back and catches up.
    const back = await c.start(old.id);
    await c.until("catch-up", () => back.sm.items.length === 6);
    assert.deepEqual(back.sm.items, [
      ...Array.from({ length: 5 }, (_, i) => `before${i}`),
      "after",
    ]);
    c.checkOrdering();
  } finally {
    await c.close();
  }
});

Deno.test("a restarted cluster replays snapshot and log from disk", async () => {
  const c = await Cluster.create(["a", "b", "c"], {
    snapshotInterval: 20,
    logEntriesForSlowFollowers: 5,
  });
  try {
    const leader = await c.electedLeader();
    for (let i = 0; i < 45; i++) await c.propose(leader, `r${i}`);
    await c.until("replication", () => c.running.every((m) => m.sm.items.length === 45));
    for (const id of c.ids) await c.stop(id);
    for (const id of c.ids) await c.start(id);
    await c.electedLeader();
    await c.until("replay", () => c.running.every((m) => m.sm.items.length === 45));
    for (const m of c.running) {
      assert.ok(
        m.sm.restored.length === 1 && m.sm.restored[0]! >= 20,
        `${m.id} restored a snapshot`,
      );
      assert.deepEqual(m.sm.items, Array.from({ length: 45 }, (_, i) => `r${i}`));
    }
  } finally {
    await c.close();
  }
});

Deno.test("a member cut off for long catches up through a snapshot", async () => {
  const c = await Cluster.create(["a", "b", "c"], {
    snapshotInterval: 20,
    logEntriesForSlowFollowers: 5,
  });
  try {
    const leader = await c.electedLeader();
    const lagger = c.running.find((m) => m !== leader)!;
    c.net.isolate(lagger.id);
    for (let i = 0; i < 60; i++) await c.propose(leader, `s${i}`);
    assert.ok(leader.node.status().snapshotIndex >= 40);
    c.net.heal();
    await c.until("catch-up", () => lagger.sm.items.length === 60);
    assert.ok(lagger.sm.restored.length >= 1, "the lagging member installed a snapshot");
    assert.deepEqual(lagger.sm.items, Array.from({ length: 60 }, (_, i) => `s${i}`));
    // It survives a restart from what it stored.
    await c.stop(lagger.id);
    const back = await c.start(lagger.id);
    await c.until("replay", () => back.sm.items.length === 60);
    c.checkOrdering();
  } finally {
    await c.close();
  }
});

Deno.test("a member without restoreSnapshot refuses to start from a stored snapshot", async () => {
  const c = await Cluster.create(["a"], { snapshotInterval: 5, logEntriesForSlowFollowers: 1 });
  try {
    const a = c.member("a");
    await c.settle();
    for (let i = 0; i < 6; i++) await c.propose(a, `x${i}`);
    await c.stop("a");
    const storage = await KvRaftStorage.open(a.path, { memberId: "a", clusterId: "test" });
    const node = new RaftNode({
      id: "a",
      storage,
      transport: { send: () => {} },
      apply: () => {},
      clock: c.clock,
    });
    await assert.rejects(node.start(), /has no restoreSnapshot option/);
    storage.close();
  } finally {
    await c.close();
  }
});

Deno.test("a storage failure stops the member from acknowledging; the others go on", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const leader = await c.electedLeader();
    await c.propose(leader, "one");
    const broken = c.running.find((m) => m !== leader)!;
    broken.rec.failSaves = true;
    const sentBefore = broken.rec.sent.length;
    await c.propose(leader, "two");
    await c.until("failure", () => broken.fatal.length === 1);
    assert.ok(broken.fatal[0] instanceof StorageWriteError);
    assert.equal(broken.node.status().state, "failed");
    assert.equal(broken.rec.sent.length, sentBefore, "the failed member sent nothing more");
    await assert.rejects(broken.node.readIndex(), RaftNodeStoppedError);
    await c.propose(leader, "three");
    assert.deepEqual(leader.sm.items, ["one", "two", "three"]);
  } finally {
    await c.close();
  }
});

Deno.test("a failed write on the leader rejects its pending proposals", async () => {
  const c = await Cluster.create(["a"]);
  try {
    const a = c.member("a");
    await c.settle();
    a.rec.failSaves = true;
    const p = a.node.propose(enc.encode("lost")).catch((e) => e);
    await c.settle();
    assert.ok(await p instanceof StorageWriteError);
    await assert.rejects(a.node.propose(enc.encode("x")), RaftNodeStoppedError);
    assert.equal(a.node.status().state, "failed");
  } finally {
    await c.close();
  }
});

Deno.test("a proposal times out even while the disk write hangs", async () => {
  const c = await Cluster.create(["a"], { proposalTimeoutMs: 1000 });
  try {
    const a = c.member("a");
    await c.settle();
    let release!: () => void;
    a.rec.hang = new Promise((r) => release = r);
    const first = a.node.propose(enc.encode("stuck")).catch((e) => e);
    await new Promise((r) => setTimeout(r, 10));
    const second = a.node.propose(enc.encode("queued")).catch((e) => e);
    for (let i = 0; i < 11; i++) c.clock.advance(TICK);
    const [e1, e2] = [await first, await second];
    assert.ok(e1 instanceof ProposalTimeoutError && e1.mayStillApply, "it is in the log");
    assert.ok(e2 instanceof ProposalTimeoutError && !e2.mayStillApply, "it never reached the log");
    a.rec.hang = undefined;
    release();
    await c.settle();
    assert.deepEqual(a.sm.items, ["stuck"]);
  } finally {
    await c.close();
  }
});

Deno.test("membership changes: a fourth member joins, catches up, then is removed", async () => {
  const c = await Cluster.create(["a", "b", "c"], {
    snapshotInterval: 20,
    logEntriesForSlowFollowers: 5,
  });
  try {
    const leader = await c.electedLeader();
    for (let i = 0; i < 30; i++) await c.propose(leader, `m${i}`);
    let added: unknown;
    leader.node.proposeConfChange({ type: "add-voter", member: "d", context: new Uint8Array() })
      .then((r) => added = r, (e) => added = e);
    await c.until("add-voter applied", () => added !== undefined);
    assert.equal(typeof (added as { index: number }).index, "number", String(added));
    assert.deepEqual(leader.changes.at(-1), "add-voter d: a,b,c,d");
    const d = await c.start("d", { join: true });
    await c.until("d catches up", () => d.sm.items.length === 30);
    assert.deepEqual(d.sm.items, Array.from({ length: 30 }, (_, i) => `m${i}`));
    await c.propose(leader, "with d");
    await c.until("d applies", () => d.sm.items.length === 31);
    let removed: unknown;
    leader.node.proposeConfChange({ type: "remove", member: "d", context: new Uint8Array() })
      .then((r) => removed = r, (e) => removed = e);
    await c.until("remove applied", () => removed !== undefined);
    assert.deepEqual(leader.changes.at(-1), "remove d: a,b,c");
    assert.deepEqual(leader.node.status().conf.voters, ["a", "b", "c"]);
  } finally {
    await c.close();
  }
});

Deno.test("a proposal on a leader cut off from its quorum times out", async () => {
  const c = await Cluster.create(["a", "b", "c"], { proposalTimeoutMs: 3000 });
  try {
    const old = await c.electedLeader();
    c.net.isolate(old.id);
    let outcome: unknown;
    const at = c.clock.now();
    old.node.propose(enc.encode("stuck")).then((r) => outcome = r, (e) => outcome = e);
    await c.until("timeout", () => outcome !== undefined, 100);
    assert.ok(outcome instanceof ProposalTimeoutError, String(outcome));
    assert.ok(c.clock.now() - at >= 3000 && c.clock.now() - at <= 3000 + 2 * TICK);
  } finally {
    await c.close();
  }
});

Deno.test("a proposal overwritten by a new leader's entry is rejected as dropped", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const old = await c.electedLeader();
    await c.propose(old, "kept");
    c.net.isolate(old.id);
    let outcome: unknown;
    old.node.propose(enc.encode("doomed")).then((r) => outcome = r, (e) => outcome = e);
    await c.until("a new leader", () => c.leader() !== undefined && c.leader() !== old);
    await c.propose(c.leader()!, "winner");
    c.net.heal();
    await c.until("outcome", () => outcome !== undefined);
    assert.ok(outcome instanceof ProposalDroppedError, String(outcome));
    await c.until("convergence", () => old.sm.items.length === 2);
    assert.deepEqual(old.sm.items, ["kept", "winner"]);
  } finally {
    await c.close();
  }
});

Deno.test("readIndex on the leader and on a follower waits for the applied state", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const leader = await c.electedLeader();
    const { index } = await c.propose(leader, "w");
    const follower = c.running.find((m) => m !== leader)!;
    for (const m of [leader, follower]) {
      let got: number | Error | undefined;
      m.node.readIndex().then((i) => got = i, (e) => got = e);
      await c.until("read index", () => got !== undefined);
      assert.equal(typeof got, "number", String(got));
      assert.ok((got as number) >= index);
      assert.ok(m.node.status().applied >= (got as number));
    }
  } finally {
    await c.close();
  }
});

Deno.test("leadership transfer moves the leader and fires onLeaderChange", async () => {
  const c = await Cluster.create(["a", "b", "c"]);
  try {
    const leader = await c.electedLeader();
    const target = c.running.find((m) => m !== leader)!;
    let done: unknown;
    leader.node.transferLeadership(target.id).then(() => done = true, (e) => done = e);
    await c.until("transfer", () => done !== undefined);
    assert.equal(done, true);
    await c.until("agreement", () => c.running.every((m) => m.node.leader === target.id));
    for (const m of c.running) assert.equal(m.leaders.at(-1), target.id);
    await assert.rejects(leader.node.transferLeadership(leader.id), NotLeaderError);
  } finally {
    await c.close();
  }
});

// ---- the loop's order, pinned with a scripted fake core ----

/** A one-member core that leads after `campaign`, commits what it appends in the same Ready and
 * sends one message per Ready, so that the shell's order can be observed. */
class FakeCore implements RaftCore {
  events: string[] = [];
  #term = 0;
  #leader = false;
  #unstable: Entry[] = [];
  #soft = false;
  #hard = false;
  #last: number;
  #commit: number;
  #handedOut: number;
  #storage: RaftConfig["storage"];
  constructor(config: RaftConfig) {
    this.#storage = config.storage;
    this.#last = config.storage.lastIndex();
    this.#commit = config.storage.initialState().hardState.commit;
    this.#term = config.storage.initialState().hardState.term;
    this.#handedOut = config.applied;
  }
  tick(): void {}
  step(): void {}
  campaign(): void {
    this.#term++;
    this.#leader = this.#soft = this.#hard = true;
  }
  propose(data: Uint8Array) {
    if (!this.#leader) throw new NotLeaderError("");
    const e: Entry = { index: ++this.#last, term: this.#term, kind: "normal", data };
    this.#unstable.push(e);
    this.#commit = this.#last;
    this.#hard = true;
    return { index: e.index, term: e.term };
  }
  proposeConfChange(): never {
    throw new Error("not in the fake");
  }
  applyConfChange(): ConfState {
    return { voters: ["a"], learners: [] };
  }
  readIndex(): void {}
  transferLeadership(): void {}
  hasReady(): boolean {
    return this.#soft || this.#hard || this.#unstable.length > 0 || this.#handedOut < this.#commit;
  }
  ready(): Ready {
    const stored = this.#storage.lastIndex();
    const committed = [
      ...this.#storage.entries(this.#handedOut + 1, Math.min(stored, this.#commit) + 1, Infinity),
      ...this.#unstable.filter((e) => e.index > this.#handedOut && e.index <= this.#commit),
    ];
    const rd: Ready = {
      ...(this.#soft ? { softState: { leader: "a", role: "leader" as const } } : {}),
      ...(this.#hard ? { hardState: { term: this.#term, vote: "a", commit: this.#commit } } : {}),
      entries: this.#unstable,
      committedEntries: committed,
      messages: [{ ...HEARTBEAT, term: this.#term, index: this.#last }],
      readStates: [],
    };
    this.events.push(`ready ${this.#last}`);
    return rd;
  }
  advance(rd: Ready): void {
    this.events.push("advance");
    this.#unstable = this.#unstable.slice(rd.entries.length);
    const last = rd.committedEntries.at(-1);
    if (last !== undefined) this.#handedOut = last.index;
    this.#soft = this.#hard = false;
  }
  status(): RaftStatus {
    return {
      id: "a",
      term: this.#term,
      vote: "a",
      commit: this.#commit,
      applied: this.#handedOut,
      lastIndex: this.#last,
      leader: this.#leader ? "a" : "",
      role: this.#leader ? "leader" : "follower",
      conf: { voters: ["a"], learners: [] },
      progress: {},
    };
  }
}

const HEARTBEAT: Message = {
  type: "heartbeat",
  from: "a",
  to: "b",
  term: 0,
  logTerm: 0,
  index: 0,
  entries: [],
  commit: 0,
  reject: false,
  rejectHint: 0,
  context: new Uint8Array(),
};

Deno.test("the loop persists, then sends, then applies, then advances", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raft_node_fake_" });
  const storage = await KvRaftStorage.open(`${dir}/raft.kv`, { memberId: "a", clusterId: "t" });
  let core: FakeCore | undefined;
  const clock = new ManualClock();
  const node = new RaftNode({
    id: "a",
    storage: {
      load: () => storage.load(),
      save: async (b) => {
        core?.events.push(`save start ${b.entries.at(-1)?.index ?? "-"}`);
        await storage.save(b);
        core?.events.push(`save done ${b.entries.at(-1)?.index ?? "-"}`);
      },
      saveSnapshot: (s) => storage.saveSnapshot(s),
      compact: (i) => storage.compact(i),
    },
    transport: { send: (ms) => core?.events.push(`send ${ms.map((m) => m.index).join()}`) },
    apply: async (e) => {
      await new Promise((r) => setTimeout(r, 1));
      core?.events.push(`apply ${e.index}`);
    },
    bootstrap: ["a"],
    clock,
    createCore: (config) => core = new FakeCore(config),
  });
  try {
    await node.start();
    await node.whenIdle();
    core!.events = [];
    const p1 = node.propose(enc.encode("one"));
    const p2 = node.propose(enc.encode("two"));
    await Promise.all([p1, p2]);
    await node.whenIdle();
    assert.deepEqual(core!.events, [
      "ready 3",
      "save start 3",
      "save done 3",
      "send 3",
      "apply 2",
      "apply 3",
      "advance",
    ]);
    assert.deepEqual(await p1, { index: 2, term: 2 });
  } finally {
    await node.stop();
    storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("an apply callback that throws is fatal: nothing more is sent or advanced", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raft_node_fake_" });
  const storage = await KvRaftStorage.open(`${dir}/raft.kv`, { memberId: "a", clusterId: "t" });
  let core!: FakeCore;
  const fatal: Error[] = [];
  const node = new RaftNode({
    id: "a",
    storage,
    transport: { send: () => core.events.push("send") },
    apply: () => {
      throw new Error("state machine bug");
    },
    onFatal: (e) => fatal.push(e),
    bootstrap: ["a"],
    clock: new ManualClock(),
    createCore: (config) => core = new FakeCore(config),
  });
  try {
    await node.start();
    await node.whenIdle();
    core.events = [];
    await assert.rejects(node.propose(enc.encode("x")), /state machine bug/);
    assert.deepEqual(core.events, ["ready 2", "send"]);
    assert.equal(node.status().state, "failed");
    assert.equal(fatal.length, 1);
    await assert.rejects(node.propose(enc.encode("y")), RaftNodeStoppedError);
  } finally {
    await node.stop();
    storage.close();
    await Deno.remove(dir, { recursive: true });
  }
});
