/**
 * Autolock end to end, with real processes: `swarm init --autolock` prints an unlock key and
 * encrypts the manager's key and Raft log at rest; after a restart the manager is locked (the
 * control socket answers "locked", the remote API is not served) until `swarm unlock` gives it
 * the key — a wrong key is refused and it stays locked. The key can be rotated (the manager
 * re-encrypts with the new one) and autolock turned off again.
 */
import assert from "node:assert/strict";
import { NodeProcess, ok, randomPort, swarm, until } from "./_process.ts";

/** Marks the node object in the Raft log: it must never be found in the files in plaintext. */
const HOSTNAME = `autolock-host-${crypto.randomUUID().slice(0, 8)}`;

/** `swarm init` on `dir`, the remote API on 127.0.0.1:`port`. */
class InitNode extends NodeProcess {
  constructor(dir: string, port: number, extra: string[] = []) {
    super([
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
    ]);
  }
  locked(): Promise<boolean> {
    return until("the node to wait, locked", () => this.output.includes("this manager is locked"));
  }
  /** Stops the node with SIGTERM; it must exit with 0. */
  async stop(): Promise<void> {
    assert.equal((await this.kill("SIGTERM")).code, 0, this.output);
  }
}

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
    const port = randomPort();
    let node = new InitNode(dir, port, ["--autolock"]);
    try {
      await node.ready();
      const key = /SWMKEY-1-[A-Za-z0-9+/]{43}/.exec(node.output)?.[0];
      assert.ok(key, `the banner shows the unlock key:\n${node.output}`);
      assert.match(node.output, /Store it safely/);
      assert.equal(await ok(socket, "unlock-key", "-q"), `${key}\n`);
      assert.match(await ok(socket, "node", "ls"), new RegExp(`${HOSTNAME}.*Leader`));
      await node.stop();
      assert.ok(await encryptedKey(dir), "the private key is encrypted at rest");
      assert.ok(!(await raftFilesContain(dir, HOSTNAME)), "the Raft log is encrypted at rest");

      // Restarted: locked. The control socket says so, the remote API is not served.
      node = new InitNode(dir, port);
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
      await node.ready();
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
      node = new InitNode(dir, port);
      await node.locked();
      assert.equal((await swarm(socket, ["unlock"], `${key}\n`)).code, 1, "the old key");
      assert.equal((await swarm(socket, ["unlock"], `${rotated}\n`)).code, 0, "the new key");
      await node.ready();

      // Autolock off: the keys are decrypted, and the next start needs no key.
      assert.equal(await ok(socket, "cluster", "update", "--autolock=false"), "Swarm updated.\n");
      await until("the manager to decrypt its keys", () => node.output.includes("autolock is off"));
      const noKey = await swarm(socket, ["unlock-key"]);
      assert.equal(noKey.code, 1);
      assert.match(noKey.stderr, /autolock is not enabled/);
      await node.stop();
      assert.equal(await encryptedKey(dir), false);
      node = new InitNode(dir, port);
      await node.ready();
      assert.doesNotMatch(node.output, /locked/);
      assert.match(await ok(socket, "node", "ls"), /Leader/);
    } finally {
      await node.stop().catch(() => {});
      await Deno.remove(dir, { recursive: true });
    }
  },
});
