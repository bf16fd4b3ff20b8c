/**
 * The leader's decisions at scale: a store with M ready nodes gets one service of N replicas, and
 * the reconcile stages (orchestrate → allocate → schedule → reap) run and commit, as the leader's
 * loop does, until every task is assigned to a node. The store applies writes at once (no Raft),
 * so this measures the decisions and the store, not consensus.
 *
 *     deno run --no-prompt -A bench/reconcile_bench.ts [--runs 5] [--sizes 100x1000,1000x10000]
 *
 * Prints the median of the runs as a Markdown table (per-run numbers go to stderr).
 *
 * @module
 */
import { parseArgs } from "node:util";
import { newTestStore } from "../manager/store/testing.ts";
import { commitPlan, STAGES } from "../manager/reconciler.ts";
import { testNode, testService } from "../manager/orchestrator/testing.ts";
import { TaskState } from "../proto/gen/swarm/v1/types_pb.ts";

interface Run {
  readonly ms: number;
  readonly passes: number;
  readonly tasksPerSec: number;
}

async function runOnce(nodes: number, replicas: number): Promise<Run> {
  const store = newTestStore({ now: () => new Date() });
  const ids: string[] = [];
  for (let i = 0; i < nodes; i += 500) {
    const batch = Array.from({ length: Math.min(500, nodes - i) }, (_, j) => testNode(`n${i + j}`));
    ids.push(...batch.map((n) => n.id));
    await store.update((tx) => batch.forEach((n) => tx.create("node", n)));
  }
  await store.update((tx) => tx.create("service", testService("web", replicas)));
  let next = 0;
  const newId = () => `t${++next}`;
  const started = performance.now();
  let passes = 0;
  while (true) {
    passes++;
    let changed = 0;
    for (const stage of STAGES) {
      const plan = stage.decide(store, new Date(), newId);
      changed += plan.create.length + plan.update.length + plan.remove.length +
        plan.services.length;
      await commitPlan(store, plan);
    }
    const assigned = store.list("task").filter((t) =>
      (t.status?.state ?? 0) >= TaskState.ASSIGNED && t.nodeId !== ""
    ).length;
    if (assigned === replicas) {
      break;
    }
    if (changed === 0) {
      throw new Error(`stuck at ${assigned}/${replicas} assigned tasks`);
    }
  }
  const ms = performance.now() - started;
  return { ms, passes, tasksPerSec: replicas / (ms / 1000) };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};

const { values } = parseArgs({
  args: Deno.args,
  options: {
    runs: { type: "string", default: "5" },
    sizes: { type: "string", default: "100x1000,1000x10000" },
  },
});
const runs = Number(values.runs);
console.log("| nodes | replicas | time to all assigned | tasks/s | passes |");
console.log("|---:|---:|---:|---:|---:|");
for (const size of values.sizes.split(",")) {
  const [m, n] = size.split("x").map(Number) as [number, number];
  const results: Run[] = [];
  for (let r = 0; r < runs; r++) {
    const run = await runOnce(m, n);
    console.error(`${m}x${n} run ${r + 1}: ${run.ms.toFixed(0)} ms, ${run.passes} passes`);
    results.push(run);
  }
  console.log(
    `| ${m.toLocaleString("en")} | ${n.toLocaleString("en")} | ${
      median(results.map((x) => x.ms)).toFixed(0)
    } ms | ${median(results.map((x) => x.tasksPerSec)).toFixed(0)} | ${
      median(results.map((x) => x.passes))
    } |`,
  );
}
