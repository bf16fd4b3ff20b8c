/**
 * Raft throughput and latency in one process: 3 members over the memory transport, each with real
 * Deno KV storage in a temp dir, 256-byte entries. A proposal counts when it is applied on the
 * leader (committed by a quorum, durable on a quorum, applied locally).
 *
 *     deno run --no-prompt --unstable-kv -A bench/raft_inprocess_bench.ts [--runs 5]
 *       [--entries 20000] [--size 256] [--proposers 1,64] [--failover-runs 5] [--election-tick 8]
 *       [--encrypt]
 *
 * It also measures failover: the leader is stopped and the clock runs until a new leader has
 * applied a write (real timers, tick 100 ms).
 *
 * Prints the median of the runs as a Markdown table (per-run numbers go to stderr). Not a
 * `Deno.bench`: `deno bench` loads this file without running it.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { KvRaftStorage } from "../raft/kv_storage.ts";
import { MemoryNetwork } from "../raft/memory_transport.ts";
import { RaftNode } from "../raft/node.ts";

interface Run {
  readonly entriesPerSec: number;
  readonly p50: number;
  readonly p99: number;
  readonly kvCommits: number;
  /** Process CPU time (user + system) per committed entry, in microseconds. */
  readonly cpuUsPerEntry: number;
}

interface Cluster {
  readonly nodes: RaftNode[];
  readonly storages: KvRaftStorage[];
  readonly dir: string;
  readonly saves: () => number;
}

/** Set by `--encrypt`: every store seals its entries, as a manager's does (autolock off: an
 * unwrapped data key; on: wrapped by the unlock key — the sealing cost is the same). */
let encryption: { readonly kek: Uint8Array | null } | undefined;

async function startCluster(ids: readonly string[], electionTick?: number): Promise<Cluster> {
  const dir = await Deno.makeTempDir({ prefix: "raft_bench_" });
  const net = new MemoryNetwork();
  const nodes: RaftNode[] = [];
  const storages: KvRaftStorage[] = [];
  let saves = 0;
  for (const id of ids) {
    const storage = await KvRaftStorage.open(`${dir}/${id}/raft.kv`, {
      memberId: id,
      clusterId: "bench",
      ...(encryption ? { encryption } : {}),
    });
    storages.push(storage);
    let applied = 0;
    const node: RaftNode = new RaftNode({
      id,
      storage: {
        load: () => storage.load(),
        save: (b) => (saves++, storage.save(b)),
        saveSnapshot: (s) => storage.saveSnapshot(s),
        compact: (i) => storage.compact(i),
      },
      transport: net.connect(id, { receive: (m) => node.receive(m) }),
      apply: () => {
        applied++;
      },
      takeSnapshot: () => new TextEncoder().encode(String(applied)),
      restoreSnapshot: (data) => {
        applied = Number(new TextDecoder().decode(data));
      },
      bootstrap: ids,
      ...(electionTick !== undefined ? { electionTick } : {}),
    });
    nodes.push(node);
  }
  await Promise.all(nodes.map((n) => n.start()));
  return { nodes, storages, dir, saves: () => saves };
}

async function stopCluster(c: Cluster): Promise<void> {
  await Promise.all(c.nodes.map((n) => n.stop()));
  for (const s of c.storages) s.close();
  await Deno.remove(c.dir, { recursive: true });
}

async function waitForLeader(nodes: readonly RaftNode[], timeoutMs = 10_000): Promise<RaftNode> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    const leader = nodes.find((n) => n.isLeader && n.status().state === "running");
    if (leader !== undefined && nodes.every((n) => n === leader || n.leader === leader.id)) {
      return leader;
    }
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error("No leader elected within 10 s");
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? NaN;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : ((s[mid - 1]! + s[mid]!) / 2);
}

