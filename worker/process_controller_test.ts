import assert from "node:assert/strict";
import { ControllerClosedError, TaskAlreadyStartedError, TaskRejectedError } from "./executor.ts";
import { ProcessExecutor } from "./process_executor.ts";
import type { TaskRuntime } from "./types.ts";

async function withExecutor(fn: (executor: ProcessExecutor, dir: string) => Promise<void>) {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  const executor = new ProcessExecutor({ stateDir: dir, parentDeathSignal: false });
  try {
    await fn(executor, dir);
  } finally {
    await executor.shutdownAll();
    await Deno.remove(dir, { recursive: true });
  }
}

const task = (taskId: string, extra: Partial<TaskRuntime> = {}): TaskRuntime => ({
  taskId,
  name: taskId,
  serviceId: "s",
  slot: 1,
  command: "sleep",
  args: ["1000"],
  env: {},
  ...extra,
});

Deno.test("ProcessController: concurrent starts run one process", async () => {
  await withExecutor(async (executor) => {
    const a = executor.controller(task("t1"));
    const b = executor.controller(task("t1"));
    const results = await Promise.allSettled([a.start(), b.start(), a.start()]);
    assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
    for (const r of results) {
      if (r.status === "rejected") assert.ok(r.reason instanceof TaskAlreadyStartedError);
    }
    assert.equal(executor.running().length, 1);
    await a.terminate();
    assert.equal((await b.wait()).signal, "SIGKILL");
  });
});

Deno.test("ProcessController: a failed prepare can be retried once the cause is fixed", async () => {
  await withExecutor(async (executor, dir) => {
    const ctl = executor.controller(task("t2", { dir: `${dir}/later` }));
    await assert.rejects(ctl.prepare(), TaskRejectedError);
    await Deno.mkdir(`${dir}/later`);
    await ctl.prepare();
    await ctl.start();
    assert.equal((await ctl.inspect()).running, true);
  });
});

Deno.test("ProcessController: a closed controller refuses calls; the task keeps running", async () => {
  await withExecutor(async (executor) => {
    const ctl = executor.controller(task("t3"));
    await ctl.start();
    await ctl.close();
    await ctl.close();
    await assert.rejects(ctl.inspect(), ControllerClosedError);
    await assert.rejects(ctl.shutdown(), ControllerClosedError);
    assert.deepEqual(executor.running(), ["t3"]);
  });
});

Deno.test("ProcessController: logs are empty before the task runs", async () => {
  await withExecutor(async (executor) => {
    const ctl = executor.controller(task("t4"));
    assert.deepEqual(await ctl.logs(), { stdout: "", stderr: "" });
    assert.deepEqual(await ctl.inspect(), { running: false });
  });
});
