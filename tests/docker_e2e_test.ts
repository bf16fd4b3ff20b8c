/**
 * End to end with the Docker executor and real processes: `swarm init --executor docker` runs a
 * node whose tasks are containers on the local Docker engine; every client command runs as its own
 * process. Containers are counted through the engine API by the node's label. See
 * `worker/_docker_fixture.ts` for when these run (`SWARM_DOCKER_TESTS`).
 */
import assert from "node:assert/strict";
import { DOCKER_TEST_IMAGE, dockerForTests } from "../worker/_docker_fixture.ts";
import type { ContainerSummary } from "../worker/docker_engine.ts";
import { DOCKER_LABELS } from "../worker/docker_spec.ts";
import {
  NodeProcess,
  ok,
  randomPort,
  runningTasks,
  singleNodeArgs,
  until as waitUntil,
} from "./_process.ts";

const engine = await dockerForTests();

/** Waits here give up after 30 s unless told otherwise. */
const until = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000) =>
  waitUntil(what, fn, timeoutMs);

/** Runs the docker CLI, asserts that it succeeded, and gives its standard output. */
async function dockerCli(...args: string[]): Promise<string> {
  const out = await new Deno.Command("docker", { args, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  assert.ok(out.success, `docker ${args.join(" ")} failed: ${text(out.stderr)}`);
  return text(out.stdout);
}

const startDockerNode = (stateDir: string, port: number) =>
  new NodeProcess([...singleNodeArgs("init", stateDir, port), "--executor", "docker"], {
    failOn: /^Error:/m,
  });

Deno.test({
  name: "swarm init --executor docker runs a service as containers: scale, remove, stop, crash",
  ignore: engine === undefined,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const docker = engine!;
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const port = randomPort();
    let node = startDockerNode(dir, port);
    let nodeId = "";
    /** This node's containers (any state), and those that run. */
    const containers = async (): Promise<ContainerSummary[]> =>
      nodeId === "" ? [] : await docker.listContainers({ [DOCKER_LABELS.nodeId]: nodeId });
    const running = async () => (await containers()).filter((c) => c.status === "running");
    try {
      await node.ready();
      nodeId = (await ok(socket, "node", "ls", "-q")).trim();
      assert.match(nodeId, /^[0-9a-z]{25}$/);

      const serviceId = (await ok(
        socket,
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "2",
        "--image",
        DOCKER_TEST_IMAGE,
        "--",
        "sleep",
        "3600",
      )).trim();
      await until("2 running containers", async () => (await running()).length === 2);
      await until("2 running tasks", async () => (await runningTasks(socket, "web")).length === 2);
      for (const c of await running()) {
        assert.equal(c.labels[DOCKER_LABELS.serviceId], serviceId);
        assert.match(c.name, /^web\.[12]\.[0-9a-z]{25}$/);
      }
      // As the README shows it, with the docker CLI.
      const ps = await dockerCli("ps", "--filter", `label=swarm.service.id=${serviceId}`);
      assert.equal(ps.match(/ web\.[12]\.[0-9a-z]{25}$/gm)?.length, 2, ps);

      await ok(socket, "service", "scale", "web=1");
      await until("1 running container", async () => (await running()).length === 1);

      await ok(socket, "service", "rm", "web");
      await until("no container left", async () => (await containers()).length === 0);

      // A graceful stop takes the node's containers with it.
      await ok(
        socket,
        "service",
        "create",
        "--name",
        "bg",
        "--image",
        DOCKER_TEST_IMAGE,
        "--",
        "sh",
        "-c",
        "echo started; exec sleep 3600",
      );
      const bg = await until("1 running container", async () => {
        const now = await running();
        return now.length === 1 ? now[0] : undefined;
      });
      await until("its output", async () => (await dockerCli("logs", bg.name)) === "started\n");
      assert.equal((await node.kill("SIGTERM")).code, 0);
      assert.deepEqual(await containers(), [], "a stopped node leaves no container behind");

      // Resumed, the node runs the service again; killed, it leaves its container running, and
      // the next start removes it and starts the task anew.
      node = startDockerNode(dir, port);
      await node.ready();
      const before = await until("the task to run again", async () => {
        const now = await running();
        return now.length === 1 ? now[0] : undefined;
      });
      await node.kill("SIGKILL");
      assert.deepEqual((await running()).map((c) => c.id), [before.id], "outlives its node");
      node = startDockerNode(dir, port);
      await node.ready();
      const after = await until("a new container for the task", async () => {
        const now = await running();
        return now.length === 1 && now[0]!.id !== before.id ? now[0] : undefined;
      });
      assert.ok((await containers()).every((c) => c.id !== before.id), "the old one is gone");
      assert.match(node.output, /stopped 1 task\(s\) left running by the previous run/);
      assert.notEqual(after.labels[DOCKER_LABELS.taskId], before.labels[DOCKER_LABELS.taskId]);
    } finally {
      await node.kill("SIGTERM");
      for (const c of await containers().catch(() => [])) {
        await docker.removeContainer(c.id).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "swarm init --executor docker fails at once when no Docker engine answers",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    try {
      const node = new NodeProcess(
        [
          "init",
          "-d",
          `${dir}/state`,
          "--listen-remote-api",
          `127.0.0.1:${randomPort()}`,
          "--executor",
          "docker",
        ],
        { env: { DOCKER_HOST: `unix://${dir}/docker.sock` } },
      );
      const status = await node.exited;
      assert.equal(status.code, 1, node.output);
      assert.match(
        node.output,
        /^Error: --executor docker cannot be used: Docker engine unreachable at unix:\/\/\S+\/docker\.sock: .*or run the node with --executor process\n$/,
      );
      await assert.rejects(Deno.stat(`${dir}/state`), Deno.errors.NotFound, "nothing created");
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
