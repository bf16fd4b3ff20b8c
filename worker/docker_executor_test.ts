/**
 * The Docker executor against a real engine: the shared conformance suite, then what only a
 * container executor does (images, labels, network mode, the node's lifecycle). See
 * `_docker_fixture.ts` for when these run (`SWARM_DOCKER_TESTS`).
 */
import assert from "node:assert/strict";
import { DOCKER_TEST_IMAGE, dockerForTests, removeNodeContainers } from "./_docker_fixture.ts";
import type { DockerEngine } from "./docker_engine.ts";
import { DockerExecutor, type DockerExecutorOptions } from "./docker_executor.ts";
import { DOCKER_LABELS } from "./docker_spec.ts";
import { DockerUnreachableError } from "./docker_engine.ts";
import { runExecutorConformance } from "./executor_conformance.ts";
import {
  ExecutorError,
  TaskNotStartedError,
  TaskRejectedError,
  TemporaryError,
} from "./executor.ts";
import type { TaskRuntime } from "./types.ts";

const engine = await dockerForTests();
const ignore = engine === undefined;

/** A node ID of its own per executor, so tests never see each other's containers. */
function newNodeId(): string {
  return `test${crypto.randomUUID().slice(0, 12)}`;
}

runExecutorConformance("docker", () => {
  const nodeId = newNodeId();
  return {
    executor: new DockerExecutor({ engine: engine!, nodeId }),
    dispose: () => removeNodeContainers(engine!, nodeId),
  };
}, {
  ignore,
  taskDefaults: { image: DOCKER_TEST_IMAGE },
  // The working directory is a path inside the container; the engine creates it.
  makeWorkDir: () =>
    Promise.resolve({
      path: `/swarm-conformance-${crypto.randomUUID().slice(0, 8)}`,
      dispose: () => Promise.resolve(),
    }),
});

let counter = 0;
function task(extra: Partial<TaskRuntime> = {}): TaskRuntime {
  const taskId = `dk${++counter}x${crypto.randomUUID().slice(0, 8)}`;
  return {
    taskId,
    name: `web.${counter}.${taskId}`,
    serviceId: "svc1",
    slot: counter,
    image: DOCKER_TEST_IMAGE,
    command: "",
    args: ["sleep", "3600"],
    env: [],
    ...extra,
  };
}

/** Runs `fn` with an executor of its own node ID; removes what it left. */
async function withExecutor(
  fn: (executor: DockerExecutor, nodeId: string, engine: DockerEngine) => Promise<void>,
  options: Partial<DockerExecutorOptions> = {},
): Promise<void> {
  const nodeId = newNodeId();
  const executor = new DockerExecutor({ engine: engine!, nodeId, ...options });
  try {
    await fn(executor, nodeId, engine!);
  } finally {
    await removeNodeContainers(engine!, nodeId);
  }
}

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const dockerTest = (name: string, fn: () => Promise<void>) =>
  Deno.test({ name: `docker: ${name}`, ignore, fn });

dockerTest("describe reports the engine's CPUs and memory and the executor's name", async () => {
  await withExecutor(async (executor, _nodeId, engine) => {
    const info = await engine.info();
    const d = await executor.describe();
    assert.equal(d.executor, "docker");
    assert.equal(d.resources.nanoCPUs, info.ncpu * 1e9);
    assert.equal(d.resources.memoryBytes, info.memTotal);
    assert.equal(d.platform.os, "linux");
    assert.equal(d.platform.architecture, info.architecture);
    assert.equal(d.hostname, info.name);
  });
  await withExecutor(async (executor) => {
    const d = await executor.describe();
    assert.equal(d.hostname, "node-a");
    assert.equal(d.resources.nanoCPUs, 5e8);
  }, { hostname: "node-a", resources: { nanoCPUs: 5e8 } });
});

