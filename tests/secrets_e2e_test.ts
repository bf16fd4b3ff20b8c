/**
 * Secrets and configs end to end, with real OS processes and the README's commands: created from
 * standard input and from a file, given to a service, read by its task from `SWARM_SECRETS_DIR`
 * and `SWARM_CONFIGS_DIR`, and gone with the task. The secret must appear in no file of the
 * node's state directory other than the task's own log (the task printed it): the Raft log is
 * encrypted at rest.
 */
import assert from "node:assert/strict";
import {
  killSleepProcesses,
  NodeProcess,
  ok,
  randomPort,
  runningTasks,
  singleNodeArgs,
  swarm,
  until,
} from "./_process.ts";

/** Every file under `dir` whose bytes contain `needle`, as paths relative to `dir`. */
async function filesContaining(dir: string, needle: string): Promise<string[]> {
  const want = new TextEncoder().encode(needle);
  const found: string[] = [];
  const walk = async (path: string): Promise<void> => {
    for await (const e of Deno.readDir(path)) {
      const p = `${path}/${e.name}`;
      if (e.isDirectory) await walk(p);
      else if (e.isFile && contains(await Deno.readFile(p).catch(() => new Uint8Array()), want)) {
        found.push(p.slice(dir.length + 1));
      }
    }
  };
  await walk(dir);
  return found;
}

function contains(hay: Uint8Array, needle: Uint8Array): boolean {
  outer: for (let i = 0; i + needle.length <= hay.length; i++) {
    for (let j = 0; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return true;
  }
  return false;
}

const exists = (path: string) => Deno.lstat(path).then(() => true, () => false);

Deno.test({
  name:
    "a task reads the secrets and configs of its service from files that go away with it; the secret is in no state file",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const work = await Deno.makeTempDir(); // the user's files, outside the node's state
    const socket = `${dir}/swarm.sock`;
    const port = randomPort();
    const marker = String(100000 + port);
    const secretValue = `s3cret-${crypto.randomUUID()}`;
    const node = new NodeProcess(singleNodeArgs("init", dir, port));
    try {
      await node.ready();

      // The README's commands: data from standard input, or from a file.
      const created = await swarm(socket, ["secret", "create", "db-pass"], secretValue);
      assert.equal(created.code, 0, created.stderr);
      await Deno.writeTextFile(`${work}/api-key.txt`, "key-123");
      await ok(socket, "secret", "create", "api-key", "-f", `${work}/api-key.txt`);
      await Deno.writeTextFile(`${work}/app.conf`, "port=8080");
      await ok(socket, "config", "create", "app.conf", `${work}/app.conf`);
      assert.doesNotMatch(await ok(socket, "secret", "inspect", "db-pass"), /s3cret/);

      // A reference to a secret that does not exist is refused, and says so.
      const missing = await swarm(socket, [
        "service",
        "create",
        "--name",
        "bad",
        "--secret",
        "nope",
        "--",
        "true",
      ]);
      assert.notEqual(missing.code, 0);
      assert.match(missing.stderr, /no such secret: nope/);

      await ok(
        socket,
        "service",
        "create",
        "--name",
        "api",
        "--secret",
        "db-pass",
        "--secret",
        "source=api-key,target=keys/api,mode=0400",
        "--config",
        "source=app.conf,target=/etc/app.conf",
        "--",
        "sh",
        "-c",
        'cat "$SWARM_SECRETS_DIR/db-pass"; echo; cat "$SWARM_SECRETS_DIR/keys/api"; echo; ' +
          'cat "$SWARM_CONFIGS_DIR/etc/app.conf"; echo; echo "$SWARM_SECRETS_DIR"; ' +
          `exec sleep ${marker}`,
      );
      const [task] = await until("the api task to run", async () => {
        const running = await runningTasks(socket, "api");
        return running.length === 1 ? running : undefined;
      });
      const taskId = (task as { id: string }).id;
      const log = `${dir}/tasks/logs/${taskId}/stdout.log`;
      const lines = await until("the task's output", async () => {
        const text = await Deno.readTextFile(log).catch(() => "");
        const l = text.split("\n");
        return l.length >= 5 ? l : undefined;
      });
      assert.deepEqual(lines.slice(0, 3), [secretValue, "key-123", "port=8080"]);
      const secretsDir = lines[3]!;
      assert.ok(secretsDir.endsWith(`/${taskId}/secrets`), secretsDir);
      const mode = async (p: string) => ((await Deno.lstat(p)).mode ?? 0) & 0o777;
      assert.equal(await mode(`${secretsDir}/db-pass`), 0o444); // the CLI's default, as Docker's
      assert.equal(await mode(`${secretsDir}/keys/api`), 0o400);
      assert.equal(await mode(secretsDir.replace(/\/secrets$/, "")), 0o700);

      // Nowhere in the state directory but the task's own output (the Raft log is encrypted).
      assert.deepEqual(await filesContaining(dir, secretValue), [
        `tasks/logs/${taskId}/stdout.log`,
      ]);

      const inUse = await swarm(socket, ["secret", "rm", "db-pass"]);
      assert.equal(inUse.code, 1);
      assert.match(inUse.stderr, /Secret db-pass is in use by service api/);

      await ok(socket, "service", "rm", "api");
      await until("the task's files to go", async () => !(await exists(secretsDir)));
      assert.equal(await ok(socket, "secret", "rm", "db-pass", "api-key"), "db-pass\napi-key\n");
    } finally {
      await node.kill("SIGTERM");
      killSleepProcesses(marker);
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(work, { recursive: true });
    }
  },
});
