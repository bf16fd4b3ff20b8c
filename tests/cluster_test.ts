/**
 * A cluster of real processes on distinct loopback addresses (127.0.0.x stand in for hosts):
 * three managers and two workers join with tokens, a 5-replica service spreads over them, the
 * leader is killed with SIGKILL, and the rest carry on; a worker is promoted and demoted again,
 * and leaves. Also: bad tokens, a tampered CA digest,
 * and a removed node are refused with clear messages.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../main.ts", import.meta.url).pathname;
const FLAGS = ["run", "--no-prompt", "--unstable-kv", "--unstable-worker-options", "-A", MAIN];
const dec = new TextDecoder();

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
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ok(socket: string, ...args: string[]): Promise<string> {
  const r = await swarm(socket, ...args);
  assert.equal(r.code, 0, `swarm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function until<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs = 60_000,
): Promise<NonNullable<T>> {
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
    await new Promise((r) => setTimeout(r, 300));
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
  readonly exited: Promise<Deno.CommandStatus>;
  constructor(readonly name: string, readonly dir: string, args: string[]) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [...FLAGS, ...args, "-d", dir, "--heartbeat-period", "1000", "--hostname", name],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const collect = async (s: ReadableStream<Uint8Array>) => {
      for await (const chunk of s.pipeThrough(new TextDecoderStream())) this.output += chunk;
    };
    collect(this.child.stdout);
    collect(this.child.stderr);
    this.exited = this.child.status;
  }
  get socket(): string {
    return `${this.dir}/swarm.sock`;
  }
  ready(): Promise<boolean> {
    return until(`${this.name} to start`, () => {
      if (this.output.includes("Press Ctrl-C")) return true;
      if (/Error:/.test(this.output)) throw new Error(`${this.name} failed:\n${this.output}`);
      return false;
    }, 90_000);
  }
  kill(signal: Deno.Signal = "SIGTERM"): Promise<Deno.CommandStatus> {
    try {
      this.child.kill(signal);
    } catch { /* already gone */ }
    return this.exited;
  }
}

interface TaskJson {
  nodeId?: string;
  status?: { state?: string };
  desiredState?: string;
}

async function runningTasks(socket: string, service: string): Promise<TaskJson[]> {
  const tasks = JSON.parse(
    await ok(socket, "service", "ps", service, "--format", "json"),
  ) as TaskJson[];
  return tasks.filter((t) =>
    t.status?.state === "TASK_STATE_RUNNING" && t.desiredState === "TASK_STATE_RUNNING"
  );
}

interface NodeJson {
  id: string;
  description?: { hostname?: string };
  status?: { state?: string };
  managerStatus?: { leader?: boolean };
}

async function nodes(socket: string): Promise<NodeJson[]> {
  return JSON.parse(await ok(socket, "node", "ls", "--format", "json")) as NodeJson[];
}

function killTasks(marker: string): void {
  for (const e of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(e.name)) continue;
    try {
      const cmd = Deno.readTextFileSync(`/proc/${e.name}/cmdline`).split("\0");
      if (cmd[0]?.endsWith("sleep") && cmd.includes(marker)) Deno.kill(Number(e.name), "SIGKILL");
    } catch { /* exited meanwhile */ }
  }
}

async function join(
  name: string,
  base: string,
  host: string,
  port: number,
  token: string,
  via: string,
): Promise<NodeProcess> {
  const addr = `${host}:${port}`;
  const n = new NodeProcess(name, `${base}/${name}`, [
    "join",
    "--token",
    token,
    "--listen-remote-api",
    addr,
    via,
  ]);
  await n.ready();
  return n;
}

