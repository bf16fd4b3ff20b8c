import assert from "node:assert/strict";
import { TaskRejectedError } from "./executor.ts";
import { fileDirsEnv, relativeTarget, TaskFiles } from "./task_files.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

const bytes = (s: string) => new TextEncoder().encode(s);

function file(name: string, target: string, mode: number, data = `${name}-data`): TaskFile {
  return { name, target, data: bytes(data), mode, uid: 0, gid: 0 };
}

function task(taskId: string, secrets: TaskFile[], configs: TaskFile[] = []): TaskRuntime {
  return {
    taskId,
    name: `web.1.${taskId}`,
    serviceId: "svc",
    slot: 1,
    command: "true",
    args: [],
    env: [],
    ...(secrets.length > 0 ? { secrets } : {}),
    ...(configs.length > 0 ? { configs } : {}),
  };
}

/** A state directory and a stand-in for /dev/shm, removed afterwards. */
async function withDirs(fn: (stateDir: string, tmpfs: string) => Promise<void>): Promise<void> {
  const stateDir = await Deno.makeTempDir({ prefix: "swarm-files-state-" });
  const tmpfs = await Deno.makeTempDir({ prefix: "swarm-files-shm-" });
  try {
    await fn(stateDir, tmpfs);
  } finally {
    await Deno.remove(stateDir, { recursive: true });
    await Deno.remove(tmpfs, { recursive: true });
  }
}

const mode = async (path: string) => ((await Deno.lstat(path)).mode ?? 0) & 0o7777;
const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test("task files: on the tmpfs, a private directory per task with each file's mode", async () => {
  await withDirs(async (stateDir, tmpfs) => {
    const files = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
    const root = await files.root();
    assert.match(root, new RegExp(`^${tmpfs}/swarm-${Deno.uid()}-[0-9a-f]{16}$`));
    assert.equal(await files.onTmpfs(), true);
    const t = task("t1", [file("db", "db", 0o400), file("tls", "certs/tls.pem", 0o440)], [
      file("app", "/etc/app.conf", 0o444, "port=80"),
    ]);
    const dirs = await files.write(t);
    assert.deepEqual(dirs, { secretsDir: `${root}/t1/secrets`, configsDir: `${root}/t1/configs` });
    assert.deepEqual(fileDirsEnv(dirs), {
      SWARM_SECRETS_DIR: `${root}/t1/secrets`,
      SWARM_CONFIGS_DIR: `${root}/t1/configs`,
    });
    assert.equal(await mode(root), 0o700);
    assert.equal(await mode(`${root}/t1`), 0o700);
    assert.equal(await Deno.readTextFile(`${root}/t1/secrets/db`), "db-data");
    assert.equal(await mode(`${root}/t1/secrets/db`), 0o400);
    assert.equal(await mode(`${root}/t1/secrets/certs`), 0o700);
    assert.equal(await mode(`${root}/t1/secrets/certs/tls.pem`), 0o440);
    assert.equal(await Deno.readTextFile(`${root}/t1/configs/etc/app.conf`), "port=80");
    assert.equal(await mode(`${root}/t1/configs/etc/app.conf`), 0o444);

    // Writing again replaces what was there.
    await files.write(task("t1", [file("db", "db", 0o400, "new")]));
    assert.equal(await Deno.readTextFile(`${root}/t1/secrets/db`), "new");
    assert.equal(await exists(`${root}/t1/configs`), false);

    await files.remove("t1");
    assert.equal(await exists(`${root}/t1`), false);
    assert.equal(await exists(root), false, "an empty per-node root leaves the tmpfs");
    await files.remove("t1"); // again: nothing there is fine
    assert.equal(await exists(`${stateDir}/files`), false, "nothing went to disk");
  });
});

Deno.test("task files: a task without secrets or configs gets nothing", async () => {
  await withDirs(async (stateDir, tmpfs) => {
    const files = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
    assert.deepEqual(await files.write(task("t0", [])), {});
    assert.deepEqual(await Array.fromAsync(Deno.readDir(tmpfs)), []);
  });
});

