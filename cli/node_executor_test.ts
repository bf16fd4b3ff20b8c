import assert from "node:assert/strict";
import { dockerForTests } from "../worker/_docker_fixture.ts";
import { ProcessExecutor } from "../worker/process_executor.ts";
import { DockerExecutor } from "../worker/docker_executor.ts";
import { parseJoinFlags } from "./join_command.ts";
import { parseInitFlags } from "./node_command.ts";
import { UsageError } from "./node_flags.ts";
import {
  NodeExecutorError,
  openNodeExecutor,
  parseExecutorFlag,
  processNodeExecutor,
} from "./node_executor.ts";

const noEnv = () => undefined;
const host = () => "h1";

Deno.test("parseExecutorFlag: process by default, docker on request, nothing else", () => {
  assert.equal(parseExecutorFlag(undefined), "process");
  assert.equal(parseExecutorFlag("process"), "process");
  assert.equal(parseExecutorFlag("docker"), "docker");
  assert.deepEqual(parseExecutorFlag("podman"), {
    error: '--executor must be one of process, docker, got "podman"',
  });
});

Deno.test("swarm init and swarm join take --executor", () => {
  const init = parseInitFlags(["--executor", "docker"], noEnv, host);
  assert.ok(init !== "help");
  assert.equal(init.executor, "docker");
  const initDefault = parseInitFlags([], noEnv, host);
  assert.ok(initDefault !== "help");
  assert.equal(initDefault.executor, "process");
  assert.throws(
    () => parseInitFlags(["--executor", "vm"], noEnv, host),
    (e: unknown) =>
      e instanceof UsageError && /--executor must be one of process, docker/.test(e.message),
  );
  const join = parseJoinFlags(["--executor", "docker", "10.0.0.5:4242"], noEnv, host);
  assert.ok(join !== "help");
  assert.equal(join.executor, "docker");
  assert.throws(() => parseJoinFlags(["--executor=x", "10.0.0.5:4242"], noEnv, host), UsageError);
});

Deno.test("openNodeExecutor: the process executor needs nothing", async () => {
  const factory = await openNodeExecutor("process", { env: noEnv });
  assert.equal(factory, processNodeExecutor);
  const dir = await Deno.makeTempDir();
  try {
    const node = factory({ stateDir: dir, nodeId: "n1", hostname: "h1" });
    assert.equal(node.kind, "process");
    assert.ok(node.executor instanceof ProcessExecutor);
    assert.equal((await node.executor.describe()).executor, "process");
    assert.deepEqual(await node.reapOrphans(), []);
    assert.deepEqual(await node.shutdownAll(), []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("openNodeExecutor: docker without an engine is an error at once, saying what to do", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const env = (name: string) => name === "DOCKER_HOST" ? `unix://${dir}/docker.sock` : undefined;
    const error = await openNodeExecutor("docker", { env }).then(() => undefined, (e) => e);
    assert.ok(error instanceof NodeExecutorError, String(error));
    assert.match(
      error.message,
      new RegExp(
        `^--executor docker cannot be used: Docker engine unreachable at unix://${dir}/docker.sock: ` +
          ".*start the Docker daemon \\(dockerd\\), or point DOCKER_HOST at a running one.*; " +
          "or run the node with --executor process$",
      ),
    );
    await assert.rejects(
      openNodeExecutor("docker", { env: (n) => (n === "DOCKER_HOST" ? "ssh://x" : undefined) }),
      (e: unknown) => e instanceof NodeExecutorError && /Unsupported DOCKER_HOST/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

const engine = await dockerForTests();

Deno.test({
  name: "openNodeExecutor: docker builds a Docker executor for the node",
  ignore: engine === undefined,
  async fn() {
    const factory = await openNodeExecutor("docker", { env: (n) => Deno.env.get(n) });
    const node = factory({ stateDir: "/unused", nodeId: "nodeexec1", hostname: "h1" });
    assert.equal(node.kind, "docker");
    assert.ok(node.executor instanceof DockerExecutor);
    const d = await node.executor.describe();
    assert.equal(d.executor, "docker");
    assert.equal(d.hostname, "h1");
    assert.deepEqual(await node.reapOrphans(), []);
    assert.deepEqual(await node.shutdownAll(), []);
  },
});
