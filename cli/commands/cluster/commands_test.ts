import assert from "node:assert/strict";
import { FakeControlApi } from "../../fake_control_api.ts";
import { run } from "../../_run_client.ts";

Deno.test("cluster inspect prints the only cluster, keys redacted", async () => {
  const api = new FakeControlApi({ cluster: false });
  api.addCluster({
    id: "clusterxxxxxxxxxxxxxxxxxx",
    spec: { annotations: { name: "default" }, orchestration: { taskHistoryRetentionLimit: 5n } },
    rootCa: { caKey: new TextEncoder().encode("secret"), caCertHash: "abc" },
  });
  for (
    const argv of [["cluster", "inspect"], ["cluster", "inspect", "default"], [
      "cluster",
      "inspect",
      "clus",
    ]]
  ) {
    const r = await run(argv, { api });
    assert.equal(r.code, 0, r.err);
    const json = JSON.parse(r.out);
    assert.equal(json.id, "clusterxxxxxxxxxxxxxxxxxx");
    assert.equal(json.spec.orchestration.taskHistoryRetentionLimit, "5");
    assert.equal(json.rootCa.caKey, undefined);
    assert.equal(json.rootCa.caCertHash, "abc");
  }
  const missing = await run(["cluster", "inspect", "prod"], { api });
  assert.equal(missing.err, "Error: no such cluster: prod\n");
});

Deno.test("cluster ls lists clusters", async () => {
  const api = new FakeControlApi({ cluster: false });
  api.addCluster({ id: "c1", spec: { annotations: { name: "default" } } });
  assert.equal((await run(["cluster", "ls"], { api })).out, "ID   NAME\nc1   default\n");
  assert.equal((await run(["cluster", "ls", "-q"], { api })).out, "c1\n");
  assert.equal(
    JSON.parse((await run(["cluster", "ls", "--format", "json"], { api })).out)[0].id,
    "c1",
  );
});