dockerTest("containers are named after the task and labelled with its IDs", async () => {
  await withExecutor(async (executor, nodeId, engine) => {
    const t = task({ labels: { team: "blue" }, stopGracePeriodMs: 1_500 });
    const ctl = executor.controller(t);
    await ctl.start();
    const [c] = await engine.listContainers({ [DOCKER_LABELS.taskId]: t.taskId });
    assert.ok(c, "container listed by its task label");
    assert.equal(c.name, t.name);
    assert.equal(c.status, "running");
    assert.deepEqual(c.labels, {
      team: "blue",
      [DOCKER_LABELS.taskId]: t.taskId,
      [DOCKER_LABELS.taskName]: t.name,
      [DOCKER_LABELS.taskSlot]: String(t.slot),
      [DOCKER_LABELS.serviceId]: "svc1",
      [DOCKER_LABELS.nodeId]: nodeId,
      [DOCKER_LABELS.stopGracePeriodMs]: "1500",
    });
    assert.deepEqual(executor.running(), [t.taskId]);
    const inspection = await ctl.inspect();
    assert.equal(inspection.running, true);
    assert.ok((inspection.pid ?? 0) > 0);
    await ctl.remove();
    assert.deepEqual(await engine.listContainers({ [DOCKER_LABELS.taskId]: t.taskId }), []);
  });
});

dockerTest(
  "a command without a handler stops at the stop signal (docker-init forwards it)",
  async () => {
    await withExecutor(async (executor) => {
      // Without an init, a shell as PID 1 ignores SIGTERM. A signal sent before the container's
      // first process has executed is lost (as with `docker stop`): wait until it runs.
      const ctl = executor.controller(task({
        command: "sh",
        args: ["-c", "echo ready; sleep 3600"],
        stopGracePeriodMs: 20_000,
      }));
      await ctl.start();
      await until("ready", async () => (await ctl.logs()).stdout === "ready\n");
      const t0 = performance.now();
      await ctl.shutdown();
      assert.ok(performance.now() - t0 < 10_000, "did not wait for the grace period");
      assert.deepEqual(await ctl.wait(), { exitCode: 143, signal: "SIGTERM" });
    });
  },
);

