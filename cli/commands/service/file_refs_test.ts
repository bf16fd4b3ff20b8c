import assert from "node:assert/strict";
import { FakeControlApi } from "../../fake_control_api.ts";
import { UsageError } from "../../usage_error.ts";
import { configReferences, parseFileRef, secretReferences } from "./file_refs.ts";

const src = { flag: "secret", command: "swarm service create" };

Deno.test("parseFileRef reads a bare name or fields", () => {
  assert.deepEqual(parseFileRef(src, "db"), {
    source: "db",
    target: "db",
    mode: 0o444,
    uid: "0",
    gid: "0",
  });
  assert.deepEqual(parseFileRef(src, "src=db,target=x/y,mode=400,uid=1000,gid=1000"), {
    source: "db",
    target: "x/y",
    mode: 0o400,
    uid: "1000",
    gid: "1000",
  });
  for (
    const bad of [
      "",
      "a,b",
      "target=x",
      "source=a,mode=8",
      "source=a,mode",
      "source=a,foo=b",
      "source=a,mode=0000",
      "source=a,uid=root",
      "source=a,gid=-1",
    ]
  ) {
    assert.throws(() => parseFileRef(src, bad), UsageError, bad);
  }
});

Deno.test("secretReferences and configReferences resolve names", async () => {
  const api = new FakeControlApi();
  api.addSecret({ id: "s1", spec: { annotations: { name: "db" } } });
  api.addConfig({ id: "c1", spec: { annotations: { name: "app" } } });
  const [s] = await secretReferences(api, [parseFileRef(src, "DB")]);
  assert.equal(s?.secretId, "s1");
  assert.equal(s?.secretName, "db");
  assert.equal(s?.file?.name, "DB");
  const [c] = await configReferences(api, [parseFileRef(src, "source=app,target=app.yml")]);
  assert.equal(c?.configId, "c1");
  assert.equal(c?.file?.name, "app.yml");
  await assert.rejects(
    () => secretReferences(api, [parseFileRef(src, "nope")]),
    /no such secret: nope/,
  );
});
