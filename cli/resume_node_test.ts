import assert from "node:assert/strict";
import { generateUnlockKey, writeNodeFiles } from "../pki/mod.ts";
import { createTestPki } from "../pki/testing.ts";
import { type NodeState, readNodeState, writeNodeState } from "./node_state.ts";
import { resumeNode } from "./resume_node.ts";

const pki = await createTestPki();
const node = await pki.issue({ role: "manager", nodeId: "n1" });
const files = { certPem: node.certPem, keyPem: node.keyPem, rootPem: node.rootPem };
const STATE: NodeState = {
  format: 1,
  createdBy: "join",
  nodeId: "n1",
  clusterId: pki.clusterId,
  role: "manager",
  hostname: "h1",
  listenAddr: "127.0.0.1:4242",
  advertiseAddr: "127.0.0.1:4242",
  managers: ["127.0.0.1:4000"],
};

/** A fresh state directory, removed when the test's scope ends. */
async function tempDir(): Promise<AsyncDisposable & { readonly path: string }> {
  const path = await Deno.makeTempDir();
  return { path, [Symbol.asyncDispose]: () => Deno.remove(path, { recursive: true }) };
}

/** Resumes the node of {@linkcode STATE} in `dir`, now at the addresses `at`. */
const resume = (
  dir: string,
  at: { listenAddr: string; advertiseAddr: string } = STATE,
  shutdown = new Promise<void>(() => {}),
) =>
  resumeNode({
    state: STATE,
    flags: {
      stateDir: dir,
      listenAddr: at.listenAddr,
      advertiseAddr: at.advertiseAddr,
      controlSocket: `${dir}/swarm.sock`,
    },
    shutdown,
    log: () => {},
  });

Deno.test("a resumed node records the addresses given now and opens its files", async () => {
  await using tmp = await tempDir();
  await writeNodeState(tmp.path, STATE);
  await writeNodeFiles(tmp.path, files);
  const at = { listenAddr: "0.0.0.0:5000", advertiseAddr: "10.0.0.1:5000" };
  assert.deepEqual(await resume(tmp.path, at), { state: { ...STATE, ...at }, files });
  assert.deepEqual(await readNodeState(tmp.path), { ...STATE, ...at });
});

Deno.test("a resumed node with the same addresses leaves node.json as it is", async () => {
  await using tmp = await tempDir();
  await writeNodeFiles(tmp.path, files); // no node.json: it must not be written
  assert.deepEqual(await resume(tmp.path), { state: STATE, files });
  assert.equal(await readNodeState(tmp.path), undefined);
});

Deno.test("a resumed node stopped while it waits, locked, resolves undefined", async () => {
  await using tmp = await tempDir();
  await writeNodeFiles(tmp.path, files, { kek: generateUnlockKey() });
  assert.equal(await resume(tmp.path, STATE, Promise.resolve()), undefined);
});
