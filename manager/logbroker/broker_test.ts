import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type LogMessage,
  LogMessageSchema,
  LogSelectorSchema,
  LogSubscriptionOptionsSchema,
  type SubscriptionMessage,
} from "../../proto/gen/swarm/v1/logs_pb.ts";
import { isGrpcStatusError, Status } from "../../proto/grpc_status.ts";
import { IncompleteLogsError, LogBrokerCore, type LogTask } from "./broker.ts";

const TASKS: LogTask[] = [
  { id: "t1", serviceId: "web", nodeId: "n1" },
  { id: "t2", serviceId: "web", nodeId: "n2" },
  { id: "t3", serviceId: "db", nodeId: "n1" },
  { id: "t4", serviceId: "web", nodeId: "" },
];

function broker(o: { down?: string[]; idleTimeoutMs?: number } = {}) {
  let n = 0;
  const core = new LogBrokerCore({
    tasks: (s) =>
      TASKS.filter((t) => s.serviceIds.includes(t.serviceId) || s.taskIds.includes(t.id)),
    nodeDown: (id) => (o.down ?? []).includes(id),
    newId: () => `sub${++n}`,
    idleTimeoutMs: o.idleTimeoutMs ?? 5_000,
  });
  core.activate();
  return core;
}

const selector = (serviceIds: string[], taskIds: string[] = []) =>
  create(LogSelectorSchema, { serviceIds, taskIds });
const options = (follow = false) => create(LogSubscriptionOptionsSchema, { follow, tail: -1n });
const line = (taskId: string, data: string) =>
  create(LogMessageSchema, { context: { taskId }, data: new TextEncoder().encode(data) });

/** Reads what is queued on a listener without waiting for more. */
async function take(
  it: AsyncIterator<SubscriptionMessage>,
  n: number,
): Promise<SubscriptionMessage[]> {
  const out: SubscriptionMessage[] = [];
  for (let i = 0; i < n; i++) {
    const r = await it.next();
    if (r.done) break;
    out.push(r.value);
  }
  return out;
}

async function collect(stream: AsyncIterable<LogMessage[]>): Promise<LogMessage[]> {
  const out: LogMessage[] = [];
  for await (const batch of stream) out.push(...batch);
  return out;
}

const text = (m: LogMessage) => new TextDecoder().decode(m.data);

Deno.test("a subscription goes to each node with its own tasks, and ends when all close", async () => {
  const core = broker();
  const ac = new AbortController();
  const l1 = core.listen("n1", ac.signal)[Symbol.asyncIterator]();
  const l2 = core.listen("n2", ac.signal)[Symbol.asyncIterator]();
  const stream = core.subscribe(selector(["web"]), options(), ac.signal);
  const [s1] = await take(l1, 1);
  const [s2] = await take(l2, 1);
  assert.deepEqual(s1!.selector?.taskIds, ["t1"]);
  assert.deepEqual(s2!.selector?.taskIds, ["t2"]);
  const done = collect(stream);
  await core.publish("n1", s1!.id, [line("t1", "a")], true);
  await core.publish("n2", s2!.id, [line("t2", "b")], false);
  await core.publish("n2", s2!.id, [], true);
  const got = await done;
  assert.deepEqual(got.map(text), ["a", "b"]);
  assert.deepEqual(got.map((m) => [m.context?.serviceId, m.context?.nodeId]), [
    ["web", "n1"],
    ["web", "n2"],
  ]);
  assert.equal(core.size, 0);
  const closes = await take(l1, 1);
  assert.equal(closes[0]?.close, true);
  ac.abort();
});

