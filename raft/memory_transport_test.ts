import assert from "node:assert/strict";
import { MemoryNetwork } from "./memory_transport.ts";
import type { Message } from "./types.ts";

function msg(from: string, to: string, index = 0): Message {
  return {
    type: "heartbeat",
    from,
    to,
    term: 1,
    logTerm: 0,
    index,
    entries: [],
    commit: 0,
    reject: false,
    rejectHint: 0,
    context: new Uint8Array(),
  };
}

function setup(ids: string[]) {
  const net = new MemoryNetwork();
  const got = new Map<string, Message[]>(ids.map((id) => [id, []]));
  const transports = new Map(
    ids.map((id) => [id, net.connect(id, { receive: (m) => got.get(id)!.push(m) })]),
  );
  const flush = () => new Promise((r) => setTimeout(r, 0));
  return { net, got, t: (id: string) => transports.get(id)!, flush };
}

Deno.test("messages arrive asynchronously and in order", async () => {
  const { net, got, t, flush } = setup(["a", "b"]);
  t("a").send([msg("a", "b", 1), msg("a", "b", 2)]);
  t("a").send([msg("a", "b", 3)]);
  assert.equal(got.get("b")!.length, 0, "not delivered synchronously");
  assert.equal(net.inFlight, 3);
  await flush();
  assert.deepEqual(got.get("b")!.map((m) => m.index), [1, 2, 3]);
  assert.deepEqual(net.stats, { delivered: 3, dropped: 0 });
});

Deno.test("partitions, isolation, cuts and heal", async () => {
  const { net, got, t, flush } = setup(["a", "b", "c"]);
  net.partition(["a"], ["b", "c"]);
  t("a").send([msg("a", "b"), msg("a", "c")]);
  t("b").send([msg("b", "c"), msg("b", "a")]);
  await flush();
  assert.equal(got.get("a")!.length, 0);
  assert.equal(got.get("b")!.length, 0);
  assert.equal(got.get("c")!.length, 1);
  net.heal();
  net.cut("a", "b");
  t("a").send([msg("a", "b"), msg("a", "c")]);
  t("b").send([msg("b", "a")]);
  await flush();
  assert.equal(got.get("b")!.length, 0, "a→b is cut");
  assert.equal(got.get("a")!.length, 1, "b→a is not");
  net.heal();
  net.isolate("c");
  t("a").send([msg("a", "c")]);
  t("c").send([msg("c", "b")]);
  await flush();
  assert.equal(got.get("c")!.length, 2, "only the message sent before isolation");
  assert.equal(got.get("b")!.length, 0);
});

Deno.test("a partition also stops messages already in flight", async () => {
  const { net, got, t, flush } = setup(["a", "b"]);
  t("a").send([msg("a", "b")]);
  net.isolate("b");
  await flush();
  assert.equal(got.get("b")!.length, 0);
  assert.equal(net.stats.dropped, 1);
});

Deno.test("a drop filter and a disconnected member lose messages", async () => {
  const { net, got, t, flush } = setup(["a", "b", "c"]);
  net.setDropFilter((m) => m.index % 2 === 1);
  t("a").send([1, 2, 3, 4].map((i) => msg("a", "b", i)));
  net.disconnect("c");
  t("a").send([msg("a", "c")]);
  await flush();
  assert.deepEqual(got.get("b")!.map((m) => m.index), [2, 4]);
  assert.equal(got.get("c")!.length, 0);
  net.setDropFilter(undefined);
  assert.throws(() => t("a").send([msg("b", "a")]), TypeError);
});
