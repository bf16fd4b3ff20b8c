/**
 * Raft failover across three OS processes on loopback (gRPC with mutual TLS, Deno KV storage,
 * default timers: tick 100 ms, election after 8–16 ticks without a leader): the leader process is
 * killed with SIGKILL, and the time runs from the kill until a surviving member, as the new
 * leader, has committed (and applied) a new entry.
 *
 *     deno run --no-prompt --unstable-kv -A bench/raft_failover_bench.ts [--runs 7] [--json]
 *
 * Right after the kill the parent asks both survivors to propose until one of them commits; a
 * survivor retries every 2 ms while it is not the leader. Each run starts a fresh cluster and
 * lets it run for `--settle-ms` first, so the kill hits a leader in its steady state. Prints the
 * median; per-run numbers go to stderr. `--member <id>` is the member mode (see
 * `_raft_processes.ts`). Not a `Deno.bench`.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { median, type MemberEvent, ProcessCluster, runMember, within } from "./_raft_processes.ts";

const IDS = ["m1", "m2", "m3"];

type Committed = Extract<MemberEvent, { event: "committed" }>;
const isCommitted = (e: MemberEvent): e is Committed => e.event === "committed";

interface FailoverRun {
  readonly ms: number;
  readonly oldLeader: string;
  readonly newLeader: string;
}

async function run(settleMs: number): Promise<FailoverRun> {
  const c = await ProcessCluster.start(import.meta.filename as string, IDS);
  try {
    const leader = await c.agreedLeader(10_000);
    leader.send({ cmd: "commit" });
    await within(leader.next(isCommitted), 10_000, "a first commit");
    await new Promise((r) => setTimeout(r, settleMs));
    const survivors = c.members.filter((m) => m !== leader);
    const t0 = performance.now();
    leader.child.kill("SIGKILL");
    for (const m of survivors) m.send({ cmd: "commit" });
    const first = await within(
      Promise.race(survivors.map((m) => m.next(isCommitted))),
      30_000,
      "a commit after the kill",
    );
    const ms = performance.now() - t0;
    await leader.child.status;
    return { ms, oldLeader: leader.id, newLeader: first.id };
  } finally {
    await c.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      runs: { type: "string", default: "7" },
      "settle-ms": { type: "string", default: "500" },
      json: { type: "boolean", default: false },
    },
  });
  const runs = Number(values.runs);
  const results: FailoverRun[] = [];
  for (let r = 0; r < runs; r++) {
    const res = await run(Number(values["settle-ms"]));
    console.error(
      `failover run ${r + 1}/${runs}: ${res.ms.toFixed(0)} ms ` +
        `(killed ${res.oldLeader}, ${res.newLeader} committed)`,
    );
    results.push(res);
  }
  const ms = results.map((r) => r.ms);
  const summary = {
    runs,
    medianMs: Math.round(median(ms)),
    minMs: Math.round(Math.min(...ms)),
    maxMs: Math.round(Math.max(...ms)),
  };
  if (values.json) {
    console.log(JSON.stringify({ ...summary, deno: Deno.version.deno }));
    return;
  }
  console.log(
    `### Raft failover over gRPC (3 processes, loopback, kill -9 of the leader, default timers)\n`,
  );
  console.log(
    `kill → first entry committed by the new leader: median ${summary.medianMs} ms, ` +
      `min ${summary.minMs} ms, max ${summary.maxMs} ms over ${runs} runs ` +
      `(Deno ${Deno.version.deno}, ${navigator.hardwareConcurrency} CPUs).`,
  );
}

if (import.meta.main) {
  if (Deno.args.includes("--member")) await runMember(Deno.args);
  else await main();
}
