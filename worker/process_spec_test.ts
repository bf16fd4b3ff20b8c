import assert from "node:assert/strict";
import { TaskRejectedError } from "./executor.ts";
import {
  assertSafeTaskId,
  buildTaskEnv,
  DEFAULT_PATH,
  defaultBaseEnv,
  parseTaskEnv,
  prepareLaunch,
  resolveExecutable,
} from "./process_spec.ts";
import type { TaskRuntime } from "./types.ts";

const task: TaskRuntime = {
  taskId: "t1",
  name: "web.3.t1",
  serviceId: "s1",
  slot: 3,
  command: "sh",
  args: ["-c", "true"],
  env: ["A=1", "B=x=y"],
};

Deno.test("parseTaskEnv: records and KEY=VALUE lists", () => {
  assert.deepEqual(parseTaskEnv({ A: "1" }), { A: "1" });
  assert.deepEqual(parseTaskEnv(["A=1", "B=x=y", "C="]), { A: "1", B: "x=y", C: "" });
  assert.throws(() => parseTaskEnv(["=1"]), TaskRejectedError);
  assert.throws(() => parseTaskEnv(["A"]), /Invalid environment entry: "A": expected KEY=VALUE/);
});

Deno.test("buildTaskEnv: base, then identity, then the task env", () => {
  assert.deepEqual(buildTaskEnv(task, { PATH: "/bin", SWARM_NODE_ID: "base" }, "n1"), {
    PATH: "/bin",
    SWARM_TASK_ID: "t1",
    SWARM_TASK_NAME: "web.3.t1",
    SWARM_TASK_SLOT: "3",
    SWARM_SERVICE_ID: "s1",
    SWARM_NODE_ID: "n1",
    A: "1",
    B: "x=y",
  });
  assert.equal(
    buildTaskEnv({ ...task, env: { PATH: "/mine" } }, { PATH: "/bin" }, "").PATH,
    "/mine",
  );
});

Deno.test("buildTaskEnv: the secrets and configs directories join the identity", () => {
  const env = buildTaskEnv(task, {}, "n1", { secretsDir: "/s", configsDir: "/c" });
  assert.equal(env.SWARM_SECRETS_DIR, "/s");
  assert.equal(env.SWARM_CONFIGS_DIR, "/c");
  assert.equal("SWARM_CONFIGS_DIR" in buildTaskEnv(task, {}, "n1", { secretsDir: "/s" }), false);
});

Deno.test("defaultBaseEnv: PATH and HOME only", () => {
  const base = defaultBaseEnv();
  assert.deepEqual(Object.keys(base).sort(), ["HOME", "PATH"]);
  assert.ok(base.PATH!.length > 0);
  assert.ok(DEFAULT_PATH.includes("/usr/bin"));
});

Deno.test("assertSafeTaskId", () => {
  assertSafeTaskId("abc123XYZ.-_");
  for (const bad of ["", ".", "..", "../x", "a/b", "-a", "x".repeat(129), "a b"]) {
    assert.throws(() => assertSafeTaskId(bad), TaskRejectedError, bad);
  }
});

Deno.test("resolveExecutable: PATH search, paths, errors", async () => {
  const dir = await Deno.realPath(await Deno.makeTempDir());
  try {
    await Deno.writeTextFile(`${dir}/tool`, "#!/bin/sh\n");
    await Deno.chmod(`${dir}/tool`, 0o755);
    await Deno.writeTextFile(`${dir}/data`, "x");
    await Deno.mkdir(`${dir}/sub`);
    assert.equal(await resolveExecutable("tool", `/nonexistent:${dir}`, "/"), `${dir}/tool`);
    assert.equal(await resolveExecutable("tool", "sub:.", dir), `${dir}/./tool`);
    assert.equal(await resolveExecutable("./tool", "", dir), `${dir}/./tool`);
    assert.equal(await resolveExecutable(`${dir}/tool`, "", "/"), `${dir}/tool`);
    await assert.rejects(
      resolveExecutable("data", dir, "/"),
      /^TaskRejectedError: Executable file not runnable/,
    );
    await assert.rejects(resolveExecutable("sub", dir, "/"), /not runnable/);
    await assert.rejects(
      resolveExecutable("nope", dir, "/"),
      /Executable file not found: nope: not in PATH=/,
    );
    await assert.rejects(
      resolveExecutable("./nope", dir, dir),
      /^TaskRejectedError: Executable file not found: \.\/nope$/,
    );
    await assert.rejects(resolveExecutable("", dir, dir), /Missing command/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("prepareLaunch: a full spec with defaults", async () => {
  const spec = await prepareLaunch(task, {
    logRoot: "/var/log/swarm",
    nodeId: "n1",
    baseEnv: { PATH: "/usr/bin:/bin" },
    defaultDir: "/",
  });
  assert.equal(spec.executable.endsWith("/sh"), true);
  assert.deepEqual(spec.args, ["-c", "true"]);
  assert.equal(spec.cwd, "/");
  assert.equal(spec.stdoutPath, "/var/log/swarm/t1/stdout.log");
  assert.equal(spec.stderrPath, "/var/log/swarm/t1/stderr.log");
  assert.equal(spec.stopSignal, "SIGTERM");
  assert.equal(spec.stopGracePeriodMs, 10_000);
  await assert.rejects(
    prepareLaunch({ ...task, stopGracePeriodMs: -1 }, {
      logRoot: "/l",
      nodeId: "",
      baseEnv: { PATH: "/usr/bin:/bin" },
      defaultDir: "/",
    }),
    /Invalid stop grace period/,
  );
  const opts = { logRoot: "/l", nodeId: "", baseEnv: { PATH: "/usr/bin:/bin" }, defaultDir: "/" };
  const term = await prepareLaunch({ ...task, stopSignal: "TERM" as Deno.Signal }, opts);
  assert.equal(term.stopSignal, "SIGTERM");
  await assert.rejects(
    prepareLaunch({ ...task, stopSignal: "SIGNOPE" as Deno.Signal }, opts),
    /Invalid stop signal: "SIGNOPE"/,
  );
});
