import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { ServiceSchema, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NameConflictError, SequenceConflictError } from "./errors.ts";
import type { StoreEvent } from "./memory_store.ts";
import { newTestStore } from "./testing.ts";

const service = (id: string, name: string) =>
  create(ServiceSchema, { id, spec: { annotations: { name } } });

Deno.test("a created object carries the Raft index as its version and the proposer's time", async () => {
  const store = newTestStore({ now: () => new Date(5_000) });
  await store.update((tx) => tx.create("service", service("s1", "web")));
  const s = store.get("service", "s1");
  assert.equal(s?.meta?.version?.index, 1n);
  assert.equal(s?.meta?.createdAt?.seconds, 5n);
  assert.equal(store.getByName("service", "WEB")?.id, "s1");
});

Deno.test("an update with a stale version is refused and changes nothing", async () => {
  const store = newTestStore();
  await store.update((tx) => tx.create("service", service("s1", "web")));
  const read = clone(ServiceSchema, store.get("service", "s1")!);
  const first = clone(ServiceSchema, read);
  first.spec!.annotations!.labels = { a: "1" };
  await store.update((tx) => tx.update("service", first));
  const stale = clone(ServiceSchema, read);
  stale.spec!.annotations!.labels = { b: "2" };
  await assert.rejects(store.update((tx) => tx.update("service", stale)), SequenceConflictError);
  assert.deepEqual(store.get("service", "s1")?.spec?.annotations?.labels, { a: "1" });
});

Deno.test("service names are unique case-insensitively, and a transaction applies all or nothing", async () => {
  const store = newTestStore();
  await store.update((tx) => tx.create("service", service("s1", "web")));
  await assert.rejects(
    store.update((tx) => {
      tx.create("service", service("s2", "api"));
      tx.create("service", service("s3", "Web"));
    }),
    NameConflictError,
  );
  assert.equal(store.get("service", "s2"), undefined);
  // Renaming frees the old name within the same transaction.
  const renamed = clone(ServiceSchema, store.get("service", "s1")!);
  renamed.spec!.annotations!.name = "web-old";
  await store.update((tx) => {
    tx.update("service", renamed);
    tx.create("service", service("s4", "web"));
  });
  assert.equal(store.getByName("service", "web")?.id, "s4");
});

Deno.test("tasks are indexed by service and node, and removal emits events", async () => {
  const store = newTestStore();
  const seen: StoreEvent[] = [];
  store.watch((events) => seen.push(...events));
  await store.update((tx) => {
    tx.create("task", create(TaskSchema, { id: "t1", serviceId: "s1", nodeId: "n1" }));
    tx.create("task", create(TaskSchema, { id: "t2", serviceId: "s1", nodeId: "n2" }));
  });
  assert.deepEqual(store.tasksOfService("s1").map((t) => t.id).sort(), ["t1", "t2"]);
  assert.deepEqual(store.tasksOfNode("n2").map((t) => t.id), ["t2"]);
  const moved = clone(TaskSchema, store.get("task", "t2")!);
  moved.nodeId = "n1";
  await store.update((tx) => tx.update("task", moved));
  assert.deepEqual(store.tasksOfNode("n2"), []);
  await store.update((tx) => tx.remove("task", store.get("task", "t1")!));
  assert.deepEqual(store.tasksOfService("s1").map((t) => t.id), ["t2"]);
  assert.deepEqual(seen.map((e) => `${e.action}:${e.object.id}`), [
    "create:t1",
    "create:t2",
    "update:t2",
    "remove:t1",
  ]);
});

Deno.test("a snapshot restores every object and index on another store", async () => {
  const a = newTestStore();
  await a.update((tx) => {
    tx.create("service", service("s1", "web"));
    tx.create("task", create(TaskSchema, { id: "t1", serviceId: "s1", nodeId: "n1" }));
  });
  const b = newTestStore();
  let reset = false;
  b.watch((_e, r) => reset = r);
  b.restore(a.snapshot(), a.appliedIndex);
  assert.ok(reset);
  assert.equal(b.getByName("service", "web")?.id, "s1");
  assert.deepEqual(b.tasksOfNode("n1").map((t) => t.id), ["t1"]);
  assert.equal(b.appliedIndex, 1n);
});

Deno.test("a malformed entry is skipped without stopping the store", () => {
  const store = newTestStore();
  store.apply(new Uint8Array([0xff, 0xff, 0xff]), 7n);
  assert.equal(store.appliedIndex, 7n);
});
