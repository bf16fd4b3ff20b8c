/**
 * A cluster of real processes on distinct loopback addresses (127.0.0.x stand in for hosts):
 * three managers and two workers join with tokens, a 5-replica service spreads over them, the
 * leader is killed with SIGKILL, and the rest carry on; a worker is promoted and demoted again,
 * and leaves. Also: bad tokens, a tampered CA digest,
 * and a removed node are refused with clear messages.
 */
import assert from "node:assert/strict";
import {
  killSleepProcesses,
  NodeProcess,
  ok,
  randomPort,
  run,
  runningTasks,
  until,
} from "./_process.ts";

/** A node of the cluster: its state directory is `dir`, its hostname `name`. */
class ClusterNode extends NodeProcess {
  constructor(name: string, readonly dir: string, args: string[]) {
    super([...args, "-d", dir, "--heartbeat-period", "1000", "--hostname", name], {
      name,
      readyTimeoutMs: 90_000,
      failOn: /Error:/,
    });
  }
  get socket(): string {
    return `${this.dir}/swarm.sock`;
  }
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

async function join(
  name: string,
  base: string,
  host: string,
  port: number,
  token: string,
  via: string,
): Promise<ClusterNode> {
  const addr = `${host}:${port}`;
  const n = new ClusterNode(name, `${base}/${name}`, [
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
    const port = randomPort();
    const marker = String(200000 + port);
    const all: ClusterNode[] = [];
    try {
      const m1 = new ClusterNode("m1", `${base}/m1`, [
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
      const bad = new ClusterNode("bad", `${base}/bad`, ["join", "--token", wrong, via]);
      assert.notEqual((await bad.exited).code, 0);
      assert.match(bad.output, /token/i);
      const otherDigest = `SWMTKN-1-${digestPart.slice(0, -1)}${
        digestPart.endsWith("a") ? "b" : "a"
      }-${secret}`;
      const foreign = new ClusterNode("foreign", `${base}/foreign`, [
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
      // A rotated token admits no one new; the nodes that joined with it keep working.
      assert.match(
        await ok(m3.socket, "join-token", "--rotate", "worker"),
        /Successfully rotated worker join token/,
      );
      const late = new ClusterNode("late", `${base}/late`, ["join", "--token", workerToken, via]);
      assert.notEqual((await late.exited).code, 0);
      assert.match(late.output, /swarm join-token worker/);
      assert.notEqual((await ok(m1.socket, "join-token", "-q", "worker")).trim(), workerToken);

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

      // Task output from any node, read through a follower manager.
      await ok(
        m2.socket,
        "service",
        "create",
        "--name",
        "hello",
        "--replicas",
        "3",
        "--",
        "sh",
        "-c",
        `echo hello-$SWARM_TASK_SLOT; exec sleep ${marker}`,
      );
      await until(
        "3 running hello tasks",
        async () => (await runningTasks(m1.socket, "hello")).length === 3,
      );
      await until("hello's logs through a follower", async () => {
        const out = await ok(m3.socket, "service", "logs", "hello");
        return [1, 2, 3].every((i) => out.includes(`hello-${i}`));
      });
      await ok(m3.socket, "service", "rm", "hello");

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
      const back = new ClusterNode("w2", `${base}/w2`, [
        "join",
        "--listen-remote-api",
        `127.0.0.15:${port}`,
        via,
      ]);
      all.push(back);
      await until("w2 to be refused", () => /removed|revoked/i.test(back.output));
      assert.ok(!(await nodes(survivors[0]!.socket)).some((n) => n.id === w2Id));

      // The same join command on the same state directory resumes the node.
      await w1.kill("SIGTERM");
      const again = await join("w1", base, "127.0.0.14", port, workerToken, via);
      all.push(again);
      assert.match(again.output, new RegExp(`Swarm node ${w1Id} resumed`));
      await until(
        "w1 ready again",
        async () => (await nodes(s0)).find((n) => n.id === w1Id)?.status?.state === "STATE_READY",
      );
      assert.equal((await nodes(s0)).length, 4, "resuming adds no node");

      // A stopped worker leaves for good: its identity is gone from its state directory.
      await again.kill("SIGTERM");
      const left = await run(["leave", "-d", w1.dir]);
      assert.equal(left.code, 0, left.stderr);
      assert.match(left.stdout, new RegExp(`Node ${w1Id} left the swarm`));
      await assert.rejects(Deno.stat(`${w1.dir}/node.json`), Deno.errors.NotFound);
    } catch (e) {
      for (const n of all) console.error(`--- ${n.name} ---\n${n.output.slice(-3000)}`);
      throw e;
    } finally {
      await Promise.all(all.map((n) => n.kill("SIGKILL")));
      killSleepProcesses(marker);
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test({
  name: "all three managers stop and start again: the cluster comes back with its services",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const base = await Deno.makeTempDir();
    const port = randomPort();
    const marker = String(300000 + port);
    const all: ClusterNode[] = [];
    const via = `127.0.0.21:${port}`;
    const init = () => new ClusterNode("m1", `${base}/m1`, ["init", "--listen-remote-api", via]);
    try {
      const m1 = init();
      all.push(m1);
      await m1.ready();
      const token = (await ok(m1.socket, "join-token", "-q", "manager")).trim();
      all.push(await join("m2", base, "127.0.0.22", port, token, via));
      all.push(await join("m3", base, "127.0.0.23", port, token, via));
      await ok(
        m1.socket,
        "service",
        "create",
        "--name",
        "web",
        "--replicas",
        "3",
        "--",
        "sleep",
        marker,
      );
      await until(
        "3 running tasks",
        async () => (await runningTasks(m1.socket, "web")).length === 3,
      );

      // Every manager stops (SIGTERM: its tasks stop with it), then all start again.
      await Promise.all(all.map((n) => n.kill("SIGTERM")));
      const again = [
        init(),
        ...["m2", "m3"].map((name, i) =>
          new ClusterNode(name, `${base}/${name}`, [
            "join",
            "--listen-remote-api",
            `127.0.0.${22 + i}:${port}`,
            via,
          ])
        ),
      ];
      all.push(...again);
      await Promise.all(again.map((n) => n.ready()));
      for (const n of again) assert.match(n.output, /resumed/);
      await until("3 ready managers, one leading", async () => {
        const ns = await nodes(again[2]!.socket);
        return ns.length === 3 && ns.every((n) => n.status?.state === "STATE_READY") &&
          ns.filter((n) => n.managerStatus?.leader).length === 1;
      });
      await until(
        "3 running tasks again",
        async () => (await runningTasks(again[1]!.socket, "web")).length === 3,
      );
    } catch (e) {
      for (const n of all) console.error(`--- ${n.name} ---\n${n.output.slice(-3000)}`);
      throw e;
    } finally {
      await Promise.all(all.map((n) => n.kill("SIGKILL")));
      killSleepProcesses(marker);
      await Deno.remove(base, { recursive: true }).catch(() => {});
    }
  },
});
