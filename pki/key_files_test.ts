import assert from "node:assert/strict";
import { join } from "node:path";
import {
  IncompleteNodeFilesError,
  KeyMismatchError,
  LockedError,
  WrongUnlockKeyError,
} from "./errors.ts";
import {
  nodeFilePaths,
  readNodeFiles,
  readRootCAFile,
  removeNodeFiles,
  writeFileAtomic,
  writeNodeFiles,
  writeNodeKeyAndCert,
  writeRootCAFile,
} from "./key_files.ts";
import { createTestPki } from "./testing.ts";

const pki = await createTestPki({ now: new Date("2026-06-01T00:00:00Z") });
const node = await pki.issue({ role: "worker" });
const files = { certPem: node.certPem, keyPem: node.keyPem, rootPem: node.rootPem };
const kek = new Uint8Array(32).fill(3);

async function withStateDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "swarm-pki-" });
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function modeOf(path: string): Promise<number> {
  return ((await Deno.stat(path)).mode ?? 0) & 0o777;
}

Deno.test("files are written under certificates/ with the key at mode 0600", async () => {
  await withStateDir(async (dir) => {
    await writeNodeFiles(dir, files);
    const paths = nodeFilePaths(dir);
    assert.equal(paths.cert, join(dir, "certificates", "swarm-node.crt"));
    assert.equal(paths.key, join(dir, "certificates", "swarm-node.key"));
    assert.equal(paths.rootCA, join(dir, "certificates", "swarm-root-ca.crt"));
    assert.equal(await modeOf(paths.key), 0o600);
    assert.equal(await modeOf(paths.cert), 0o644);
    assert.equal(await modeOf(paths.rootCA), 0o644);
    assert.equal(await modeOf(paths.dir), 0o700);
    const names = [];
    for await (const entry of Deno.readDir(paths.dir)) names.push(entry.name);
    assert.deepEqual(names.sort(), ["swarm-node.crt", "swarm-node.key", "swarm-root-ca.crt"]);
    assert.deepEqual(await readNodeFiles(dir), { ...files, keyWasEncrypted: false });
  });
});

Deno.test("rewriting a key that was readable by others leaves it at 0600", async () => {
  await withStateDir(async (dir) => {
    await writeNodeFiles(dir, files);
    const { key } = nodeFilePaths(dir);
    await Deno.chmod(key, 0o644);
    await writeNodeFiles(dir, files);
    assert.equal(await modeOf(key), 0o600);
  });
});

Deno.test("an empty state directory reads as null; a partial one is an error", async () => {
  await withStateDir(async (dir) => {
    assert.equal(await readNodeFiles(dir), null);
    assert.equal(await readRootCAFile(dir), null);
    await writeRootCAFile(dir, files.rootPem);
    assert.equal(await readRootCAFile(dir), files.rootPem);
    const err = await readNodeFiles(dir).catch((e: unknown) => e);
    assert.ok(err instanceof IncompleteNodeFilesError);
    assert.deepEqual(err.missing, [nodeFilePaths(dir).cert, nodeFilePaths(dir).key]);
    assert.match(err.message, /join the cluster again/);
  });
});

Deno.test("with a KEK the key is encrypted at rest and needs the KEK to read", async () => {
  await withStateDir(async (dir) => {
    await writeNodeFiles(dir, files, { kek });
    const stored = await Deno.readTextFile(nodeFilePaths(dir).key);
    assert.match(stored, /^-----BEGIN SWARM ENCRYPTED PRIVATE KEY-----/);
    assert.ok(!stored.includes(files.keyPem.split("\n")[1]!));
    assert.equal(await modeOf(nodeFilePaths(dir).key), 0o600);
    assert.deepEqual(await readNodeFiles(dir, { kek }), { ...files, keyWasEncrypted: true });
    const locked = await readNodeFiles(dir).catch((e: unknown) => e);
    assert.ok(locked instanceof LockedError);
    assert.match(locked.message, /swarm unlock/);
    const wrong = await readNodeFiles(dir, { kek: new Uint8Array(32) }).catch((e: unknown) => e);
    assert.ok(wrong instanceof WrongUnlockKeyError);
    assert.match(wrong.message, /swarm unlock/);
    // A plain key is read even when a KEK is offered (autolock just turned on).
    await writeNodeFiles(dir, files);
    assert.equal((await readNodeFiles(dir, { kek }))?.keyWasEncrypted, false);
  });
});

Deno.test("renewal rewrites key and certificate, not the root", async () => {
  await withStateDir(async (dir) => {
    await writeNodeFiles(dir, files);
    const renewed = await pki.issue({ role: "worker", nodeId: "renewed" });
    await writeRootCAFile(dir, files.rootPem + "\n"); // marker: must survive
    await writeNodeKeyAndCert(dir, { certPem: renewed.certPem, keyPem: renewed.keyPem }, { kek });
    const read = await readNodeFiles(dir, { kek });
    assert.equal(read?.certPem, renewed.certPem);
    assert.equal(read?.keyPem, renewed.keyPem);
    assert.equal(read?.rootPem, files.rootPem + "\n");
  });
});

Deno.test("a key that does not match the certificate is reported", async () => {
  await withStateDir(async (dir) => {
    const other = await pki.issue({ role: "worker" });
    await writeNodeFiles(dir, { ...files, keyPem: other.keyPem });
    await assert.rejects(readNodeFiles(dir), KeyMismatchError);
  });
});

Deno.test("writeFileAtomic replaces content, sets the mode and leaves no temporary", async () => {
  await withStateDir(async (dir) => {
    const path = join(dir, "f");
    await writeFileAtomic(path, "one", 0o600);
    await writeFileAtomic(path, "two", 0o640);
    assert.equal(await Deno.readTextFile(path), "two");
    assert.equal(await modeOf(path), 0o640);
    const names = [];
    for await (const entry of Deno.readDir(dir)) names.push(entry.name);
    assert.deepEqual(names, ["f"]);
    await assert.rejects(
      writeFileAtomic(join(dir, "missing", "f"), "x", 0o600),
      Deno.errors.NotFound,
    );
  });
});

Deno.test("removeNodeFiles deletes the directory and tolerates its absence", async () => {
  await withStateDir(async (dir) => {
    await writeNodeFiles(dir, files);
    await removeNodeFiles(dir);
    assert.equal(await readNodeFiles(dir), null);
    await removeNodeFiles(dir);
  });
});
