import assert from "node:assert/strict";
import type { UpdateClusterRequest } from "../../proto/gen/swarm/v1/control_pb.ts";
import { formatUnlockKey } from "../../pki/mod.ts";
import { FakeControlApi } from "../fake_control_api.ts";
import { run } from "../_run_client.ts";
import type { ControlApi } from "../control_api.ts";
import { currentUnlockKey } from "./unlock_key.ts";

async function autolocked(): Promise<{ api: FakeControlApi; key: string }> {
  const api = new FakeControlApi();
  assert.equal((await run(["cluster", "update", "--autolock=true"], { api })).code, 0);
  const cluster = [...api.clusters.values()][0]!;
  return { api, key: formatUnlockKey(cluster.unlockKeys[0]!.key) };
}

Deno.test("unlock-key prints the key with advice, -q the key alone, json an object", async () => {
  const { api, key } = await autolocked();
  const full = await run(["unlock-key"], { api });
  assert.equal(full.code, 0, full.err);
  assert.match(full.out, /^To unlock a manager after it restarts, run `swarm unlock` on it/);
  assert.ok(full.out.includes(`\n    ${key}\n`));
  assert.equal((await run(["unlock-key", "-q"], { api })).out, `${key}\n`);
  assert.deepEqual(JSON.parse((await run(["unlock-key", "--format", "json"], { api })).out), {
    unlockKey: key,
  });
});

Deno.test("unlock-key --rotate replaces the key and prints the new one", async () => {
  const { api, key } = await autolocked();
  const r = await run(["unlock-key", "--rotate"], { api });
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /^Successfully rotated the unlock key\.\n\n/);
  const rotated = await run(["unlock-key", "-q", "--rotate"], { api });
  const newest = rotated.out.trim();
  assert.match(newest, /^SWMKEY-1-/);
  assert.notEqual(newest, key);
  assert.ok(!r.out.includes(key));
  const requests = api.mutatingCalls().map((c) => c.request as UpdateClusterRequest);
  assert.equal(requests.at(-1)?.rotation?.managerUnlockKey, true);
  assert.equal(requests.at(-1)?.spec?.encryptionConfig?.autoLockManagers, true);
});

Deno.test("unlock-key without autolock says how to turn it on", async () => {
  const api = new FakeControlApi();
  const r = await run(["unlock-key"], { api });
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error: autolock is not enabled.*swarm cluster update --autolock=true/);
  const rotate = await run(["unlock-key", "--rotate"], { api });
  assert.equal(rotate.code, 1);
  assert.match(rotate.err, /^Error: Autolock is not enabled: there is no unlock key to rotate/);
});

Deno.test("the key is read once the answering manager has applied the change", async () => {
  const answers = [1n, 1n, 3n].map((index) => ({
    unlockKey: new Uint8Array(32).fill(Number(index)),
    version: { index },
  }));
  const api = {
    getUnlockKey: () => Promise.resolve(answers.shift()!),
  } as unknown as ControlApi;
  assert.deepEqual(await currentUnlockKey(api, 2n), new Uint8Array(32).fill(3));
  assert.equal(answers.length, 0);
});
