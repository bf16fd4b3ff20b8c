/**
 * Autolock end to end, with real processes: `swarm init --autolock` prints an unlock key and
 * encrypts the manager's key and Raft log at rest; after a restart the manager is locked (the
 * control socket answers "locked", the remote API is not served) until `swarm unlock` gives it
 * the key — a wrong key is refused and it stays locked. The key can be rotated (the manager
 * re-encrypts with the new one) and autolock turned off again.
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

async function swarm(socket: string, args: string[], stdin?: string): Promise<Result> {
  const child = new Deno.Command(Deno.execPath(), {
    args: [...FLAGS, "-s", socket, ...args],
    stdin: stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(stdin));
    await writer.close();
  }
  const out = await child.output();
  return { code: out.code, stdout: dec.decode(out.stdout), stderr: dec.decode(out.stderr) };
}

async function ok(socket: string, ...args: string[]): Promise<string> {
  const r = await swarm(socket, args);
  assert.equal(r.code, 0, `swarm ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 60_000): Promise<T> {
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
    await new Promise((r) => setTimeout(r, 200));
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
  constructor(dir: string, port: number, extra: string[] = []) {
    this.child = new Deno.Command(Deno.execPath(), {
      args: [
        ...FLAGS,
        "init",
        "-d",
        dir,
        "--listen-remote-api",
        `127.0.0.1:${port}`,
        "--hostname",
        HOSTNAME,
        "--heartbeat-period",
        "1000",
        ...extra,
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
  started(): Promise<boolean> {
    return until("the node to start", () => this.output.includes("Press Ctrl-C"));
  }
  locked(): Promise<boolean> {
    return until("the node to wait, locked", () => this.output.includes("this manager is locked"));
  }
  async stop(): Promise<void> {
    this.child.kill("SIGTERM");
    assert.equal((await this.child.status).code, 0, this.output);
  }
}

/** Marks the node object in the Raft log: it must never be found in the files in plaintext. */
const HOSTNAME = `autolock-host-${crypto.randomUUID().slice(0, 8)}`;

async function remoteApiAnswers(port: number): Promise<boolean> {
  try {
    (await Deno.connect({ hostname: "127.0.0.1", port })).close();
    return true;
  } catch {
    return false;
  }
}

async function raftFilesContain(dir: string, text: string): Promise<boolean> {
  const needle = new TextEncoder().encode(text);
  for (const e of Deno.readDirSync(dir)) {
    if (!e.name.startsWith("raft")) continue;
    const bytes = await Deno.readFile(`${dir}/${e.name}`);
    outer: for (let i = 0; i + needle.length <= bytes.length; i++) {
      for (let j = 0; j < needle.length; j++) if (bytes[i + j] !== needle[j]) continue outer;
      return true;
    }
  }
  return false;
}

const encryptedKey = async (dir: string) =>
  (await Deno.readTextFile(`${dir}/certificates/swarm-node.key`)).includes(
    "SWARM ENCRYPTED PRIVATE KEY",
  );

Deno.test({
  name: "autolock: a restarted manager stays locked until `swarm unlock` gives the right key",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const dir = await Deno.makeTempDir();
    const socket = `${dir}/swarm.sock`;
    const port = 20000 + Math.floor(Math.random() * 20000);
    let node = new NodeProcess(dir, port, ["--autolock"]);
    try {
      await node.started();
      const key = /SWMKEY-1-[A-Za-z0-9+/]{43}/.exec(node.output)?.[0];
      assert.ok(key, `the banner shows the unlock key:\n${node.output}`);
      assert.match(node.output, /Store it safely/);
      assert.equal(await ok(socket, "unlock-key", "-q"), `${key}\n`);
      assert.match(await ok(socket, "node", "ls"), new RegExp(`${HOSTNAME}.*Leader`));
      await node.stop();
      assert.ok(await encryptedKey(dir), "the private key is encrypted at rest");
      assert.ok(!(await raftFilesContain(dir, HOSTNAME)), "the Raft log is encrypted at rest");

      // Restarted: locked. The control socket says so, the remote API is not served.
      node = new NodeProcess(dir, port);
      await node.locked();
      const refused = await swarm(socket, ["node", "ls"]);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /^Error: This manager is locked: .*`swarm unlock`/);
      assert.equal(await remoteApiAnswers(port), false, "no remote API while locked");

      const wrongKey = "SWMKEY-1-" + "A".repeat(43);
      const wrong = await swarm(socket, ["unlock"], `${wrongKey}\n`);
      assert.equal(wrong.code, 1);
      assert.match(wrong.stderr, /^Error: The unlock key is wrong: .* stays locked/);
      const malformed = await swarm(socket, ["unlock"], "not-a-key\n");
      assert.equal(malformed.code, 1);
      assert.match(malformed.stderr, /^Error: Malformed unlock key/);
      assert.equal((await swarm(socket, ["node", "ls"])).code, 1, "still locked");

      const right = await swarm(socket, ["unlock"], `${key}\n`);
      assert.equal(right.code, 0, right.stderr);
      await node.started();
      assert.match(await ok(socket, "node", "ls"), new RegExp(`${HOSTNAME}.*Ready.*Leader`));
      assert.equal(await remoteApiAnswers(port), true);
      assert.equal(await ok(socket, "unlock-key", "-q"), `${key}\n`);
      assert.equal(
        await ok(socket, "cluster", "update", "--cert-expiry", "2160h"),
        "Swarm updated.\n",
      );
      assert.equal(
        JSON.parse(await ok(socket, "cluster", "inspect")).spec.caConfig.nodeCertExpiry,
        "7776000s",
      );
      const notLocked = await swarm(socket, ["unlock"], `${key}\n`);
      assert.equal(notLocked.code, 1);
      assert.match(notLocked.stderr, /This node is not locked/);

      // Rotated: the manager re-encrypts with the new key; the old one no longer opens it.
      const rotated = (await ok(socket, "unlock-key", "--rotate", "-q")).trim();
      assert.match(rotated, /^SWMKEY-1-/);
      assert.notEqual(rotated, key);
      await until(
        "the manager to re-encrypt with the new key",
        () => node.output.split("now encrypted with the cluster's unlock key").length === 2,
      );
      await node.stop();
      node = new NodeProcess(dir, port);
      await node.locked();
      assert.equal((await swarm(socket, ["unlock"], `${key}\n`)).code, 1, "the old key");
      assert.equal((await swarm(socket, ["unlock"], `${rotated}\n`)).code, 0, "the new key");
      await node.started();

      // Autolock off: the keys are decrypted, and the next start needs no key.
      assert.equal(await ok(socket, "cluster", "update", "--autolock=false"), "Swarm updated.\n");
      await until("the manager to decrypt its keys", () => node.output.includes("autolock is off"));
      const noKey = await swarm(socket, ["unlock-key"]);
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /autolock is not enabled/);
      await node.stop();
      assert.equal(await encryptedKey(dir), false);
      node = new NodeProcess(dir, port);
      await node.started();
      assert.doesNotMatch(node.output, /locked/);
      assert.match(await ok(socket, "node", "ls"), /Leader/);
    } finally {
      await node.stop().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
