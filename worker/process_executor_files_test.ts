/**
 * The process executor's secrets and configs: files a task reads from `SWARM_SECRETS_DIR` and
 * `SWARM_CONFIGS_DIR`, gone once the task is.
 */
import assert from "node:assert/strict";
import { ProcessExecutor, type ProcessExecutorOptions } from "./process_executor.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const secret = (name: string, data: string, mode = 0o400): TaskFile => ({
  name,
  target: name,
  data: bytes(data),
  mode,
  uid: 0,
  gid: 0,
});

let counter = 0;
function task(script: string, extra: Partial<TaskRuntime> = {}): TaskRuntime {
  const taskId = `ftask${++counter}x${crypto.randomUUID().slice(0, 6)}`;
  return {
    taskId,
    name: `web.1.${taskId}`,
    serviceId: "svc1",
    slot: 1,
    command: "sh",
    args: ["-c", script],
    env: {},
    ...extra,
  };
}

async function withExecutor(
  fn: (executor: ProcessExecutor, stateDir: string) => Promise<void>,
  options: Partial<ProcessExecutorOptions> = {},
): Promise<void> {
  const stateDir = await Deno.realPath(await Deno.makeTempDir({ prefix: "swarm-pexec-files-" }));
  const executor = new ProcessExecutor({ stateDir, nodeId: "node-f", ...options });
  try {
    await fn(executor, stateDir);
  } finally {
    await executor.shutdownAll();
    await executor.reapOrphans();
    await Deno.remove(stateDir, { recursive: true });
  }
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);
const mode = async (path: string) => ((await Deno.lstat(path)).mode ?? 0) & 0o7777;

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("process: a task reads its secrets and configs from SWARM_SECRETS_DIR and SWARM_CONFIGS_DIR", async () => {
  await withExecutor(async (executor) => {
    const t = task(
      'cat "$SWARM_SECRETS_DIR/db-pass"; echo; cat "$SWARM_CONFIGS_DIR/etc/app.conf"; echo; ' +
        'stat -c "%a" "$SWARM_SECRETS_DIR/db-pass" "$SWARM_SECRETS_DIR" "$SWARM_CONFIGS_DIR/etc/app.conf"; ' +
        'echo "$SWARM_SECRETS_DIR"; exec sleep 60',
      {
        secrets: [secret("db-pass", "s3cret")],
        configs: [{ ...secret("app", "port=80", 0o444), target: "/etc/app.conf" }],
      },
    );
    const ctl = executor.controller(t);
    await ctl.start();
    let out = "";
    await until("the task's output", async () => {
      out = (await ctl.logs()).stdout;
      return out.split("\n").length >= 7;
    });
    const [secretText, configText, secretMode, dirMode, configMode, dir] = out.split("\n");
    assert.equal(secretText, "s3cret");
    assert.equal(configText, "port=80");
    assert.equal(secretMode, "400");
    assert.equal(dirMode, "700");
    assert.equal(configMode, "444");
    const root = await executor.files.root();
    assert.equal(dir, `${root}/${t.taskId}/secrets`);
    if (await executor.files.onTmpfs()) assert.match(dir!, /^\/dev\/shm\/swarm-/);
    assert.equal(await mode(`${root}/${t.taskId}`), 0o700);

    await ctl.remove();
    assert.equal(await exists(`${root}/${t.taskId}`), false, "removing the task deletes its files");
    await ctl.close();
  });
});

Deno.test("process: a task's files are deleted when its process exits", async () => {
  await withExecutor(async (executor) => {
    const t = task('cat "$SWARM_SECRETS_DIR/token"', { secrets: [secret("token", "abc")] });
    const ctl = executor.controller(t);
    await ctl.start();
    assert.deepEqual(await ctl.wait(), { exitCode: 0 });
    assert.equal((await ctl.logs()).stdout, "abc");
    const dir = `${await executor.files.root()}/${t.taskId}`;
    await until("the files to go", async () => !(await exists(dir)));
    await ctl.close();
  });
});

Deno.test("process: a task without secrets or configs gets neither variable", async () => {
  await withExecutor(async (executor) => {
    const ctl = executor.controller(
      task('echo "[${SWARM_SECRETS_DIR-unset}${SWARM_CONFIGS_DIR-}]"'),
    );
    await ctl.start();
    await ctl.wait();
    assert.equal((await ctl.logs()).stdout, "[unset]\n");
    await ctl.close();
  });
});

Deno.test("process: with no tmpfs the files live in <stateDir>/files, and reapOrphans deletes what a killed node left", async () => {
  await withExecutor(async (executor, stateDir) => {
    const t = task("exec sleep 60", { secrets: [secret("db", "x")] });
    // Prepared by a node that then died: its files are still there.
    await executor.controller(t).prepare();
    assert.equal(await Deno.readTextFile(`${stateDir}/files/${t.taskId}/secrets/db`), "x");
    const next = new ProcessExecutor({ stateDir, tmpfsDir: null });
    await next.reapOrphans();
    assert.equal(await exists(`${stateDir}/files/${t.taskId}`), false);
  }, { tmpfsDir: null });
});

Deno.test("process: a graceful stop deletes the files of the tasks it stops", async () => {
  await withExecutor(async (executor) => {
    const t = task("exec sleep 60", { secrets: [secret("db", "x")] });
    const ctl = executor.controller(t);
    await ctl.start();
    const dir = `${await executor.files.root()}/${t.taskId}`;
    assert.equal(await exists(dir), true);
    assert.deepEqual(await executor.shutdownAll(), [t.taskId]);
    assert.equal(await exists(dir), false);
    await ctl.close();
  });
});
