/**
 * Autolock across managers, in one process over real gRPC: a cluster founded with autolock keeps
 * its Raft log encrypted with the unlock key; a manager that joins learns the key through the
 * store and re-encrypts its own files with it; rotating the key or turning autolock off reaches
 * every manager the same way.
 */
import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { ClusterSchema, NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { NodeRole } from "../proto/gen/swarm/v1/types_pb.ts";
import { generateUnlockKey } from "../pki/mod.ts";
import { createTestPki } from "../pki/testing.ts";
import { KvRaftStorage, StorageKeyError } from "../raft/kv_storage.ts";
import { Manager } from "./manager.ts";
import { startTestManager, testManagerOptions } from "./testing.ts";
import { applyAutolock, sameKey } from "./autolock.ts";

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  return port;
}

async function waitFor(what: string, cond: () => boolean, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

Deno.test("a joined manager follows the cluster's unlock key; its Raft log needs it", async () => {
  const pki = await createTestPki();
  const key = generateUnlockKey();
  const dirs = [await Deno.makeTempDir(), await Deno.makeTempDir()];
  const m1Port = freePort();
  const m1 = await startTestManager(pki, {
    identity: await pki.issue({ role: "manager", nodeId: "m1" }),
    stateDir: dirs[0]!,
    port: m1Port,
  }, { unlockKey: key });
  const seen: (Uint8Array | undefined)[] = [];
  let m2: Manager | undefined;
  try {
    const cluster = () => m1.store.get("cluster", pki.clusterId)!;
    assert.equal(cluster().spec?.encryptionConfig?.autoLockManagers, true);
    assert.deepEqual(cluster().unlockKeys.map((k) => [k.subsystem, k.key]), [["manager", key]]);
    assert.deepEqual(m1.unlockKey, key);

    // As the CA records a node that joins with the manager token.
    await m1.store.update((tx) =>
      tx.create(
        "node",
        create(NodeSchema, {
          id: "m2",
          spec: { desiredRole: NodeRole.MANAGER },
          role: NodeRole.MANAGER,
        }),
      )
    );
    m2 = await Manager.start({
      ...testManagerOptions(pki, {
        identity: await pki.issue({ role: "manager", nodeId: "m2" }),
        stateDir: dirs[1]!,
        port: freePort(),
      }),
      join: [`127.0.0.1:${m1Port}`],
      onUnlockKeyChange: (k) => {
        seen.push(k);
        return Promise.resolve();
      },
    });
    const joined = m2;
    await waitFor("m2 to learn the key", () => sameKey(joined.unlockKey, key));
    assert.deepEqual(seen, [key]);

    // Rotation and autolock off reach the joined manager through the store.
    const change = async (fn: (c: ReturnType<typeof cluster>) => void) => {
      const updated = clone(ClusterSchema, cluster());
      fn(updated);
      await m1.store.update((tx) => tx.update("cluster", updated));
    };
    await change((c) => applyAutolock(c, { managerUnlockKey: true }));
    const rotated = cluster().unlockKeys[0]!.key;
    await waitFor("both to rotate", () => sameKey(joined.unlockKey, rotated));
    await waitFor("m1 to rotate", () => sameKey(m1.unlockKey, rotated));
    await m2.stop();
    m2 = undefined;
    // m2's Raft log opens with the rotated key only.
    const open = (kek: Uint8Array | null) =>
      KvRaftStorage.open(`${dirs[1]}/raft`, {
        memberId: "m2",
        clusterId: pki.clusterId,
        encryption: { kek },
      });
    await assert.rejects(open(key), StorageKeyError);
    await assert.rejects(open(null), StorageKeyError);
    (await open(rotated)).close();

    await change((c) => {
      c.spec!.encryptionConfig!.autoLockManagers = false;
      applyAutolock(c, undefined);
    });
    await waitFor("m1 to decrypt", () => m1.unlockKey === undefined);
    assert.deepEqual(seen, [key, rotated]);
  } finally {
    await m2?.stop();
    await m1.stop();
    for (const dir of dirs) await Deno.remove(dir, { recursive: true });
  }
});
