/**
 * Raft throughput and latency across three OS processes on loopback: each member has Deno KV
 * storage in a temp dir and serves the Raft service over gRPC with mutual TLS (certificates from
 * a test PKI the parent generates). The leader process proposes 256-byte entries from 1 and from
 * 64 concurrent proposers; an entry counts when it is applied on the leader (committed by a
 * quorum, durable on a quorum).
 *
 *     deno run --no-prompt --unstable-kv -A bench/raft_grpc_bench.ts [--runs 5]
 *       [--entries 20000] [--size 256] [--proposers 1,64] [--window N] [--encrypt] [--json]
 *
 * `--window` sets the transport's calls in flight per peer (default: the transport's). Each run
 * starts a fresh cluster. Prints the median of the runs as a Markdown table (or JSON
 * with `--json`); per-run numbers go to stderr. `--member <id>` is the member mode the parent
 * spawns (see `_raft_processes.ts`). Not a `Deno.bench`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import {
  type LoadResult,
  median,
  type MemberEvent,
  ProcessCluster,
  runMember,
  within,
} from "./_raft_processes.ts";

const IDS = ["m1", "m2", "m3"];

async function run(
  proposers: number,
  entries: number,
  size: number,
  window: number | undefined,
  encrypt: boolean,
): Promise<LoadResult> {
  const c = await ProcessCluster.start(
    import.meta.filename as string,
    IDS,
    { ...(window === undefined ? {} : { window }), encrypt },
  );
  try {
    const leader = await c.agreedLeader(10_000);
    leader.send({ cmd: "load", proposers, entries, size, warmup: 200 });
    const e = await within(
      leader.next((e): e is Extract<MemberEvent, { event: "load" }> => e.event === "load"),
      300_000,
      "the load to finish",
    );
    return e.result;
  } finally {
    await c.close();
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
      json: { type: "boolean", default: false },
      window: { type: "string" },
      encrypt: { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  const size = Number(values.size);
  const summary: Record<string, number>[] = [];
  for (const proposers of values.proposers.split(",").map(Number)) {
    // One proposer is latency-bound: fewer entries keep the run short.
    const entries = proposers === 1
      ? Math.min(Number(values.entries), 2000)
      : Number(values.entries);
    const results: LoadResult[] = [];
    for (let r = 0; r < runs; r++) {
      const res = await run(
        proposers,
        entries,
        size,
        values.window === undefined ? undefined : Number(values.window),
        values.encrypt,
      );
      console.error(
        `proposers=${proposers} run ${r + 1}/${runs}: ${res.entriesPerSec.toFixed(0)} entries/s, ` +
          `p50 ${res.p50.toFixed(2)} ms, p99 ${res.p99.toFixed(2)} ms, ` +
          `${res.cpuUsPerEntry.toFixed(0)} µs leader CPU per entry, ` +
          `${(1000 * res.calls / res.entries).toFixed(0)} leader gRPC calls per 1,000 entries`,
      );
      results.push(res);
    }
    summary.push({
      proposers,
      entries,
      entriesPerSec: Math.round(median(results.map((r) => r.entriesPerSec))),
      p50Ms: +median(results.map((r) => r.p50)).toFixed(2),
      p99Ms: +median(results.map((r) => r.p99)).toFixed(2),
      leaderCpuUsPerEntry: Math.round(median(results.map((r) => r.cpuUsPerEntry))),
      leaderCallsPer1000Entries: Math.round(median(results.map((r) => 1000 * r.calls / r.entries))),
    });
  }
  if (values.json) {
    console.log(JSON.stringify({ runs, size, deno: Deno.version.deno, results: summary }));
    return;
  }
  console.log(
    `### Raft over gRPC (3 processes, loopback, mutual TLS, Deno KV storage, ${size}-byte entries)\n`,
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
    "Leader CPU per entry (µs)",
    "Leader gRPC calls per 1,000 entries",
  ];
  console.log(`| ${header.join(" | ")} |`);
  console.log(`|${header.map(() => "---:").join("|")}|`);
  for (const s of summary) {
    console.log(
      `| ${
        [
          s.proposers,
          s.entries,
          s.entriesPerSec,
          s.p50Ms?.toFixed(2),
          s.p99Ms?.toFixed(2),
          s.leaderCpuUsPerEntry,
          s.leaderCallsPer1000Entries,
        ].join(" | ")
      } |`,
    );
  }
}

if (import.meta.main) {
  if (Deno.args.includes("--member")) await runMember(Deno.args);
  else await main();
}
