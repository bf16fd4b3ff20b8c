/**
 * The agent's log publishing against a scripted broker and the fake executor.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  LogStream,
  type PublishLogsRequest,
  PublishLogsRequestSchema,
  PublishLogsResponseSchema,
  type SubscriptionMessage,
  SubscriptionMessageSchema,
} from "../proto/gen/swarm/v1/logs_pb.ts";
import { AsyncQueue } from "../proto/grpc_stream.ts";
import { FakeExecutor } from "./fake_executor.ts";
import { type AgentLogBroker, serveLogSubscriptions } from "./log_publisher.ts";
import type { TaskRuntime } from "./types.ts";

class ScriptedBroker implements AgentLogBroker {
  readonly subs = new AsyncQueue<SubscriptionMessage>();
  readonly published: PublishLogsRequest[] = [];
  #wake: (() => void) | undefined;

  listenSubscriptions(_req: unknown, options?: { signal?: AbortSignal }) {
    options?.signal?.addEventListener("abort", () => this.subs.close(), { once: true });
    return this.subs;
  }

  publishLogs(req: Parameters<AgentLogBroker["publishLogs"]>[0]) {
    this.published.push(create(PublishLogsRequestSchema, req));
    this.#wake?.();
    return Promise.resolve(create(PublishLogsResponseSchema));
  }

  /** Waits until `check` holds on what was published. */
  async until(check: (p: PublishLogsRequest[]) => boolean): Promise<void> {
    while (!check(this.published)) await new Promise<void>((r) => this.#wake = r);
  }
}

function task(taskId: string, ...args: string[]): TaskRuntime {
  return {
    taskId,
    name: `svc.1.${taskId}`,
    serviceId: "svc",
    slot: 1,
    command: "fake",
    args,
    env: {},
  };
}

const text = (p: PublishLogsRequest[]) =>
  p.flatMap((r) =>
    r.messages.map((m) =>
      `${m.context?.taskId}:${m.stream === LogStream.STDERR ? "err" : "out"}:${
        new TextDecoder().decode(m.data)
      }`
    )
  );

Deno.test("the agent publishes a task's logs for a subscription, then close", async () => {
  const executor = new FakeExecutor();
  await executor.controller(task("t1", "stdout=hello", "stderr=oops", "forever")).start();
  const broker = new ScriptedBroker();
  const ac = new AbortController();
  const served = serveLogSubscriptions({ broker, executor, signal: ac.signal });
  broker.subs.push(create(SubscriptionMessageSchema, {
    id: "s1",
    selector: { taskIds: ["t1", "unknown"] },
    options: { follow: false, tail: -1n },
  }));
  await broker.until((p) => p.some((r) => r.close));
  assert.deepEqual(text(broker.published), ["t1:out:hello", "t1:err:oops"]);
  assert.ok(broker.published.every((r) => r.subscriptionId === "s1"));
  ac.abort();
  await served;
  await executor.controller(task("t1")).terminate();
});

Deno.test("follow publishes new lines until the broker closes the subscription", async () => {
  const executor = new FakeExecutor();
  const ctl = executor.controller(task("t2", "stdout=first", "forever"));
  await ctl.start();
  const broker = new ScriptedBroker();
  const ac = new AbortController();
  const served = serveLogSubscriptions({ broker, executor, signal: ac.signal, batchMs: 5 });
  broker.subs.push(create(SubscriptionMessageSchema, {
    id: "s2",
    selector: { taskIds: ["t2"] },
    options: { follow: true, tail: -1n },
  }));
  await broker.until((p) => p.length > 0);
  assert.deepEqual(text(broker.published), ["t2:out:first"]);
  broker.subs.push(create(SubscriptionMessageSchema, { id: "s2", close: true }));
  ac.abort();
  await served;
  assert.ok(broker.published.every((r) => !r.close));
  await ctl.terminate();
});