Deno.test({
  name:
    "3 managers and 2 workers on 127.0.0.x: join, spread a service, survive kill -9 of the leader",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const base = await Deno.makeTempDir();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const marker = String(200000 + port);
    const all: NodeProcess[] = [];
    try {
      const m1 = new NodeProcess("m1", `${base}/m1`, [
        "init",
        "--listen-remote-api",
        `127.0.0.11:${port}`,
      ]);
      all.push(m1);
      await m1.ready();
      const managerToken = (await ok(m1.socket, "join-token", "-q", "manager")).trim();
      const workerToken = (await ok(m1.socket, "join-token", "-q", "worker")).trim();
      const via = `127.0.0.11:${port}`;

      // Bad input first: nothing may change in the cluster.
      const [digestPart, secret] = [workerToken.split("-")[2]!, workerToken.split("-")[3]!];
      const wrong = `SWMTKN-1-${digestPart}-${secret.slice(0, -1)}${
        secret.endsWith("a") ? "b" : "a"
      }`;
      const bad = new NodeProcess("bad", `${base}/bad`, ["join", "--token", wrong, via]);
      assert.notEqual((await bad.exited).code, 0);
      assert.match(bad.output, /token/i);
      const otherDigest = `SWMTKN-1-${digestPart.slice(0, -1)}${
        digestPart.endsWith("a") ? "b" : "a"
      }-${secret}`;
      const foreign = new NodeProcess("foreign", `${base}/foreign`, [
        "join",
        "--token",
        otherDigest,
        via,
      ]);
      assert.notEqual((await foreign.exited).code, 0);
      assert.match(foreign.output, /digest/i);
      assert.equal((await nodes(m1.socket)).length, 1, "refused joins must not add nodes");

      const m2 = await join("m2", base, "127.0.0.12", port, managerToken, via);
      all.push(m2);
      const m3 = await join("m3", base, "127.0.0.13", port, managerToken, via);
      all.push(m3);
      const w1 = await join("w1", base, "127.0.0.14", port, workerToken, via);
      all.push(w1);
      const w2 = await join("w2", base, "127.0.0.15", port, workerToken, via);
      all.push(w2);

      await until("5 ready nodes", async () => {
        const ns = await nodes(m1.socket);
        return ns.length === 5 && ns.every((n) => n.status?.state === "STATE_READY");
      });
      const table = await ok(m2.socket, "node", "ls");
      assert.equal((table.match(/Leader/g) ?? []).length, 1, table);
      assert.equal((table.match(/Reachable/g) ?? []).length, 2, table);

      await ok(
        m2.socket, // a follower: the call is forwarded to the leader
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "5",
        "--",
        "sleep",
        marker,
      );
      const spread = await until("5 running tasks", async () => {
        const r = await runningTasks(m1.socket, "web");
        return r.length === 5 ? r : undefined;
      });
      assert.ok(
        new Set(spread.map((t) => t.nodeId)).size >= 3,
        `tasks should spread over the nodes: ${JSON.stringify(spread.map((t) => t.nodeId))}`,
      );

      // Crash the leader host.
      const leaderId = (await nodes(m1.socket)).find((n) => n.managerStatus?.leader)!.id;
      const leader = [m1, m2, m3].find((m) => m.output.includes(leaderId))!;
      assert.ok(leader, "the leader is one of the managers");
      await leader.kill("SIGKILL");
      const survivors = [m1, m2, m3].filter((m) => m !== leader);
      await until("a new leader", async () => {
        const ns = await nodes(survivors[0]!.socket);
        return ns.some((n) => n.managerStatus?.leader && n.id !== leaderId);
      });
      for (const m of survivors) {
        await until(`${m.name} to answer`, async () => (await nodes(m.socket)).length === 5);
      }
      await until("5 running tasks after the leader died", async () => {
        const r = await runningTasks(survivors[0]!.socket, "web");
        return r.length === 5 && r.every((t) => t.nodeId !== leaderId);
      }, 90_000);

      // A worker promoted to manager joins Raft; demoted, it leaves Raft and keeps working.
      const s0 = survivors[0]!.socket;
      const w1Id = (await nodes(s0)).find((n) => n.description?.hostname === "w1")!.id;
      assert.match(await ok(s0, "node", "promote", "w1"), /promoted to a manager/);
      await until("w1 to become a manager", () => w1.output.includes("now a manager"), 90_000);
      await until("w1 to be a reachable manager", async () => {
        const row = (await ok(s0, "node", "ls")).split("\n").find((l) => l.includes(w1Id));
        return row !== undefined && /Reachable/.test(row);
      });
      assert.match(await ok(w1.socket, "node", "ls"), /Leader/, "w1 serves the control API");
      assert.match(await ok(s0, "node", "demote", "w1"), /demoted/);
      await until("w1 to become a worker", () => w1.output.includes("now a worker"), 90_000);
      await until("w1 listed as a worker", async () => {
        const row = (await ok(s0, "node", "ls")).split("\n").find((l) => l.includes(w1Id));
        if (row === undefined || /Reachable|Leader|Unreachable/.test(row)) {
          throw new Error(`w1's row: ${row}`);
        }
        return true;
      });
      await until(
        "5 running tasks after the role changes",
        async () => (await runningTasks(s0, "web")).length === 5,
      );

      // A removed node is refused from then on.
      const w2Id = (await nodes(survivors[0]!.socket)).find((n) =>
        n.description?.hostname === "w2"
      )!.id;
      await w2.kill("SIGTERM");
      await until("w2 down", async () =>
        (await nodes(survivors[0]!.socket)).find((n) =>
          n.id === w2Id
        )?.status?.state ===
          "STATE_DOWN");
      await ok(survivors[0]!.socket, "node", "rm", w2Id);
      const back = new NodeProcess("w2", `${base}/w2`, [
        "join",
        "--listen-remote-api",
        `127.0.0.15:${port}`,
        via,
      ]);
      all.push(back);
      await until("w2 to be refused", () => /removed|revoked/i.test(back.output));
      assert.ok(!(await nodes(survivors[0]!.socket)).some((n) => n.id === w2Id));

      // A stopped worker leaves for good: its identity is gone from its state directory.
      await w1.kill("SIGTERM");
      const left = await new Deno.Command(Deno.execPath(), {
        args: [...FLAGS, "leave", "-d", w1.dir],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(left.code, 0, dec.decode(left.stderr));
      assert.match(dec.decode(left.stdout), new RegExp(`Node ${w1Id} left the swarm`));
      await assert.rejects(Deno.stat(`${w1.dir}/node.json`), Deno.errors.NotFound);
    } catch (e) {
      for (const n of all) console.error(`--- ${n.name} ---\n${n.output.slice(-3000)}`);
      throw e;
    } finally {
      await Promise.all(all.map((n) => n.kill("SIGKILL")));
      killTasks(marker);
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});
