/**
 * End to end, with real OS processes: the `swarm` entry point runs a node (`init`, and `up` as
 * the README's main job does), and every client command below runs as its own process, as a
 * user would type it. Task processes are counted in /proc.
 */
import assert from "node:assert/strict";
import {
  killSleepProcesses,
  NodeProcess,
  ok,
  randomPort,
  runningTasks,
  singleNodeArgs,
  sleepProcesses,
  swarm,
  type TaskJson,
  until as waitUntil,
} from "./_process.ts";

/** Waits here give up after 30 s unless told otherwise. */
const until = <T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000) =>
  waitUntil(what, fn, timeoutMs);

/** `swarm init` or `swarm up` on `stateDir`, the remote API on 127.0.0.1:`port`. */
const startNode = (command: "init" | "up", stateDir: string, port: number) =>
  new NodeProcess(singleNodeArgs(command, stateDir, port));

Deno.test({
  name:
    "a node runs replicated and global services and a job as OS processes: scale, replace a killed task, update, remove, restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const port = randomPort();
    const marker = String(100000 + port); // `sleep <marker>` identifies this test's tasks
    let node = startNode("init", dir, port);
    try {
      await node.ready();
      assert.match(node.output, /Swarm initialized/);
      assert.match(await ok(socket, "node", "ls"), /Ready\s+Active\s+Leader/);

      assert.match(
        await ok(
          socket,
          "service",
          "create",
          "--name",
          "web",
          "--replicas",
          "3",
          "--",
          "sleep",
          marker,
        ),
        /^[0-9a-z]{25}\n$/,
      );
      await until("3 task processes", () => sleepProcesses(marker).length === 3);
      assert.equal(
        await until(
          "3 running tasks",
          async () => (await runningTasks(socket, "web")).length === 3 && 3,
        ),
        3,
      );
      assert.match(await ok(socket, "service", "ls"), /web\s+replicated\s+3\/3\s+sleep/);

      await ok(socket, "service", "scale", "web=5");
      await until("5 task processes", () => sleepProcesses(marker).length === 5);
      await ok(socket, "service", "scale", "web=1");
      await until("1 task process", () => sleepProcesses(marker).length === 1);

      const [victim] = sleepProcesses(marker);
      Deno.kill(victim!, "SIGKILL");
      const replacement = await until("a replacement process", () => {
        const now = sleepProcesses(marker);
        return now.length === 1 && now[0] !== victim && now[0];
      });
      assert.notEqual(replacement, victim);
      assert.match(await ok(socket, "service", "ps", "web"), /Failed .*non-zero exit \(137\)/);

      // Bad input changes nothing and says what was wrong.
      const before = await ok(socket, "service", "ls", "-q");
      for (
        const [args, message] of [
          [
            ["service", "create", "--name", "bad name!", "--", "sleep", "1"],
            /invalid service name/i,
          ],
          [
            ["service", "create", "--name", "neg", "--replicas", "-2", "--", "sleep", "1"],
            /replicas/i,
          ],
          [["service", "create", "--name", "nocmd"], /missing command/i],
          [["service", "create", "--bogus-flag", "x"], /bogus-flag/],
        ] as const
      ) {
        const r = await swarm(socket, args);
        assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
        assert.match(r.stderr, message);
      }
      assert.equal(await ok(socket, "service", "ls", "-q"), before);
      const unreachable = await swarm(`${dir}/nothing.sock`, ["service", "ls"]);
      assert.equal(unreachable.code, 1);
      assert.match(unreachable.stderr, /cannot reach the swarm manager/);

      // Stop and restart the node: the service and its history are still there.
      await ok(
        socket,
        "service",
        "create",
        "--name",
        "other",
        "--replicas",
        "2",
        "--",
        "sleep",
        marker,
      );
      await until("3 task processes", () => sleepProcesses(marker).length === 3);
      const status = await node.kill("SIGTERM");
      assert.equal(status.code, 0);
      assert.equal(
        sleepProcesses(marker).length,
        0,
        "a stopped node leaves no task process behind",
      );
      node = startNode("init", dir, port);
      await node.ready();
      assert.match(node.output, /resumed/);
      const services = await ok(socket, "service", "ls", "-q");
      assert.equal(services.trim().split("\n").length, 2);
      await until("the tasks to run again", () => sleepProcesses(marker).length === 3);
      assert.ok(JSON.parse(await ok(socket, "task", "ls", "--format", "json")).length >= 3);

      await ok(socket, "service", "update", "other", "--env-add", "DEBUG=1");
      const inspected = JSON.parse(await ok(socket, "service", "inspect", "other"));
      assert.deepEqual(inspected.spec.task.process.env, ["DEBUG=1"]);
      await until("the updated tasks to run", async () => {
        const tasks = JSON.parse(
          await ok(socket, "service", "ps", "other", "--format", "json"),
        ) as TaskJson[];
        const live = tasks.filter((t) => t.desiredState === "TASK_STATE_RUNNING");
        return live.length === 2 &&
          live.every((t) =>
            t.status?.state === "TASK_STATE_RUNNING" && t.spec?.process?.env?.includes("DEBUG=1")
          );
      }, 60_000);

      const pretty = await ok(socket, "service", "inspect", "--pretty", "other");
      assert.match(pretty, /^UpdateStatus:\n State: +(updating|completed)\n/m);

      // A global service runs one task on the one node.
      await ok(
        socket,
        "service",
        "create",
        "--name",
        "mon",
        "--mode",
        "global",
        "--",
        "sleep",
        marker,
      );
      await until("the global task's process", () => sleepProcesses(marker).length === 4);
      await until(
        "mon 1/1 in service ls",
        async () => /mon\s+global\s+1\/1\s+sleep/.test(await ok(socket, "service", "ls")),
      );
      const scale = await swarm(socket, ["service", "scale", "mon=2"]);
      assert.equal(scale.code, 1);
      assert.match(scale.stderr, /scale applies to replicated services .* not global ones/);

      // The README's replicated job: 3 completions, 2 at a time; an update runs it again.
      await ok(
        socket,
        "service",
        "create",
        "--name",
        "migrate",
        "--mode",
        "replicated-job",
        "--replicas",
        "3",
        "--max-concurrent",
        "2",
        "--",
        "sh",
        "-c",
        "echo part $SWARM_TASK_SLOT",
      );
      const jobTasks = async () =>
        JSON.parse(await ok(socket, "service", "ps", "migrate", "--format", "json")) as (
          & TaskJson
          & { id: string; jobIteration?: string }
        )[];
      const completed = async (iteration: string | undefined) =>
        (await jobTasks()).filter((t) =>
          t.jobIteration === iteration && t.status?.state === "TASK_STATE_COMPLETE"
        );
      await until("3 completed job tasks", async () => (await completed(undefined)).length === 3);
      assert.match(
        await ok(socket, "service", "ls"),
        /migrate\s+replicated job\s+0\/0 \(3\/3 completed\)\s+sh -c/,
      );
      assert.equal(
        (await ok(socket, "service", "ps", "migrate")).match(/Complete +Complete/g)?.length,
        3,
      );
      const parts = await Promise.all(
        (await completed(undefined)).map((t) =>
          Deno.readTextFile(`${dir}/tasks/logs/${t.id}/stdout.log`)
        ),
      );
      assert.deepEqual(parts.sort(), ["part 1\n", "part 2\n", "part 3\n"]);
      await ok(socket, "service", "update", "migrate", "--force");
      await until("the job to run again", async () => (await completed("1")).length === 3);

      await ok(socket, "service", "rm", "web", "other", "mon", "migrate");
      await until("no task process", () => sleepProcesses(marker).length === 0);
      assert.equal(await ok(socket, "service", "ls", "-q"), "");
    } finally {
      await node.kill("SIGTERM");
      killSleepProcesses(marker);
      await Deno.remove(dir, { recursive: true });
    }
  },
});

Deno.test({
  name: "swarm up (the README's main job) starts a cluster with a running sample service",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const node = startNode("up", dir, randomPort());
    try {
      await node.ready();
      assert.match(node.output, /sample service "hello"/);
      await until(
        "3 running hello tasks",
        async () => (await runningTasks(socket, "hello")).length === 3,
      );
      assert.match(await ok(socket, "version"), /0\.1\.0/);
      assert.match(await ok(socket, "cluster", "inspect"), /"default"/);
      assert.match(await ok(socket, "task", "ls"), /hello\.1/);
    } finally {
      assert.equal((await node.kill("SIGINT")).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
