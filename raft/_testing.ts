/**
 * A small synchronous cluster for the core's unit tests: members on {@link MemoryLogStorage}, a
 * FIFO network that can cut links, and a shell that handles each Ready in the documented order.
 * (The randomized fault-injecting simulator lives in `tests/raft_sim/`.)
 *
 * @module
 */

import { bootstrapLog, decodeConfChange } from "./conf_change.ts";
import { MemoryLogStorage } from "./memory_storage.ts";
import { seededRandom } from "./rand.ts";
import { newRaftCore, RAFT_DEFAULTS } from "./raw_node.ts";
import type {
  ConfState,
  Entry,
  MemberId,
  Message,
  RaftConfig,
  RaftCore,
  ReadState,
  Snapshot,
} from "./types.ts";

export interface TestMember {
  readonly id: MemberId;
  readonly storage: MemoryLogStorage;
  core: RaftCore;
  /** Entries applied, in order (after a snapshot, only those after it). */
  applied: Entry[];
  snapshots: Snapshot[];
  readStates: ReadState[];
  conf: ConfState;
}

export type TestOptions = Partial<Omit<RaftConfig, "id" | "storage" | "applied" | "random">> & {
  readonly seed?: number;
};

export const text = (s: string): Uint8Array => new TextEncoder().encode(s);
export const str = (b: Uint8Array): string => new TextDecoder().decode(b);

export class TestCluster {
  readonly members = new Map<MemberId, TestMember>();
  queue: Message[] = [];
  /** Directed links that drop messages: "from>to". */
  readonly cut = new Set<string>();
  /** Every message sent, for assertions. */
  readonly sent: Message[] = [];
  readonly #options: TestOptions;
  #seed: number;

  constructor(ids: readonly MemberId[], options: TestOptions = {}) {
    this.#options = options;
    this.#seed = options.seed ?? 1;
    const boot = bootstrapLog(ids);
    for (const id of ids) {
      const storage = new MemoryLogStorage();
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      this.#start(id, storage);
    }
  }

  #start(id: MemberId, storage: MemoryLogStorage): TestMember {
    const snap = storage.snapshot();
    const core = newRaftCore({
      ...RAFT_DEFAULTS,
      ...this.#options,
      id,
      storage,
      applied: snap.meta.index,
      random: seededRandom(this.#seed++),
    });
    const m: TestMember = {
      id,
      storage,
      core,
      applied: [],
      snapshots: [],
      readStates: [],
      conf: snap.meta.conf,
    };
    this.members.set(id, m);
    return m;
  }

  /** A new member with an empty log (it joins once a conf change adds it). */
  addMember(id: MemberId): TestMember {
    return this.#start(id, new MemoryLogStorage());
  }

  /** Restarts a member from what it persisted. */
  restart(id: MemberId): TestMember {
    return this.#start(id, this.get(id).storage);
  }

  get(id: MemberId): TestMember {
    const m = this.members.get(id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  core(id: MemberId): RaftCore {
    return this.get(id).core;
  }

  /** Handles every Ready of `id`: persist, send, apply, advance. */
  handleReady(id: MemberId): void {
    const m = this.get(id);
    while (m.core.hasReady()) {
      const rd = m.core.ready();
      if (rd.snapshot !== undefined) m.storage.applySnapshot(rd.snapshot);
      m.storage.append(rd.entries);
      if (rd.hardState !== undefined) m.storage.setHardState(rd.hardState);
      for (const msg of rd.messages) {
        this.sent.push(msg);
        if (!this.cut.has(`${msg.from}>${msg.to}`)) this.queue.push(msg);
      }
      if (rd.snapshot !== undefined) {
        m.snapshots.push(rd.snapshot);
        m.applied = [];
        m.conf = rd.snapshot.meta.conf;
      }
      for (const e of rd.committedEntries) {
        if (e.kind === "conf-change") m.conf = m.core.applyConfChange(decodeConfChange(e.data));
        m.applied.push(e);
      }
      m.readStates.push(...rd.readStates);
      m.core.advance(rd);
    }
  }

  /** Delivers queued messages (dropping those to unknown members) until all is quiet. */
  stabilize(maxRounds = 1000): void {
    for (let round = 0; round < maxRounds; round++) {
      for (const id of this.members.keys()) this.handleReady(id);
      if (this.queue.length === 0) return;
      const batch = this.queue;
      this.queue = [];
      for (const msg of batch) {
        const to = this.members.get(msg.to);
        if (to === undefined || this.cut.has(`${msg.from}>${msg.to}`)) continue;
        to.core.step(msg);
      }
    }
    throw new Error("the cluster did not stabilize");
  }

  /** Handles every member's Ready, then delivers (once) the queued messages matching `pred`. */
  deliver(pred: (m: Message) => boolean = () => true): Message[] {
    for (const id of this.members.keys()) this.handleReady(id);
    const now = this.queue.filter(pred);
    this.queue = this.queue.filter((m) => !pred(m));
    for (const msg of now) this.members.get(msg.to)?.core.step(msg);
    for (const id of this.members.keys()) this.handleReady(id);
    return now;
  }

  /** Drops the queued messages matching `pred`. */
  drop(pred: (m: Message) => boolean): void {
    for (const id of this.members.keys()) this.handleReady(id);
    this.queue = this.queue.filter((m) => !pred(m));
  }

  tick(ids: readonly MemberId[] = [...this.members.keys()], times = 1): void {
    for (let i = 0; i < times; i++) {
      for (const id of ids) this.core(id).tick();
      this.stabilize();
    }
  }

  /** Makes `id` campaign and lets the election finish. */
  elect(id: MemberId): void {
    this.core(id).campaign();
    this.stabilize();
  }

  isolate(id: MemberId): void {
    for (const other of this.members.keys()) {
      if (other === id) continue;
      this.cut.add(`${id}>${other}`);
      this.cut.add(`${other}>${id}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }

  leaders(): MemberId[] {
    return [...this.members.values()].filter((m) => m.core.status().role === "leader").map((m) =>
      m.id
    );
  }

  /** The application data applied by `id`, as strings (no-ops and conf changes left out). */
  appliedData(id: MemberId): string[] {
    return this.get(id).applied.filter((e) => e.kind === "normal" && e.data.length > 0).map((e) =>
      str(e.data)
    );
  }
}
