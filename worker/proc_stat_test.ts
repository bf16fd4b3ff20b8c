import assert from "node:assert/strict";
import {
  isDead,
  listProcStats,
  parseProcStat,
  readProcStat,
  readProcStatSync,
} from "./proc_stat.ts";

Deno.test("parseProcStat: handles spaces and parentheses in comm", () => {
  const fields = Array.from({ length: 50 }, (_, i) => String(i + 3)); // field N holds N
  fields[0] = "S";
  const stat = parseProcStat(`1234 (a (weird) name) ${fields.join(" ")}\n`);
  assert.deepEqual(stat, {
    pid: 1234,
    comm: "a (weird) name",
    state: "S",
    ppid: 4,
    pgid: 5,
    sid: 6,
    startTime: 22,
  });
  assert.ok(!isDead(stat));
  assert.ok(isDead({ ...stat, state: "Z" }));
});

Deno.test("parseProcStat: rejects malformed text", () => {
  assert.throws(() => parseProcStat("garbage"), SyntaxError);
  assert.throws(() => parseProcStat("1 (x) S 1 2"), SyntaxError);
});

Deno.test("readProcStat: reads this process and nothing for a missing pid", async () => {
  const self = await readProcStat(Deno.pid);
  assert.equal(self?.pid, Deno.pid);
  assert.ok((self?.startTime ?? 0) > 0);
  assert.deepEqual(readProcStatSync(Deno.pid)?.startTime, self?.startTime);
  assert.equal(await readProcStat(2 ** 22 + 7), undefined);
  assert.ok((await listProcStats()).some((s) => s.pid === Deno.pid));
});
