import assert from "node:assert/strict";
import { ProcessHandle } from "./process_handle.ts";
import type { LaunchSpec } from "./process_spec.ts";

async function withSpec(args: string[], fn: (spec: LaunchSpec, dir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await fn({
      executable: "/bin/sh",
      args,
      env: { PATH: "/usr/bin:/bin" },
      cwd: dir,
      logDir: dir,
      stdoutPath: `${dir}/out.log`,
      stderrPath: `${dir}/err.log`,
      stopSignal: "SIGTERM",
      stopGracePeriodMs: 200,
    }, dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("ProcessHandle: the wrapper execs, so the pid is the task's own process", async () => {
  await withSpec(["-c", "echo $$; exec sleep 1000"], async (spec, dir) => {
    const handle = ProcessHandle.spawn(spec, {
      taskId: "t1",
      shell: "/bin/sh",
      setpriv: undefined,
      recordsDir: `${dir}/records`,
    });
    await handle.recorded;
    let out = "";
    const deadline = performance.now() + 20_000;
    while (!out.includes("\n") && performance.now() < deadline) {
      out = await Deno.readTextFile(spec.stdoutPath).catch(() => "");
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.equal(Number(out.trim()), handle.pid, "$$ of the task is the spawned pid");
    // The task replaces the wrapper shell in the same process.
    const cmdline = () => Deno.readTextFile(`/proc/${handle.pid}/cmdline`);
    while ((await cmdline()) !== "sleep\x001000\x00") {
      if (performance.now() > deadline) throw new Error(`cmdline: ${await cmdline()}`);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    assert.ok(handle.startTime !== undefined);
    assert.ok([...Deno.readDirSync(`${dir}/records`)].some((e) => e.name === "t1.json"));
    assert.deepEqual(await handle.stop("SIGTERM", 5_000), { exitCode: 143, signal: "SIGTERM" });
    assert.deepEqual(handle.exit, { exitCode: 143, signal: "SIGTERM" });
    assert.deepEqual([...Deno.readDirSync(`${dir}/records`)], [], "record deleted on exit");
    assert.deepEqual(await handle.kill(), { exitCode: 143, signal: "SIGTERM" }, "idempotent");
  });
});

Deno.test("ProcessHandle: concurrent stops share one; kill overrides the grace", async () => {
  await withSpec(
    ["-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
    async (spec, dir) => {
      const handle = ProcessHandle.spawn(spec, {
        taskId: "t2",
        shell: "/bin/sh",
        setpriv: undefined,
        recordsDir: `${dir}/records`,
      });
      const deadline = performance.now() + 20_000;
      while ((await Deno.readTextFile(spec.stdoutPath).catch(() => "")) !== "ready\n") {
        if (performance.now() > deadline) throw new Error("task never became ready");
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      const a = handle.stop("SIGTERM", 60_000);
      const b = handle.stop("SIGTERM", 60_000);
      assert.equal(a, b);
      const t0 = performance.now();
      const killed = await handle.kill();
      assert.ok(performance.now() - t0 < 30_000);
      assert.equal(killed.signal, "SIGKILL");
      assert.deepEqual(await a, killed);
    },
  );
});
