/**
 * One deterministic run of a cluster under faults: a fault phase (message loss, duplication,
 * reordering and delay, partitions, crashes and restarts, random proposals, reads, leadership
 * transfers, membership changes and malformed messages), then a heal phase that checks liveness.
 * Safety is checked after every step (see `invariants.ts`); the first violation stops the run.
 *
 * @module
 */

import { bootstrapLog } from "../../raft/conf_change.ts";
import { MemoryLogStorage } from "../../raft/memory_storage.ts";
import { seededRandom } from "../../raft/rand.ts";
import {
  type ConfChange,
  ConfChangeError,
  type Entry,
  InvalidMessageError,
  type MemberId,
  type Message,
  NotLeaderError,
  type ReadState,
} from "../../raft/types.ts";
import { Checker, SafetyViolation } from "./invariants.ts";
import { type ShellContext, SimMember } from "./member.ts";
import { SimNetwork } from "./network.ts";
import { type SimParams, TICK } from "./params.ts";
import { corrupt } from "./corrupt.ts";
import { describe, Trace } from "./trace.ts";
import { textToBytes } from "./state_machine.ts";

export class LivenessViolation extends Error {
  override readonly name = "LivenessViolation";
}

export interface SimStats {
  ticks: number;
  delivered: number;
  proposals: number;
  acked: number;
  reads: number;
  confChanges: number;
  crashes: number;
  snapshotsSent: number;
  maxTerm: number;
  ticksToLeader: number;
}

export class Simulation implements ShellContext {
  readonly random: () => number;
  readonly checker = new Checker();
  readonly params: SimParams;
  readonly members = new Map<MemberId, SimMember>();
  readonly network: SimNetwork;
  readonly trace = new Trace(300);
  readonly stats: SimStats = {
    ticks: 0,
    delivered: 0,
    proposals: 0,
    acked: 0,
    reads: 0,
    confChanges: 0,
    crashes: 0,
    snapshotsSent: 0,
    maxTerm: 0,
    ticksToLeader: 0,
  };
  now = 0;
  midReadyCrash: number;
  #nextId = 1;
  #nextProposal = 1;
  #seedBase: number;
  /** Proposals applied somewhere (acknowledged to their client). */
  readonly acked = new Set<string>();
  #maxAckedIndex = 0;
  readonly #reads = new Map<string, { min: number; member: MemberId }>();

  constructor(seed: number, params: SimParams) {
    this.params = params;
    this.midReadyCrash = params.midReadyCrash;
    this.random = seededRandom(seed);
    this.#seedBase = seed * 1000;
    this.network = new SimNetwork(seededRandom(seed ^ 0x5bd1e995));
    const ids = Array.from({ length: params.members }, () => this.#newId());
    const boot = bootstrapLog(ids);
    for (const id of ids) {
      const storage = new MemoryLogStorage();
      storage.append(boot.entries);
      storage.setHardState(boot.hardState);
      const m = new SimMember(id, storage);
      m.persistedCommit = boot.hardState.commit;
      m.persistedTerm = boot.hardState.term;
      this.members.set(id, m);
      m.start(this, this.#seedBase++);
    }
  }

  #newId(): MemberId {
    return `m${this.#nextId++}`;
  }

  // ---- ShellContext ----

  send(msg: Message): void {
    if (msg.type === "snapshot" && msg.snapshotChunk?.offset === 0) this.stats.snapshotsSent++;
    this.network.send(msg, this.now);
  }

  log(text: string | (() => string)): void {
    this.trace.add(this.now, text);
  }

  onApplied(_m: SimMember, e: Entry, proposal: string | undefined): void {
    if (proposal !== undefined && !this.acked.has(proposal)) {
      this.acked.add(proposal);
      this.stats.acked++;
      this.#maxAckedIndex = Math.max(this.#maxAckedIndex, e.index);
    }
  }

  onConfApplied(m: SimMember, change: ConfChange): void {
    if (change.type !== "remove") return;
    const removed = this.members.get(change.member);
    if (removed === undefined || removed.retired || !this.params.retireRemoved) return;
    removed.retired = true;
    removed.crash(this, `retired: removal applied by ${m.id}`);
  }

  onReadState(m: SimMember, rs: ReadState): void {
    const key = new TextDecoder().decode(rs.context);
    const read = this.#reads.get(key);
    if (read === undefined) return;
    this.#reads.delete(key);
    if (rs.index < read.min) {
      throw new SafetyViolation(
        `Linearizability: read ${key} on ${m.id} got index ${rs.index}, but index ${read.min} ` +
          `was acknowledged before the read began`,
      );
    }
  }

  // ---- driving ----

  /** Runs the fault phase, then heals and checks liveness. Throws on any violation. */
  run(): void {
    this.network.faults = {
      dropRate: this.params.dropRate,
      dupRate: this.params.dupRate,
      maxDelay: this.params.maxDelay,
    };
    for (let t = 0; t < this.params.faultTicks; t++) {
      this.#tickAll();
      this.#faultEvents();
    }
    this.#heal();
    this.#checkLiveness();
  }

  #live(): SimMember[] {
    return [...this.members.values()].filter((m) => m.up);
  }

