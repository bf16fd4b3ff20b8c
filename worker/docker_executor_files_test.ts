/**
 * The Docker executor's secrets and configs against a real engine: `/run/secrets/<target>` and
 * config targets inside the container, with their modes and owners, before the command starts.
 * See `_docker_fixture.ts` for when these run (`SWARM_DOCKER_TESTS`).
 */
import assert from "node:assert/strict";
import { DOCKER_TEST_IMAGE, dockerForTests, removeNodeContainers } from "./_docker_fixture.ts";
import { DockerExecutor } from "./docker_executor.ts";
import { TaskRejectedError } from "./executor.ts";
import type { TaskFile, TaskRuntime } from "./types.ts";

const engine = await dockerForTests();
const ignore = engine === undefined;

const bytes = (s: string) => new TextEncoder().encode(s);
const file = (name: string, target: string, data: string, mode: number, uid = 0, gid = 0) =>
  ({ name, target, data: bytes(data), mode, uid, gid }) satisfies TaskFile;

let counter = 0;
function task(script: string, extra: Partial<TaskRuntime> = {}): TaskRuntime {
  const taskId = `dkf${++counter}x${crypto.randomUUID().slice(0, 8)}`;
  return {
    taskId,
    name: `web.1.${taskId}`,
    serviceId: "svc1",
    slot: 1,
    image: DOCKER_TEST_IMAGE,
    command: "sh",
    args: ["-c", script],
    env: [],
    stopGracePeriodMs: 1_000,
    ...extra,
  };
}

async function withExecutor(fn: (executor: DockerExecutor) => Promise<void>): Promise<void> {
  const nodeId = `test${crypto.randomUUID().slice(0, 12)}`;
  try {
    await fn(new DockerExecutor({ engine: engine!, nodeId }));
  } finally {
    await removeNodeContainers(engine!, nodeId);
  }
}

Deno.test({
  name:
    "docker: secrets are at /run/secrets/<target> and configs at their target, with mode and owner",
  ignore,
  async fn() {
    await withExecutor(async (executor) => {
      const t = task(
        "cat /run/secrets/db-pass; echo; cat /run/secrets/certs/tls.pem; echo; " +
          "cat /app.conf; echo; cat /etc/app/app.conf; echo; " +
          "stat -c '%a %u %g' /run/secrets/db-pass /run/secrets/certs/tls.pem /app.conf " +
          "/etc/app/app.conf",
        {
          secrets: [
            file("db-pass", "db-pass", "s3cret", 0o400),
            file("tls", "certs/tls.pem", "PEM", 0o440, 1000, 1001),
          ],
          configs: [
            file("app.conf", "app.conf", "port=80", 0o444),
            file("app2", "/etc/app/app.conf", "mode=prod", 0o640, 33, 33),
          ],
        },
      );
      const ctl = executor.controller(t);
      await ctl.start();
      assert.deepEqual(await ctl.wait(), { exitCode: 0 });
      assert.deepEqual((await ctl.logs()).stdout.trim().split("\n"), [
        "s3cret",
        "PEM",
        "port=80",
        "mode=prod",
        "400 0 0",
        "440 1000 1001",
        "444 0 0",
        "640 33 33",
      ]);
      // The secret is not part of the container's configuration.
      const info = await engine!.inspectContainer(`web.1.${t.taskId}`);
      assert.ok(info !== undefined);
      await ctl.remove();
      assert.equal(await engine!.inspectContainer(info.id), undefined);
      await ctl.close();
    });
  },
});

Deno.test({
  name: "docker: a task without secrets or configs gets no /run/secrets",
  ignore,
  async fn() {
    await withExecutor(async (executor) => {
      const ctl = executor.controller(task("test -e /run/secrets && echo yes || echo no"));
      await ctl.start();
      await ctl.wait();
      assert.equal((await ctl.logs()).stdout, "no\n");
      await ctl.remove();
      await ctl.close();
    });
  },
});

Deno.test({
  name: "docker: a config target the image has as a directory rejects the task before it runs",
  ignore,
  async fn() {
    await withExecutor(async (executor) => {
      const ctl = executor.controller(
        task("echo ran", { configs: [file("bad", "/bin", "x", 0o444)] }),
      );
      await assert.rejects(ctl.prepare(), (e: unknown) => {
        assert.ok(e instanceof TaskRejectedError, String(e));
        assert.match(e.message, /^Cannot put the secrets and configs into container web\.1\./);
        return true;
      });
      await ctl.close();
    });
  },
});
