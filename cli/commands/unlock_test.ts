import assert from "node:assert/strict";
import { formatUnlockKey } from "../../pki/mod.ts";
import { FakeControlApi } from "../fake_control_api.ts";
import { assertUsageError, run } from "../_run_client.ts";
import { LOCKED_MESSAGE, WRONG_KEY_MESSAGE } from "../locked_node.ts";

const KEY = new Uint8Array(32).fill(5);
const WRONG = new Uint8Array(32).fill(6);

function lockedApi(): FakeControlApi {
  const api = new FakeControlApi();
  api.locked = KEY;
  return api;
}

Deno.test("a locked manager refuses other commands with a clear message", async () => {
  const r = await run(["node", "ls"], { api: lockedApi() });
  assert.equal(r.code, 1);
  assert.equal(r.err, `Error: ${LOCKED_MESSAGE}\n`);
  assert.match(r.err, /locked.*swarm unlock/);
});

Deno.test("unlock reads the key on stdin: a wrong key is refused, the right one unlocks", async () => {
  const api = lockedApi();
  const wrong = await run(["unlock"], { api, stdin: `${formatUnlockKey(WRONG)}\n` });
  assert.equal(wrong.code, 1);
  assert.equal(wrong.err, `Error: ${WRONG_KEY_MESSAGE}\n`);
  assert.ok(api.locked !== undefined, "still locked");

  const right = await run(["unlock"], { api, stdin: `  ${formatUnlockKey(KEY)}\n` });
  assert.equal(right.code, 0, right.err);
  assert.equal(right.out, "");
  assert.equal(api.locked, undefined);
  assert.equal((await run(["node", "ls", "-q"], { api })).code, 0);

  const again = await run(["unlock"], { api, stdin: formatUnlockKey(KEY) });
  assert.equal(again.code, 1);
  assert.match(again.err, /^Error: This node is not locked/);
});

Deno.test("unlock refuses a malformed or missing key before sending it", async () => {
  const api = lockedApi();
  const malformed = await run(["unlock"], { api, stdin: "SWMTKN-1-abc\n" });
  assert.equal(malformed.code, 1);
  assert.match(malformed.err, /^Error: Malformed unlock key: it does not start with "SWMKEY-1-"/);
  const empty = await run(["unlock"], { api, stdin: "\n" });
  assert.equal(empty.code, 1);
  assert.match(empty.err, /^Error: no unlock key on standard input/);
  assert.deepEqual(api.calls.filter((c) => c.method === "unlock"), []);
});

Deno.test("unlock works on the control socket only", async () => {
  assertUsageError(
    await run([
      "unlock",
      "--host",
      "10.0.0.1:4242",
      "--tls-cert",
      "c",
      "--tls-key",
      "k",
      "--tls-ca",
      "a",
    ], {
      stdin: formatUnlockKey(KEY),
    }),
    /^Error: swarm unlock talks to the locked manager's control socket/,
  );
});