Deno.test("task files: without a usable tmpfs they go to <stateDir>/files", async () => {
  await withDirs(async (stateDir, tmpfs) => {
    for (const tmpfsDir of [null, `${tmpfs}/missing`]) {
      const files = new TaskFiles({ stateDir, tmpfsDir });
      assert.equal(await files.root(), `${stateDir}/files`);
      assert.equal(await files.onTmpfs(), false);
      await files.write(task("t1", [file("db", "db", 0o400)]));
      assert.equal(await mode(`${stateDir}/files`), 0o700);
      assert.equal(await mode(`${stateDir}/files/t1`), 0o700);
      assert.equal(await Deno.readTextFile(`${stateDir}/files/t1/secrets/db`), "db-data");
      await files.remove("t1");
      assert.equal(await exists(`${stateDir}/files/t1`), false);
    }
  });
});

Deno.test("task files: a per-node root someone else planted on the tmpfs is never used or followed", async () => {
  await withDirs(async (stateDir, tmpfs) => {
    const root = await new TaskFiles({ stateDir, tmpfsDir: tmpfs }).root();
    await Deno.remove(root);
    const victim = await Deno.makeTempDir({ prefix: "swarm-files-victim-" });
    try {
      await Deno.writeTextFile(`${victim}/keep`, "x");
      await Deno.symlink(victim, root);
      const files = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
      assert.equal(await files.root(), `${stateDir}/files`);
      await files.write(task("t1", [file("db", "db", 0o400)]));
      assert.deepEqual(await files.removeAllExcept(new Set()), ["t1"]);
      assert.equal(await Deno.readTextFile(`${victim}/keep`), "x");
    } finally {
      await Deno.remove(victim, { recursive: true });
    }
  });
});

Deno.test("task files: removeAllExcept deletes what no known task owns, under both roots", async () => {
  await withDirs(async (stateDir, tmpfs) => {
    const onTmpfs = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
    await onTmpfs.write(task("old1", [file("db", "db", 0o400)]));
    await onTmpfs.write(task("running", [file("db", "db", 0o400)]));
    const onDisk = new TaskFiles({ stateDir, tmpfsDir: null });
    await onDisk.write(task("old2", [file("db", "db", 0o400)]));
    // A restarted node: a new instance, one task still known.
    const after = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
    const removed = await after.removeAllExcept(new Set(["running"]));
    assert.deepEqual(removed.toSorted(), ["old1", "old2"]);
    const root = await after.root();
    assert.equal(await exists(`${root}/running/secrets/db`), true);
    assert.equal(await exists(`${root}/old1`), false);
    assert.equal(await exists(`${stateDir}/files/old2`), false);
  });
});

Deno.test("task files: targets are relative paths without '..'; clashes reject the task", async () => {
  assert.equal(relativeTarget("config", file("a", "/etc/app.conf", 0o444)), "etc/app.conf");
  assert.equal(relativeTarget("secret", file("a", "a//b/./c", 0o400)), "a/b/c");
  for (const bad of ["", "/", ".", "../x", "a/../../x"]) {
    assert.throws(
      () => relativeTarget("secret", file("db", bad, 0o400)),
      (e: unknown) =>
        e instanceof TaskRejectedError && /^Invalid target for secret db: /.test(e.message),
      bad,
    );
  }
  await withDirs(async (stateDir, tmpfs) => {
    const files = new TaskFiles({ stateDir, tmpfsDir: tmpfs });
    await assert.rejects(
      files.write(task("t1", [file("a", "x", 0o400), file("b", "x/y", 0o400)])),
      (e: unknown) =>
        e instanceof TaskRejectedError && /^Cannot write secret b to x\/y: /.test(e.message),
    );
    assert.equal(await exists(`${await files.root()}/t1`), false);
    await assert.rejects(files.dirs(task("t2", [file("a", "../a", 0o400)])), TaskRejectedError);
  });
});
