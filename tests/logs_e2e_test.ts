/**
 * End to end, with real processes: `swarm service logs` and `swarm task logs` read a task's
 * output through the manager's log broker and the node's agent.
 */
import assert from "node:assert/strict";
import { NodeProcess, ok, randomPort, singleNodeArgs, swarm, until } from "./_process.ts";

Deno.test({
  name: "service logs shows a task's output with its prefix, --tail, and -f sees new lines",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const node = new NodeProcess(singleNodeArgs("init", dir, randomPort()));
    let follower: NodeProcess | undefined;
    try {
      await node.ready();
      const script = `echo line-one; echo line-two; echo to-stderr >&2; ` +
        `while true; do if [ -f ${dir}/more ]; then rm ${dir}/more; echo line-three; fi; ` +
        `sleep 0.1; done`;
      await ok(socket, "service", "create", "--name", "greet", "--", "sh", "-c", script);
      const logs = await until("the task's lines", async () => {
        const r = await swarm(socket, ["service", "logs", "greet"]);
        return r.code === 0 && r.stdout.includes("line-two") ? r : undefined;
      }, 30_000);
      const [taskId] = (await ok(socket, "service", "ps", "-q", "greet")).trim().split("\n");
      const prefix = `greet.1.${taskId}@`;
      const lines = logs.stdout.trimEnd().split("\n");
      assert.equal(lines.length, 2, logs.stdout);
      assert.ok(lines[0]!.startsWith(prefix), lines[0]!);
      assert.match(lines[0]!, /\s+\| line-one$/);
      assert.match(logs.stderr, /\| to-stderr\n$/);

      const tail = await swarm(socket, ["service", "logs", "--tail", "1", "--raw", "greet"]);
      assert.equal(tail.code, 0, tail.stderr);
      assert.equal(tail.stdout, "line-two\n");
      assert.equal(tail.stderr, "to-stderr\n");
      const byTask = await ok(socket, "task", "logs", "--raw", taskId!);
      assert.equal(byTask, "line-one\nline-two\n");

      follower = new NodeProcess(["-s", socket, "service", "logs", "-f", "greet"], {
        name: "logs -f",
      });
      await until("-f to show the old lines", () => follower!.output.includes("line-two"));
      await Deno.writeTextFile(`${dir}/more`, "");
      await until("-f to show a new line", () => follower!.output.includes("line-three"));
      assert.equal((await follower.kill()).code, 0, "-f ends normally on SIGTERM");
      await ok(socket, "service", "rm", "greet");
    } finally {
      await follower?.kill();
      await node.kill();
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    }
  },
});
