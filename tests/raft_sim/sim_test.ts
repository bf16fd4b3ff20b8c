import assert from "node:assert/strict";
import { formatFailure, runSeed } from "./run.ts";

function runRange(from: number, count: number): void {
  const failures: string[] = [];
  for (let seed = from; seed < from + count; seed++) {
    const r = runSeed(seed);
    if (!r.ok) failures.push(formatFailure(r));
  }
  assert.equal(failures.length, 0, failures.join("\n\n"));
}

// 1,000 seeds in all, split so that each case reports on its own.
for (let part = 0; part < 5; part++) {
  const from = 1 + part * 200;
  Deno.test(`raft simulation: seeds ${from}..${from + 199} keep every safety and liveness property`, () => {
    runRange(from, 200);
  });
}

Deno.test("raft simulation: a seed replays identically", () => {
  const a = runSeed(4242);
  const b = runSeed(4242);
  assert.deepEqual(a.stats, b.stats);
  assert.equal(a.ok, b.ok);
});

Deno.test("raft simulation: faults actually happen", () => {
  let crashes = 0;
  let snapshots = 0;
  let confChanges = 0;
  let reads = 0;
  for (let seed = 1; seed <= 50; seed++) {
    const s = runSeed(seed).stats;
    crashes += s.crashes;
    snapshots += s.snapshotsSent;
    confChanges += s.confChanges;
    reads += s.reads;
  }
  assert.ok(
    crashes > 20 && snapshots > 20 && confChanges > 20 && reads > 200,
    JSON.stringify({ crashes, snapshots, confChanges, reads }),
  );
});