  #pick<T>(items: readonly T[]): T | undefined {
    return items.length === 0 ? undefined : items[Math.floor(this.random() * items.length)];
  }

  /** A Fisher-Yates shuffle (a random sort comparator is not deterministic across JIT tiers). */
  #shuffle<T>(items: readonly T[]): T[] {
    const out = [...items];
    for (let i = out.length - 1; i > 0; i--) {
      const j = Math.floor(this.random() * (i + 1));
      [out[i], out[j]] = [out[j] as T, out[i] as T];
    }
    return out;
  }

  #leader(): SimMember | undefined {
    let best: SimMember | undefined;
    let bestTerm = -1;
    for (const m of this.#live()) {
      const st = m.core?.status();
      if (st?.role === "leader" && st.term > bestTerm) {
        best = m;
        bestTerm = st.term;
      }
    }
    return best;
  }

  /** One tick: deliver due messages over the tick's time units, then tick every live member. */
  #tickAll(): void {
    for (let u = 0; u < TICK; u++) {
      this.now++;
      for (
        let f = this.network.popDue(this.now);
        f !== undefined;
        f = this.network.popDue(this.now)
      ) {
        this.#deliver(f.msg);
      }
    }
    this.stats.ticks++;
    for (const m of this.#live()) {
      m.core?.tick();
      this.#settle(m);
    }
  }

  #settle(m: SimMember): void {
    m.handleReady(this);
    m.observe(this);
    const term = m.core?.status().term ?? 0;
    if (term > this.stats.maxTerm) this.stats.maxTerm = term;
  }

  #deliver(msg: Message): void {
    const to = this.members.get(msg.to);
    if (to?.core === undefined || this.network.isBlocked(msg.from, msg.to)) return;
    this.stats.delivered++;
    // Heartbeats without a read context are left out of the trace: they would crowd out the rest.
    if (!(msg.type.startsWith("heartbeat") && msg.context.length === 0)) {
      this.trace.add(this.now, () => describe(msg));
    }
    to.core.step(msg);
    this.#settle(to);
  }

  #faultEvents(): void {
    const p = this.params;
    const r = this.random;
    if (r() < p.proposeRate) this.#propose(r() < 0.1 ? 5 : 1);
    if (r() < 0.1) this.#read();
    if (r() < p.confChangeRate) this.#confChange();
    if (r() < 0.005) this.#transfer();
    if (r() < 0.01) this.#injectMalformed();
    if (r() < p.crashRate) {
      const victim = this.#pick(this.#live());
      if (victim !== undefined) {
        this.stats.crashes++;
        victim.crash(this, "fault");
      }
    }
    for (const m of this.members.values()) {
      if (!m.up && !m.retired && r() < 0.08) this.#restart(m);
    }
    if (r() < p.partitionRate) this.#partition();
    if (r() < p.partitionRate) this.network.heal();
  }

  #restart(m: SimMember): void {
    this.log(`RESTART ${m.id}`);
    m.start(this, this.#seedBase++);
    this.#settle(m);
  }

  #partition(): void {
    const ids = [...this.members.keys()];
    const kind = this.random();
    if (kind < 0.4) {
      const shuffled = this.#shuffle(ids);
      const k = 1 + Math.floor(this.random() * Math.floor(ids.length / 2));
      this.network.partition(shuffled.slice(0, k), shuffled.slice(k));
      this.log(`PARTITION ${shuffled.slice(0, k).join(",")} | ${shuffled.slice(k).join(",")}`);
    } else if (kind < 0.7) {
      const a = this.#pick(ids);
      const b = this.#pick(ids);
      if (a !== undefined && b !== undefined && a !== b) {
        this.network.block(a, b);
        this.log(`BLOCK ${a}->${b}`);
      }
    } else {
      const leader = this.#leader();
      if (leader !== undefined) {
        this.network.isolate(leader.id, ids);
        this.log(`ISOLATE leader ${leader.id}`);
      }
    }
  }

  #propose(count: number): void {
    const target = this.random() < 0.8 ? this.#leader() : this.#pick(this.#live());
    if (target?.core === undefined) return;
    for (let i = 0; i < count; i++) {
      const id = `p${this.#nextProposal++}`;
      try {
        const at = target.core.propose(textToBytes(id));
        this.stats.proposals++;
        this.log(`PROPOSE ${id} on ${target.id} -> (${at.index},${at.term})`);
      } catch (e) {
        if (!(e instanceof NotLeaderError)) throw e;
      }
    }
    this.#settle(target);
  }

  #read(): void {
    const target = this.#pick(this.#live());
    if (target?.core === undefined) return;
    const key = `r${this.stats.reads++}`;
    try {
      target.core.readIndex(new TextEncoder().encode(key));
      this.#reads.set(key, { min: this.#maxAckedIndex, member: target.id });
      this.log(`READ ${key} on ${target.id} (must see >= ${this.#maxAckedIndex})`);
    } catch (e) {
      if (!(e instanceof NotLeaderError)) throw e;
    }
    this.#settle(target);
  }

  #transfer(): void {
    const leader = this.#leader();
    const to = this.#pick(leader?.core?.status().conf.voters ?? []);
    if (leader?.core === undefined || to === undefined) return;
    this.log(`TRANSFER ${leader.id} -> ${to}`);
    leader.core.transferLeadership(to);
    this.#settle(leader);
  }

  #confChange(): void {
    const leader = this.#leader();
    if (leader?.core === undefined) return;
    const conf = leader.core.status().conf;
    const r = this.random();
    let change: ConfChange;
    let joiner: SimMember | undefined;
    const empty = new Uint8Array();
    if (conf.learners.length > 0 && r < 0.35) {
      change = { type: "add-voter", member: this.#pick(conf.learners) as MemberId, context: empty };
    } else if (r < 0.7 && conf.voters.length + conf.learners.length < 9) {
      joiner = new SimMember(this.#newId());
      const type = conf.voters.length < 7 && this.random() < 0.4 ? "add-voter" : "add-learner";
      change = { type, member: joiner.id, context: empty };
    } else {
      const all = [...conf.voters, ...conf.learners];
      change = { type: "remove", member: this.#pick(all) as MemberId, context: empty };
    }
    try {
      const at = leader.core.proposeConfChange(change);
      this.stats.confChanges++;
      this.log(`CONF ${change.type} ${change.member} on ${leader.id} -> (${at.index},${at.term})`);
      if (joiner !== undefined) {
        this.members.set(joiner.id, joiner);
        joiner.start(this, this.#seedBase++);
      }
    } catch (e) {
      if (!(e instanceof ConfChangeError || e instanceof NotLeaderError)) throw e;
      this.log(`CONF ${change.type} ${change.member} refused: ${(e as Error).message}`);
    }
    this.#settle(leader);
  }

  /** Delivers a malformed copy of a message in flight: it must be refused without any effect. */
  #injectMalformed(): void {
    const msg = this.network.peekRandom();
    const to = msg === undefined ? undefined : this.members.get(msg.to);
    if (msg === undefined || to?.core === undefined) return;
    const bad = corrupt(msg, this.random);
    const before = JSON.stringify(to.core.status());
    const hadReady = to.core.hasReady();
    try {
      to.core.step(bad.msg);
    } catch (e) {
      if (!(e instanceof InvalidMessageError)) throw e;
      if (JSON.stringify(to.core.status()) !== before || to.core.hasReady() !== hadReady) {
        throw new SafetyViolation(`${to.id} changed state on a refused message (${bad.how})`);
      }
      return;
    }
    throw new SafetyViolation(
      `${to.id} accepted a malformed message (${bad.how}): ${describe(msg)}`,
    );
  }

  #heal(): void {
    this.log("HEAL: network repaired, crashed members restarted");
    this.network.heal();
    this.network.faults = { dropRate: 0, dupRate: 0, maxDelay: 3 };
    this.midReadyCrash = 0;
    for (const m of this.members.values()) if (!m.up && !m.retired) this.#restart(m);
  }

  /** Members of the configuration the given leader knows. */
  #confMembers(leader: SimMember): SimMember[] {
    const conf = leader.core?.status().conf ?? { voters: [], learners: [] };
    return [...conf.voters, ...conf.learners].map((id) => this.members.get(id)).filter((
      m,
    ): m is SimMember => m !== undefined);
  }

  #stableLeader(): SimMember | undefined {
    const leader = this.#leader();
    if (leader?.core === undefined) return undefined;
    const term = leader.core.status().term;
    for (const m of this.#confMembers(leader)) {
      if (m.core === undefined || m.core.status().term > term) return undefined;
    }
    return leader;
  }

  #checkLiveness(): void {
    const deadline = 3 * 2 * this.params.electionTick;
    let leader: SimMember | undefined;
    for (let t = 0; t <= deadline && leader === undefined; t++) {
      leader = this.#stableLeader();
      if (leader === undefined) this.#tickAll();
      else this.stats.ticksToLeader = t;
    }
    if (leader === undefined) {
      throw new LivenessViolation(
        `No leader within ${deadline} ticks (3 election timeouts) after the faults healed\n` +
          this.describeMembers(),
      );
    }
    // A fresh proposal must commit too (retried while a leader change loses it); then every member
    // of the configuration catches up.
    let fresh: string | undefined;
    let proposedAt = 0;
    for (let t = 0; t < 600; t++) {
      const l = this.#leader();
      const retry = fresh === undefined || (!this.acked.has(fresh) && t - proposedAt >= 30);
      if (retry && l?.core !== undefined) {
        const id = `p${this.#nextProposal++}`;
        try {
          l.core.propose(textToBytes(id));
          fresh = id;
          proposedAt = t;
          this.log(`PROPOSE ${id} on ${l.id} (after heal)`);
        } catch (e) {
          if (!(e instanceof NotLeaderError)) throw e;
        }
        this.#settle(l);
      }
      if (fresh !== undefined && l !== undefined && this.#converged(l, fresh)) return;
      this.#tickAll();
    }
    const l = this.#leader();
    const lagging = l === undefined
      ? "no leader"
      : this.#confMembers(l).filter((m) => !this.#hasAll(m, fresh)).map((m) =>
        `${m.id}@${m.sm.index}${m.up ? "" : "(down)"}`
      ).join(", ");
    throw new LivenessViolation(
      `Acknowledged proposals not applied everywhere 600 ticks after healing: ${lagging}\n` +
        this.describeMembers(),
    );
  }

  /** One line per member: its role, term, indexes and configuration. */
  describeMembers(): string {
    return [...this.members.values()].map((m) => {
      const st = m.core?.status();
      if (st === undefined) return `    ${m.id}: down${m.retired ? " (retired)" : ""}`;
      const prog = Object.entries(st.progress).map(([id, p]) => `${id}:${p.match}/${p.next}`);
      return `    ${m.id}: ${st.role} term ${st.term} leader ${
        st.leader || "-"
      } commit ${st.commit} ` +
        `applied ${st.applied} last ${st.lastIndex} voters ${st.conf.voters.join(",")} ` +
        `learners ${st.conf.learners.join(",") || "-"}${
          prog.length ? ` progress ${prog.join(" ")}` : ""
        }`;
    }).join("\n");
  }

  #hasAll(m: SimMember, fresh: string | undefined): boolean {
    if (!m.up) return false;
    if (fresh === undefined || !m.sm.ids.has(fresh)) return false;
    for (const id of this.acked) if (!m.sm.ids.has(id)) return false;
    return true;
  }

  #converged(leader: SimMember, fresh: string): boolean {
    return this.#confMembers(leader).every((m) => this.#hasAll(m, fresh));
  }
}