dockerTest("the task sees SWARM_* variables, the image's PATH and the node's network", async () => {
  await withExecutor(async (executor, nodeId) => {
    const t = task({
      command: "sh",
      args: ["-c", 'echo "$SWARM_TASK_ID $SWARM_NODE_ID $SWARM_TASK_SLOT $PATH"; hostname; id -u'],
      user: "1234",
      hostname: "web-host",
    });
    const ctl = executor.controller(t);
    await ctl.start();
    assert.equal((await ctl.wait()).exitCode, 0);
    const lines = (await ctl.logs()).stdout.trim().split("\n");
    assert.deepEqual(lines, [
      `${t.taskId} ${nodeId} ${t.slot} /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
      "web-host",
      "1234",
    ]);
  });
  // Host networking by default: the task sees the node's interfaces.
  const interfaces = async (options: Partial<DockerExecutorOptions>) => {
    let out = "";
    await withExecutor(async (executor) => {
      const ctl = executor.controller(task({ command: "cat", args: ["/proc/net/dev"] }));
      await ctl.start();
      await ctl.wait();
      out = (await ctl.logs()).stdout;
    }, options);
    return out.split("\n").slice(2).map((l) => l.split(":")[0]!.trim()).filter((n) => n !== "")
      .sort();
  };
  const host = await interfaces({});
  assert.ok(host.length > 1, `host interfaces: ${host}`);
  assert.deepEqual(await interfaces({ networkMode: "none" }), ["lo"]);
});

dockerTest("a missing image is REJECTED naming it and saying how to load it", async () => {
  await withExecutor(async (executor) => {
    const ctl = executor.controller(task({ image: "swarm-test-missing:never" }));
    await assert.rejects(
      ctl.prepare(),
      (e: unknown) =>
        e instanceof TaskRejectedError &&
        /^Image not found: swarm-test-missing:never: the Docker engine at \S+ does not have it/
          .test(e.message) &&
        /load it on this node \(docker load -i IMAGE\.tar, or docker import\)/.test(e.message),
    );
  }, { pull: false });
});

dockerTest("a missing image is pulled first; a failed pull is in the message", async () => {
  await withExecutor(async (executor) => {
    const ctl = executor.controller(task({ image: "swarm-test-missing:never" }));
    // No registry is reachable here, so the pull fails (how depends on the network).
    await assert.rejects(ctl.prepare(), /does not have it and pulling it failed \(.+\)/);
  });
});

dockerTest("an image without a command, and a process task, are REJECTED", async () => {
  await withExecutor(async (executor) => {
    await assert.rejects(
      executor.controller(task({ args: [] })).prepare(),
      /^TaskRejectedError: No command: image busybox:local sets no ENTRYPOINT or CMD/,
    );
    const { image: _image, ...processTask } = task();
    await assert.rejects(
      executor.controller(processTask).prepare(),
      /No image: .* is a process task .* --executor process/,
    );
  });
});

dockerTest("a node restarted after a crash attaches to a container it started", async () => {
  await withExecutor(async (first, nodeId, engine) => {
    const t = task({ command: "sh", args: ["-c", "sleep 0.5; exit 4"] });
    await first.controller(t).start();
    // A new executor for the same node (the node restarted without reaping).
    const second = new DockerExecutor({ engine, nodeId });
    const ctl = second.controller(t);
    assert.deepEqual(await ctl.wait(), { exitCode: 4 });
    await assert.rejects(ctl.start(), /already started/);
    // A task whose container never started is not attached to.
    const other = task();
    await first.controller(other).prepare();
    await assert.rejects(second.controller(other).wait(), TaskNotStartedError);
  });
});

dockerTest("reapOrphans removes what a killed run left, and only this node's", async () => {
  await withExecutor(async (first, nodeId, engine) => {
    await withExecutor(async (bystander) => {
      const running = task();
      const exited = task({ command: "true" });
      const created = task();
      await first.controller(running).start();
      const ex = first.controller(exited);
      await ex.start();
      await ex.wait();
      await first.controller(created).prepare();
      const theirs = task();
      await bystander.controller(theirs).start();

      const restarted = new DockerExecutor({ engine, nodeId });
      assert.deepEqual(await restarted.reapOrphans(), [running.taskId]);
      assert.deepEqual(await engine.listContainers({ [DOCKER_LABELS.nodeId]: nodeId }), []);
      assert.equal(
        (await engine.listContainers({ [DOCKER_LABELS.taskId]: theirs.taskId }))[0]?.status,
        "running",
      );
      assert.deepEqual(await restarted.reapOrphans(), []);
    });
  });
});

dockerTest("shutdownAll stops and removes every container of the node", async () => {
  await withExecutor(async (executor, nodeId, engine) => {
    const sleeper = () => task({ command: "sh", args: ["-c", "echo ready; sleep 3600"] });
    const a = executor.controller(sleeper());
    const b = executor.controller(task({
      command: "sh",
      args: ["-c", "trap '' TERM; echo ready; while :; do sleep 0.05; done"],
      stopGracePeriodMs: 300,
    }));
    // One more left by an earlier run of the node, found by its label.
    const earlier = new DockerExecutor({ engine, nodeId });
    const c = sleeper();
    const cc = earlier.controller(c);
    for (const ctl of [a, b, cc]) await ctl.start();
    for (const ctl of [a, b, cc]) {
      await until("the task to run", async () => (await ctl.logs()).stdout.includes("ready"));
    }
    const stopped = await executor.shutdownAll();
    assert.equal(stopped.length, 3);
    assert.ok(stopped.includes(c.taskId));
    assert.deepEqual(await engine.listContainers({ [DOCKER_LABELS.nodeId]: nodeId }), []);
    assert.deepEqual(await a.wait(), { exitCode: 143, signal: "SIGTERM" });
    assert.deepEqual(await b.wait(), { exitCode: 137, signal: "SIGKILL" });
    await assert.rejects(executor.controller(task()).start(), ExecutorError);
  });
});

Deno.test("docker: connect fails at once, saying what to do, when no engine answers", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const error = await DockerExecutor.connect({
      nodeId: "n1",
      dockerHost: `unix://${dir}/docker.sock`,
    }).then(() => undefined, (e: unknown) => e);
    assert.ok(error instanceof DockerUnreachableError, String(error));
    assert.ok(error instanceof TemporaryError, "a task step meeting it is retried");
    assert.match(
      error.message,
      new RegExp(
        `^Docker engine unreachable at unix://${dir}/docker.sock: .*no socket there.*: start the ` +
          "Docker daemon \\(dockerd\\), or point DOCKER_HOST at a running one",
      ),
    );
    await assert.rejects(
      DockerExecutor.connect({ nodeId: "n1", dockerHost: "ssh://host" }),
      /Unsupported DOCKER_HOST/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
