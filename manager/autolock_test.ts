import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { type Cluster, ClusterSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import {
  applyAutolock,
  AutolockOffError,
  clusterUnlockKey,
  sameKey,
  UnlockKeyFollower,
} from "./autolock.ts";

const K1 = new Uint8Array(32).fill(1);
const K2 = new Uint8Array(32).fill(2);

function cluster(autolock: boolean, key?: Uint8Array): Cluster {
  return create(ClusterSchema, {
    spec: { encryptionConfig: { autoLockManagers: autolock } },
    unlockKeys: [
      { subsystem: "other", key: new Uint8Array([9]) },
      ...(key ? [{ subsystem: "manager", key }] : []),
    ],
  });
}

Deno.test("the cluster's unlock key counts only while autolock is on", () => {
  assert.deepEqual(clusterUnlockKey(cluster(true, K1)), K1);
  assert.equal(clusterUnlockKey(cluster(false, K1)), undefined);
  assert.equal(clusterUnlockKey(cluster(true)), undefined);
  assert.equal(clusterUnlockKey(undefined), undefined);
  assert.ok(sameKey(K1, new Uint8Array(32).fill(1)));
  assert.ok(!sameKey(K1, K2));
  assert.ok(!sameKey(K1, undefined));
  assert.ok(sameKey(undefined, undefined));
});

Deno.test("applyAutolock makes a key when turned on, keeps it, rotates it, removes it", () => {
  let n = 0;
  const random = (size: number) => new Uint8Array(size).fill(++n);
  const c = cluster(true);
  assert.equal(applyAutolock(c, undefined, random), true);
  assert.deepEqual(clusterUnlockKey(c), new Uint8Array(32).fill(1));
  assert.equal(applyAutolock(c, { managerUnlockKey: false }, random), false);
  assert.deepEqual(clusterUnlockKey(c), new Uint8Array(32).fill(1));
  assert.equal(applyAutolock(c, { managerUnlockKey: true }, random), true);
  assert.deepEqual(clusterUnlockKey(c), new Uint8Array(32).fill(2));
  c.spec!.encryptionConfig!.autoLockManagers = false;
  assert.equal(applyAutolock(c, undefined, random), true);
  assert.deepEqual(c.unlockKeys.map((k) => k.subsystem), ["other"]);
  assert.equal(applyAutolock(c, undefined, random), false);
  assert.throws(() => applyAutolock(c, { managerUnlockKey: true }), AutolockOffError);
});

Deno.test("the follower applies the latest wanted key, one change at a time", async () => {
  let wanted: Uint8Array | undefined = K1;
  const applied: (Uint8Array | undefined)[] = [];
  let release: () => void = () => {};
  const follower = new UnlockKeyFollower({
    current: undefined,
    wanted: () => wanted,
    apply: async (key) => {
      applied.push(key);
      await new Promise<void>((r) => release = r);
    },
  });
  const first = follower.sync();
  await Promise.resolve();
  // Two changes while the first is applied: only the latest is applied next.
  wanted = K2;
  void follower.sync();
  wanted = undefined;
  const last = follower.sync();
  assert.equal(last, first, "one run serves every sync meanwhile");
  release();
  await new Promise((r) => setTimeout(r, 0));
  release();
  await last;
  assert.deepEqual(applied, [K1, undefined]);
  assert.equal(follower.current, undefined);
  await follower.sync();
  assert.equal(applied.length, 2, "nothing to do when the key is current");
});

Deno.test("a failed change is logged and tried again on the next sync; stop ends it", async () => {
  const log: string[] = [];
  let fail = true;
  let applies = 0;
  const follower = new UnlockKeyFollower({
    current: K1,
    wanted: () => K2,
    apply: () => {
      applies++;
      return fail ? Promise.reject(new Error("disk full")) : Promise.resolve();
    },
    log: (m) => log.push(m),
  });
  await follower.sync();
  assert.deepEqual(follower.current, K1);
  assert.match(log[0] ?? "", /re-encrypting this manager's keys failed .*disk full/);
  fail = false;
  await follower.sync();
  assert.deepEqual(follower.current, K2);
  assert.match(log[1] ?? "", /now encrypted with the cluster's unlock key/);
  await follower.stop();
  await follower.sync();
  assert.equal(applies, 2);
});
