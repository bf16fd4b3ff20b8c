import assert from "node:assert/strict";
import { FakeControlApi } from "./fake_control_api.ts";
import {
  resolveCluster,
  resolveConfig,
  ResolveError,
  resolveNode,
  resolveRef,
  resolveSecret,
  resolveService,
  resolveServices,
  resolveTask,
} from "./resolve.ts";

interface Item {
  id: string;
  name: string;
}
const items: Item[] = [
  { id: "abc111", name: "web" },
  { id: "abc222", name: "Web2" },
  { id: "def333", name: "abc111x" },
  { id: "web", name: "other" },
];
const identify = (i: Item) => ({ id: i.id, names: [i.name] });
const resolve = (ref: string) => resolveRef("service", ref, items, identify).id;

function fails(fn: () => unknown, reason: "not-found" | "ambiguous", message: string | RegExp) {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof ResolveError, String(err));
    assert.equal(err.reason, reason);
    if (typeof message === "string") assert.equal(err.message, message);
    else assert.match(err.message, message);
    return true;
  });
}

Deno.test("resolveRef prefers an exact ID over a name", () => {
  assert.equal(resolve("abc111"), "abc111");
  // "web" is both an ID and a name: the ID wins.
  assert.equal(resolve("web"), "web");
});

Deno.test("resolveRef matches names case-insensitively, exact case first", () => {
  assert.equal(resolve("web2"), "abc222");
  assert.equal(resolve("WEB2"), "abc222");
  assert.equal(resolve("other"), "web");
  const twins = [{ id: "1", name: "Web" }, { id: "2", name: "web" }];
  assert.equal(resolveRef("service", "web", twins, identify).id, "2");
  fails(
    () => resolveRef("service", "WEB", twins, identify),
    "ambiguous",
    'ambiguous service name "WEB": 2 services have it (1, 2); use the ID instead',
  );
});

Deno.test("resolveRef falls back to a unique ID prefix", () => {
  assert.equal(resolve("abc2"), "abc222");
  assert.equal(resolve("d"), "def333");
  assert.equal(resolve("ABC2"), "abc222");
});

Deno.test("resolveRef lists candidates of an ambiguous prefix", () => {
  fails(
    () => resolve("abc"),
    "ambiguous",
    'ambiguous service ID prefix "abc": it matches 2 services: abc111 (web), abc222 (Web2); give more of the ID',
  );
  try {
    resolve("abc");
  } catch (err) {
    assert.deepEqual((err as ResolveError).candidates, ["abc111", "abc222"]);
  }
});

Deno.test("resolveRef reports what is not found", () => {
  fails(() => resolve("nope"), "not-found", "no such service: nope");
  fails(() => resolve(""), "not-found", 'no such service: ""');
  fails(() => resolveRef("node", "x", [], identify), "not-found", "no such node: x");
});

Deno.test("resolveRef reports duplicate node hostnames as ambiguous", () => {
  const nodes = [{ id: "n1", name: "host" }, { id: "n2", name: "host" }];
  fails(
    () => resolveRef("node", "host", nodes, identify),
    "ambiguous",
    /2 nodes have it \(n1, n2\)/,
  );
});

Deno.test("API resolvers list once and resolve every kind", async () => {
  const api = new FakeControlApi();
  const web = api.addService({ id: "svc1", spec: { annotations: { name: "web" } } });
  api.addService({ id: "svc2", spec: { annotations: { name: "api" } } });
  const node = api.addNode({ id: "node1", description: { hostname: "worker-1" } });
  const named = api.addNode({ id: "node2", spec: { annotations: { name: "edge" } } });
  const task = api.addTask({ id: "task1", annotations: { name: "web.1" } });
  const secret = api.addSecret({ id: "sec1", spec: { annotations: { name: "db" } } });
  const config = api.addConfig({ id: "cfg1", spec: { annotations: { name: "app" } } });

  assert.equal((await resolveService(api, "WEB")).id, web.id);
  assert.deepEqual((await resolveServices(api, ["svc2", "web"])).map((s) => s.id), [
    "svc2",
    "svc1",
  ]);
  assert.equal(api.calls.filter((c) => c.method === "listServices").length, 2);
  assert.equal((await resolveNode(api, "worker-1")).id, node.id);
  assert.equal((await resolveNode(api, "edge")).id, named.id);
  assert.equal((await resolveTask(api, "web.1")).id, task.id);
  assert.equal((await resolveTask(api, "task")).id, task.id);
  assert.equal((await resolveSecret(api, "db")).id, secret.id);
  assert.equal((await resolveConfig(api, "cfg")).id, config.id);
  assert.equal((await resolveCluster(api)).spec?.annotations?.name, "default");
  assert.equal((await resolveCluster(api, "default")).spec?.annotations?.name, "default");
  await assert.rejects(() => resolveService(api, "nope"), /no such service: nope/);
  await assert.rejects(() => resolveNode(api, "node"), /ambiguous node ID prefix "node"/);
});

Deno.test("resolveCluster without a name needs exactly one cluster", async () => {
  await assert.rejects(
    () => resolveCluster(new FakeControlApi({ cluster: false })),
    /no cluster found/,
  );
  const api = new FakeControlApi();
  api.addCluster({ spec: { annotations: { name: "other" } } });
  await assert.rejects(() => resolveCluster(api), /there are 2 clusters/);
});
