import assert from "node:assert/strict";
import { FakeControlApi } from "../fake_control_api.ts";
import { run } from "../_run_client.ts";
import { CLIENT_VERSION } from "../version.ts";

Deno.test("version shows the client and the manager", async () => {
  const api = new FakeControlApi({
    version: { version: "9.9.9", denoVersion: "2.0.0", nodeId: "n1" },
  });
  const r = await run(["version"], { api });
  assert.equal(r.code, 0);
  assert.equal(
    r.out,
    `Client:\n Version:      ${CLIENT_VERSION}\n Deno version: ${Deno.version.deno}\n\n` +
      "Server:\n Version:      9.9.9\n Deno version: 2.0.0\n Node ID:      n1\n",
  );
  const json = JSON.parse((await run(["version", "--format", "json"], { api })).out);
  assert.deepEqual(json.server, { version: "9.9.9", denoVersion: "2.0.0", nodeId: "n1" });
  assert.equal(json.client.version, CLIENT_VERSION);
});

Deno.test("version without a manager shows the client and says why", async () => {
  const api = new FakeControlApi();
  api.unreachable = true;
  const r = await run(["version"], { api });
  assert.equal(r.code, 0);
  assert.match(r.out, /^Client:\n/);
  assert.ok(!r.out.includes("Server:"));
  assert.match(
    r.err,
    /^Server: cannot reach the swarm manager at \.swarm\/swarm\.sock: is a node running\?/,
  );
  const json = JSON.parse((await run(["version", "--format", "json"], { api })).out);
  assert.equal(json.server, null);
});
