import assert from "node:assert/strict";
import type { UpdateClusterRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { durationMs } from "../../../manager/duration.ts";
import { FakeControlApi } from "../../fake_control_api.ts";
import { assertUsageError, run } from "../../_run_client.ts";

const cluster = (api: FakeControlApi) => [...api.clusters.values()][0]!;
const sent = (api: FakeControlApi) =>
  api.mutatingCalls().map((c) => c.request as UpdateClusterRequest);

Deno.test("cluster update --cert-expiry takes hours, durations and days; at least 1h", async () => {
  for (
    const [value, ms] of [
      ["2160h", 2160 * 3_600_000],
      ["90d", 90 * 24 * 3_600_000],
      ["1h", 3_600_000],
      ["1h30m", 5_400_000],
    ] as const
  ) {
    const api = new FakeControlApi();
    const r = await run(["cluster", "update", "--cert-expiry", value], { api });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "Swarm updated.\n");
    assert.equal(durationMs(cluster(api).spec!.caConfig!.nodeCertExpiry!), ms, value);
    // The rest of the spec is sent back as it was.
    assert.equal(sent(api)[0]?.spec?.annotations?.name, "default");
  }
  assertUsageError(
    await run(["cluster", "update", "--cert-expiry", "30m"]),
    'invalid value "30m" for --cert-expiry: node certificates must be valid at least 1h (e.g. 2160h or 90d)',
  );
  assertUsageError(
    await run(["cluster", "update", "--cert-expiry", "soon"]),
    /^Error: invalid value "soon" for --cert-expiry: use a duration/,
  );
  assertUsageError(
    await run(["cluster", "update"]),
    "nothing to update: give --cert-expiry DURATION or --autolock=true|false",
  );
});

Deno.test("cluster update --autolock=true prints the new key once; false removes it", async () => {
  const api = new FakeControlApi();
  const on = await run(["cluster", "update", "--autolock=true"], { api });
  assert.equal(on.code, 0, on.err);
  const key = /SWMKEY-1-[A-Za-z0-9+/]{43}/.exec(on.out)?.[0];
  assert.ok(key, on.out);
  assert.match(on.out, /^Swarm updated\.\nAutolock is on/);
  assert.match(on.out, /Store it safely/);
  assert.equal(cluster(api).spec?.encryptionConfig?.autoLockManagers, true);
  assert.equal(cluster(api).unlockKeys.length, 1);

  // Already on: the same key, not printed again.
  const again = await run(["cluster", "update", "--autolock", "true"], { api });
  assert.equal(again.out, "Swarm updated.\n");
  assert.equal((await run(["unlock-key", "-q"], { api })).out, `${key}\n`);

  const off = await run(["cluster", "update", "--autolock=false"], { api });
  assert.equal(off.out, "Swarm updated.\n");
  assert.equal(cluster(api).spec?.encryptionConfig?.autoLockManagers, false);
  assert.deepEqual(cluster(api).unlockKeys, []);

  assertUsageError(
    await run(["cluster", "update", "--autolock=yes"], { api: new FakeControlApi() }),
    /^Error: invalid value "yes" for --autolock/,
  );
});
