import assert from "node:assert/strict";
import { isDead, readProcStat } from "./proc_stat.ts";
import { identify, killSession, sessionProcesses } from "./process_session.ts";

async function alive(pid: number): Promise<boolean> {
  const stat = await readProcStat(pid);
  return stat !== undefined && !isDead(stat);
}

async function readPid(path: string): Promise<number> {
  const deadline = performance.now() + 20_000;
  for (;;) {
    const pid = Number((await Deno.readTextFile(path).catch(() => "")).trim());
    if (pid > 0) return pid;
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

Deno.test("killSession: kills the leader and its descendants, never a recycled pid", async () => {
  const dir = await Deno.makeTempDir();
  const leader = new Deno.Command("sh", {
    args: ["-c", `sleep 1000 & echo $! > ${dir}/child; wait`],
    detached: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  try {
    const child = await readPid(`${dir}/child`);
    const start = (await readProcStat(leader.pid))!.startTime;
    assert.equal(await identify(leader.pid, start), "same");
    assert.equal(await identify(leader.pid, start + 1), "recycled");
    assert.equal(await identify(2 ** 22 + 3, 1), "gone");
    const members = (await sessionProcesses(leader.pid, start)).map((p) => p.pid).sort();
    assert.deepEqual(members, [leader.pid, child].sort());

    // A record with another start time names some other process: nothing is touched.
    assert.equal(await killSession(leader.pid, start + 1), 0);
    assert.ok(await alive(leader.pid));

    assert.equal(await killSession(leader.pid, start), 2);
    assert.equal(await alive(child), false);
    assert.equal((await leader.status).signal, "SIGKILL");
    assert.equal(await killSession(leader.pid, start), 0, "nothing left");
  } finally {
    try {
      leader.kill("SIGKILL");
    } catch {
      // gone
    }
    await leader.status;
    await Deno.remove(dir, { recursive: true });
  }
});