Deno.test("publishing is refused for other nodes' subscriptions and tasks", async () => {
  const core = broker();
  const ac = new AbortController();
  const l1 = core.listen("n1", ac.signal)[Symbol.asyncIterator]();
  core.listen("n2", ac.signal);
  core.subscribe(selector(["web"]), options(true), ac.signal);
  const [s1] = await take(l1, 1);
  await assert.rejects(
    core.publish("n3", s1!.id, [], false),
    (e) => isGrpcStatusError(e, Status.PERMISSION_DENIED) && /not sent to node n3/.test(e.message),
  );
  await assert.rejects(
    core.publish("n1", s1!.id, [line("t2", "x")], false),
    (e) => isGrpcStatusError(e, Status.PERMISSION_DENIED) && /Task t2/.test(e.message),
  );
  await assert.rejects( // t3 runs on n1 but belongs to another service
    core.publish("n1", s1!.id, [line("t3", "x")], false),
    (e) => isGrpcStatusError(e, Status.PERMISSION_DENIED),
  );
  await assert.rejects(
    core.publish("n1", "nope", [], false),
    (e) => isGrpcStatusError(e, Status.NOT_FOUND),
  );
  ac.abort();
});

Deno.test("a node that is down or goes away makes the stream end incomplete", async () => {
  const core = broker({ down: ["n2"] });
  const ac = new AbortController();
  const l1 = core.listen("n1", ac.signal)[Symbol.asyncIterator]();
  const stream = core.subscribe(selector(["web"]), options(), ac.signal);
  const [s1] = await take(l1, 1);
  await core.publish("n1", s1!.id, [line("t1", "a")], true);
  const got: string[] = [];
  await assert.rejects(async () => {
    for await (const b of stream) got.push(...b.map(text));
  }, (e) => e instanceof IncompleteLogsError && e.nodeIds.join() === "n2");
  assert.deepEqual(got, ["a"]);

  const listener = new AbortController();
  const l1b = core.listen("n1", listener.signal)[Symbol.asyncIterator]();
  const second = core.subscribe(selector([], ["t1"]), options(), ac.signal);
  await take(l1b, 1);
  listener.abort();
  await assert.rejects(collect(second), IncompleteLogsError);
  ac.abort();
});

Deno.test("a silent node times out; a late node still gets the subscription", async () => {
  const core = broker({ idleTimeoutMs: 50 });
  const ac = new AbortController();
  const stream = core.subscribe(selector([], ["t1"]), options(), ac.signal);
  const late = core.listen("n1", ac.signal)[Symbol.asyncIterator]();
  const [s] = await take(late, 1);
  assert.equal(s?.selector?.taskIds[0], "t1");
  await assert.rejects(collect(stream), IncompleteLogsError);
  ac.abort();
});

Deno.test("follow: ends only when the subscriber cancels; reconnecting nodes get it again", async () => {
  const core = broker();
  const client = new AbortController();
  const nodes = new AbortController();
  const stream = core.subscribe(selector(["web"]), options(true), client.signal);
  const l1 = core.listen("n1", nodes.signal)[Symbol.asyncIterator]();
  const [s] = await take(l1, 1);
  const it = stream[Symbol.asyncIterator]();
  await core.publish("n1", s!.id, [line("t1", "x")], true);
  assert.deepEqual((await it.next()).value?.map(text), ["x"]);
  const again = core.listen("n1", nodes.signal)[Symbol.asyncIterator]();
  assert.equal((await take(again, 1))[0]?.id, s!.id);
  client.abort();
  assert.equal((await it.next()).done, true);
  assert.equal((await take(again, 1))[0]?.close, true);
  assert.equal(core.size, 0);
  nodes.abort();
});

Deno.test("losing leadership ends every stream with UNAVAILABLE", async () => {
  const core = broker();
  const ac = new AbortController();
  const listener = core.listen("n1", ac.signal);
  const stream = core.subscribe(selector(["web"]), options(true), ac.signal);
  core.deactivate();
  await assert.rejects(collect(stream), (e) => isGrpcStatusError(e, Status.UNAVAILABLE));
  await assert.rejects(async () => {
    for await (const _ of listener) { /* drain */ }
  }, (e) => isGrpcStatusError(e, Status.UNAVAILABLE));
  assert.throws(
    () => core.subscribe(selector(["web"]), options(), ac.signal),
    (e) => isGrpcStatusError(e, Status.UNAVAILABLE),
  );
  ac.abort();
});