async function throughputRun(proposers: number, entries: number, size: number): Promise<Run> {
  const c = await startCluster(["m1", "m2", "m3"]);
  try {
    const leader = await waitForLeader(c.nodes);
    const data = new Uint8Array(size).fill(0x61);
    // Warm up (JIT, KV files) before measuring.
    await Promise.all(Array.from({ length: 200 }, () => leader.propose(data)));
    const savesBefore = c.saves();
    const cpuBefore = process.cpuUsage();
    const latencies: number[] = [];
    let started = 0;
    const t0 = performance.now();
    await Promise.all(Array.from({ length: proposers }, async () => {
      while (started < entries) {
        started++;
        const s = performance.now();
        await leader.propose(data);
        latencies.push(performance.now() - s);
      }
    }));
    const elapsed = performance.now() - t0;
    const cpu = process.cpuUsage(cpuBefore);
    latencies.sort((a, b) => a - b);
    return {
      entriesPerSec: entries / (elapsed / 1000),
      p50: percentile(latencies, 0.5),
      p99: percentile(latencies, 0.99),
      kvCommits: c.saves() - savesBefore,
      cpuUsPerEntry: (cpu.user + cpu.system) / entries,
    };
  } finally {
    await stopCluster(c);
  }
}

async function failoverRun(electionTick: number | undefined): Promise<number> {
  const c = await startCluster(["m1", "m2", "m3"], electionTick);
  try {
    const leader = await waitForLeader(c.nodes);
    await leader.propose(new Uint8Array([1]));
    const t0 = performance.now();
    await leader.stop();
    const rest = c.nodes.filter((n) => n !== leader);
    const next = await waitForLeader(rest);
    await next.propose(new Uint8Array([2]));
    return performance.now() - t0;
  } finally {
    await stopCluster(c);
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "5" },
      entries: { type: "string", default: "20000" },
      size: { type: "string", default: "256" },
      proposers: { type: "string", default: "1,64" },
      "failover-runs": { type: "string", default: "5" },
      "election-tick": { type: "string" },
      encrypt: { type: "boolean", default: false },
    },
  });
  if (values.encrypt) encryption = { kek: crypto.getRandomValues(new Uint8Array(32)) };
  const runs = Number(values.runs);
  const size = Number(values.size);
  const rows: string[] = [];
  for (const proposers of values.proposers.split(",").map(Number)) {
    // One proposer is latency-bound: fewer entries keep the run short.
    const entries = proposers === 1
      ? Math.min(Number(values.entries), 2000)
      : Number(values.entries);
    const results: Run[] = [];
    for (let r = 0; r < runs; r++) {
      const run = await throughputRun(proposers, entries, size);
      console.error(
        `proposers=${proposers} run ${r + 1}/${runs}: ${run.entriesPerSec.toFixed(0)} entries/s, ` +
          `p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, ` +
          `${(entries / run.kvCommits).toFixed(1)} entries per KV commit (all members), ` +
          `${run.cpuUsPerEntry.toFixed(0)} µs CPU per entry`,
      );
      results.push(run);
    }
    const cells = [
      String(proposers),
      String(entries),
      median(results.map((r) => r.entriesPerSec)).toFixed(0),
      median(results.map((r) => r.p50)).toFixed(2),
      median(results.map((r) => r.p99)).toFixed(2),
      median(results.map((r) => r.cpuUsPerEntry)).toFixed(0),
    ];
    rows.push(`| ${cells.join(" | ")} |`);
  }
  const failovers: number[] = [];
  for (let r = 0; r < Number(values["failover-runs"]); r++) {
    const electionTick = values["election-tick"];
    const ms = await failoverRun(electionTick === undefined ? undefined : Number(electionTick));
    console.error(`failover run ${r + 1}: ${ms.toFixed(0)} ms`);
    failovers.push(ms);
  }
  console.log(
    `### Raft in one process (3 members, memory transport, Deno KV storage, ${size}-byte entries)\n`,
  );
  console.log(
    `Median of ${runs} runs. Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs.\n`,
  );
  const header = [
    "Concurrent proposers",
    "Entries per run",
    "Committed entries/s",
    "p50 commit latency (ms)",
    "p99 commit latency (ms)",
    "Process CPU per entry (µs)",
  ];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---:").join("|")}|`);
  for (const row of rows) console.log(row);
  if (failovers.length > 0) {
    console.log(
      `\nLeader stop → next write applied on the new leader (tick 100 ms, election ` +
        `${values["election-tick"] ?? "8 (default)"} ticks): ` +
        `median ${median(failovers).toFixed(0)} ms, max ${Math.max(...failovers).toFixed(0)} ms ` +
        `over ${failovers.length} runs.`,
    );
  }
}

if (import.meta.main) await main();
