/**
 * The dockerode adapter against a real engine (see `_docker_fixture.ts` for when these run), and
 * the connection errors without one.
 */
import assert from "node:assert/strict";
import { DOCKER_TEST_IMAGE, dockerForTests } from "./_docker_fixture.ts";
import { DockerApiError, DockerUnreachableError } from "./docker_engine.ts";
import { containerPlan } from "./docker_spec.ts";
import { demuxDockerLogs } from "./docker_logs.ts";
import { connectDockerEngine } from "./dockerode_engine.ts";

const engine = await dockerForTests();

Deno.test({
  name: "dockerode engine: containers from create to remove, in the engine's own terms",
  ignore: engine === undefined,
  async fn() {
    const docker = engine!;
    const info = await docker.info();
    assert.ok(info.ncpu > 0 && info.memTotal > 0, JSON.stringify(info));
    assert.equal(await docker.inspectImage("swarm-test-missing:never"), undefined);
    const image = await docker.inspectImage(DOCKER_TEST_IMAGE);
    assert.match(image?.id ?? "", /^sha256:/);

    const nodeId = `engine${crypto.randomUUID().slice(0, 8)}`;
    const plan = containerPlan({
      taskId: nodeId,
      name: `engine.1.${nodeId}`,
      serviceId: "s",
      slot: 1,
      image: DOCKER_TEST_IMAGE,
      command: "sh",
      args: ["-c", "echo out; echo err >&2; exit 5"],
      env: [],
    }, { nodeId, networkMode: "none", init: true });
    const id = await docker.createContainer(plan.name, plan.create);
    try {
      const clash = await docker.createContainer(plan.name, plan.create).catch((e) => e);
      assert.ok(clash instanceof DockerApiError && clash.status === 409, String(clash));
      const created = await docker.inspectContainer(plan.name);
      assert.equal(created?.id, id);
      assert.equal(created?.status, "created");
      assert.equal(created?.labels["swarm.node.id"], nodeId);
      assert.equal(created?.stopSignal, "SIGTERM");
      assert.deepEqual(
        (await docker.listContainers({ "swarm.node.id": nodeId })).map((c) => [c.id, c.name]),
        [[id, plan.name]],
      );
      const sh = await docker.statPath(id, "/bin/sh");
      assert.equal(sh?.linkTarget, "/bin/busybox");
      assert.equal(await docker.statPath(id, "/bin/none"), undefined);
      assert.equal(await docker.killContainer(id, "SIGTERM"), false, "not running");

      await docker.startContainer(id);
      assert.equal(await docker.waitContainer(id), 5);
      assert.deepEqual(demuxDockerLogs(await docker.containerLogs(id)), {
        stdout: "out\n",
        stderr: "err\n",
      });
      assert.equal((await docker.inspectContainer(id))?.exitCode, 5);
    } finally {
      await docker.removeContainer(id);
    }
    await docker.removeContainer(id); // absent is fine
    assert.equal(await docker.inspectContainer(id), undefined);
    await assert.rejects(
      docker.waitContainer(id),
      (e: unknown) =>
        e instanceof DockerApiError && e.status === 404 && /No such container/.test(e.message),
    );
  },
});

Deno.test("dockerode engine: no engine at the address is DockerUnreachableError", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const url = `unix://${dir}/docker.sock`;
    await assert.rejects(
      connectDockerEngine({ kind: "unix", socketPath: `${dir}/docker.sock`, url }),
      (e: unknown) =>
        e instanceof DockerUnreachableError && e.endpoint === url &&
        /no socket there/.test(e.message),
    );
    // A port where nothing listens.
    await assert.rejects(
      connectDockerEngine({ kind: "tcp", host: "127.0.0.1", port: 1, url: "tcp://127.0.0.1:1" }),
      (e: unknown) => e instanceof DockerUnreachableError && /connection refused/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
