import assert from "node:assert/strict";
import { FakeControlApi } from "../../fake_control_api.ts";
import { fixture, secondsAgo } from "../../_fixture.ts";
import { assertUsageError, NOW, run } from "../../_run_client.ts";

const decode = (b: Uint8Array | undefined) => new TextDecoder().decode(b);

Deno.test("secret create reads a file, stdin or --file and prints the ID", async () => {
  const api = new FakeControlApi({ now: () => NOW });
  const files = { "/pw.txt": "hunter2" };
  let r = await run(["secret", "create", "db", "/pw.txt", "--label", "env=prod"], { api, files });
  assert.equal(r.code, 0, r.err);
  const db = [...api.secrets.values()].find((s) => s.spec?.annotations?.name === "db")!;
  assert.equal(r.out, `${db.id}\n`);
  assert.equal(decode(db.spec?.data), "hunter2");
  assert.deepEqual(db.spec?.annotations?.labels, { env: "prod" });

  r = await run(["secret", "create", "token"], { api, stdin: "abc" });
  assert.equal(r.code, 0, r.err);
  r = await run(["secret", "create", "key", "-"], { api, stdin: "xyz" });
  assert.equal(r.code, 0, r.err);
  r = await run(["secret", "create", "-f", "/pw.txt", "pw"], { api, files });
  assert.equal(r.code, 0, r.err);
  const names = [...api.secrets.values()].map((s) => s.spec?.annotations?.name).sort();
  assert.deepEqual(names, ["db", "key", "pw", "token"]);
});

Deno.test("secret create --format json never shows the data", async () => {
  const r = await run(["secret", "create", "db", "--format", "json"], { stdin: "pw" });
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.equal(json.spec.annotations.name, "db");
  assert.equal(json.spec.data, undefined);
});

Deno.test("secret create rejects bad input before sending anything", async () => {
  const cases: [string[], Record<string, string | undefined>, string | RegExp][] = [
    [[], {}, /needs at least NAME/],
    [["bad/name"], { stdin: "x" }, /invalid secret name "bad\/name"/],
    [
      ["db"],
      { stdin: "" },
      "invalid secret data of 0 bytes: it must be at least 1 byte and less than 500 KiB (512000 bytes)",
    ],
    [["db"], {}, "no data: give a FILE, or pipe the data on standard input"],
    [["db", "a", "b"], {}, /too many arguments/],
    [["db", "/a", "-f", "/b"], {}, "give the file either as an argument or with --file, not both"],
    [["db", "--label", "=x"], { stdin: "x" }, /non-empty key/],
  ];
  for (const [args, opts, message] of cases) {
    const r = await run(
      ["secret", "create", ...args],
      opts.stdin === undefined ? {} : { stdin: opts.stdin },
    );
    assertUsageError(r, message);
  }
  const big = await run(["secret", "create", "db"], { stdin: "x".repeat(500 * 1024) });
  assertUsageError(big, /less than 500 KiB/);
});

Deno.test("secret create reports an unreadable file and a name conflict", async () => {
  const r = await run(["secret", "create", "db", "/missing"]);
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: cannot read /missing: No such file or directory: /missing\n");
  assert.deepEqual(r.api.mutatingCalls(), []);
  const api = new FakeControlApi();
  api.addSecret({ spec: { annotations: { name: "db" } } });
  const dup = await run(["secret", "create", "DB"], { api, stdin: "x" });
  assert.equal(dup.code, 1);
  assert.match(dup.err, /^Error: secret DB already exists/);
});

Deno.test("secret ls, inspect and rm", async () => {
  const api = new FakeControlApi({ now: () => NOW });
  api.addSecret({
    id: "sec1xxxxxxxxxxxxxxxxxxxxx",
    meta: { createdAt: secondsAgo(7200), updatedAt: secondsAgo(60) },
    spec: { annotations: { name: "db" }, data: new TextEncoder().encode("pw") },
  });
  const ls = await run(["secret", "ls"], { api });
  assert.equal(
    ls.out,
    "ID                          NAME   CREATED       UPDATED\n" +
      "sec1xxxxxxxxxxxxxxxxxxxxx   db     2 hours ago   About a minute ago\n",
  );
  assert.equal((await run(["secret", "ls", "-q"], { api })).out, "sec1xxxxxxxxxxxxxxxxxxxxx\n");
  const json = JSON.parse((await run(["secret", "ls", "--format", "json"], { api })).out);
  assert.equal(json[0].spec.data, undefined);
  const inspect = JSON.parse((await run(["secret", "inspect", "db"], { api })).out);
  assert.equal(inspect.id, "sec1xxxxxxxxxxxxxxxxxxxxx");
  assert.equal(inspect.spec.data, undefined);
  const rm = await run(["secret", "rm", "db", "nope"], { api });
  assert.equal(rm.code, 1);
  assert.equal(rm.out, "db\n");
  assert.equal(rm.err, "Error: no such secret: nope\n");
  assert.equal(api.secrets.size, 0);
});

Deno.test("secret rm refuses a secret in use", async () => {
  const api = fixture();
  api.addSecret({ id: "sec1", spec: { annotations: { name: "db" } } });
  await run(["service", "update", "web", "--secret", "db"], { api });
  const r = await run(["secret", "remove", "db"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: secret 'db' is in use by the following service: web\n");
});

Deno.test("config create, ls, inspect (with data) and rm", async () => {
  const api = new FakeControlApi({ now: () => NOW });
  const r = await run(["config", "create", "app.yaml", "/app.yaml"], {
    api,
    files: { "/app.yaml": "port: 80\n" },
  });
  assert.equal(r.code, 0, r.err);
  const ls = await run(["config", "ls"], { api });
  assert.match(
    ls.out,
    /^ID +NAME +CREATED +UPDATED\n\S+ +app\.yaml +Less than a second ago +Less than a second ago\n$/,
  );
  const inspect = JSON.parse((await run(["config", "inspect", "app.yaml"], { api })).out);
  assert.equal(atob(inspect.spec.data), "port: 80\n");
  assertUsageError(
    await run(["config", "create", ".bad"], { stdin: "x" }),
    /invalid config name "\.bad"/,
  );
  assert.equal((await run(["config", "rm", "app.yaml"], { api })).code, 0);
  assert.equal(api.configs.size, 0);
});
