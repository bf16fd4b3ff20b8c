/**
 * End to end, with real OS processes: the `swarm` entry point runs a node (`init`, and `up` as
 * the README's main job does), and every client command below runs as its own process, as a
 * user would type it. Task processes are counted in /proc.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FLAGS = ["run", "--no-prompt", "--unstable-kv", "--unstable-worker-options", "-A", MAIN];

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

async function swarm(socket: string, ...args: string[]): Promise<Result> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [...FLAGS, "-s", socket, ...args],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ok(socket: string, ...args: string[]): Promise<string> {
  const r = await swarm(socket, ...args);
  assert.equal(r.code, 0, `swarm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

/** Processes whose command line contains `marker`. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd[0]?.endsWith("sleep") && cmd.includes(marker)) pids.push(Number(e.name));
    } catch { /* exited meanwhile */ }
  }
  return pids;
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
      last = v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(
    `Timed out waiting for ${what} (last: ${
      last instanceof Error ? last.message : JSON.stringify(last)
    })`,
  );
}

class NodeProcess {
  readonly child: Deno.ChildProcess;
  output = "";
  constructor(command: "init" | "up", stateDir: string, port: number) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        ...FLAGS,
        command,
        "-d",
        stateDir,
        "--listen-remote-api",
        `127.0.0.1:${port}`,
        "--heartbeat-period",
        "1000",
      ],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s.pipeThrough(new TextDecoderStream())) this.output += chunk;
    };
    collect(this.child.stdout);
    collect(this.child.stderr);
  }
  ready(): Promise<boolean> {
    return until("the node to start", () => this.output.includes("Press Ctrl-C"), 60_000);
  }
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    this.child.kill(signal);
    return await this.child.status;
  }
}

const runningTasks = async (socket: string, service: string) => {
  const tasks = JSON.parse(await ok(socket, "service", "ps", service, "--format", "json")) as {
    status?: { state?: string };
    desiredState?: string;
  }[];
  return tasks.filter((t) =>
    t.status?.state === "TASK_STATE_RUNNING" && t.desiredState === "TASK_STATE_RUNNING"
  ).length;
};

Deno.test({
  name:
    "a node runs a replicated service as OS processes: scale, replace a killed task, remove, restart",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const port = 20000 + Math.floor(Math.random() * 20000);
    const marker = String(100000 + port); // `sleep <marker>` identifies this test's tasks
    let node = new NodeProcess("init", dir, port);
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
      await until("3 task processes", () => processesWith(marker).length === 3);
      assert.equal(
        await until("3 running tasks", async () => (await runningTasks(socket, "web")) === 3 && 3),
        3,
      );
      assert.match(await ok(socket, "service", "ls"), /web\s+replicated\s+3\/3\s+sleep/);

      await ok(socket, "service", "scale", "web=5");
      await until("5 task processes", () => processesWith(marker).length === 5);
      await ok(socket, "service", "scale", "web=1");
      await until("1 task process", () => processesWith(marker).length === 1);

      const [victim] = processesWith(marker);
      Deno.kill(victim!, "SIGKILL");
      const replacement = await until("a replacement process", () => {
        const now = processesWith(marker);
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
        const r = await swarm(socket, ...args);
        assert.notEqual(r.code, 0, `${args.join(" ")} should fail`);
        assert.match(r.stderr, message);
      }
      assert.equal(await ok(socket, "service", "ls", "-q"), before);
      const unreachable = await swarm(`${dir}/nothing.sock`, "service", "ls");
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
      await until("3 task processes", () => processesWith(marker).length === 3);
      const status = await node.stop("SIGTERM");
      assert.equal(status.code, 0);
      assert.equal(processesWith(marker).length, 0, "a stopped node leaves no task process behind");
      node = new NodeProcess("init", dir, port);
      await node.ready();
      assert.match(node.output, /resumed/);
      const services = await ok(socket, "service", "ls", "-q");
      assert.equal(services.trim().split("\n").length, 2);
      await until("the tasks to run again", () => processesWith(marker).length === 3);
      assert.ok(JSON.parse(await ok(socket, "task", "ls", "--format", "json")).length >= 3);

      await ok(socket, "service", "update", "other", "--env-add", "DEBUG=1");
      const inspected = JSON.parse(await ok(socket, "service", "inspect", "other"));
      assert.deepEqual(inspected.spec.task.process.env, ["DEBUG=1"]);
      await until("the updated tasks to run", async () => {
        const tasks = JSON.parse(
          await ok(socket, "service", "ps", "other", "--format", "json"),
        ) as {
          desiredState?: string;
          status?: { state?: string };
          spec?: { process?: { env?: string[] } };
        }[];
        const live = tasks.filter((t) => t.desiredState === "TASK_STATE_RUNNING");
        return live.length === 2 &&
          live.every((t) =>
            t.status?.state === "TASK_STATE_RUNNING" && t.spec?.process?.env?.includes("DEBUG=1")
          );
      }, 60_000);

      await ok(socket, "service", "rm", "web", "other");
      await until("no task process", () => processesWith(marker).length === 0);
      assert.equal(await ok(socket, "service", "ls", "-q"), "");
    } finally {
      await node.stop("SIGTERM").catch(() => {});
      for (const pid of processesWith(marker)) Deno.kill(pid, "SIGKILL");
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
    const node = new NodeProcess("up", dir, 20000 + Math.floor(Math.random() * 20000));
    try {
      await node.ready();
      assert.match(node.output, /sample service "hello"/);
      await until("3 running hello tasks", async () => (await runningTasks(socket, "hello")) === 3);
      assert.match(await ok(socket, "version"), /0\.1\.0/);
      assert.match(await ok(socket, "cluster", "inspect"), /"default"/);
      assert.match(await ok(socket, "task", "ls"), /hello\.1/);
    } finally {
      assert.equal((await node.stop("SIGINT")).code, 0);
      await Deno.remove(dir, { recursive: true });
    }
  },
});
