/**
 * The agent's side of the log broker: while its session is open the agent listens for log
 * subscriptions (`LogBroker.ListenSubscriptions`; reopened after a pause when it breaks) and, for
 * each, reads the logs of the named tasks from its executor and publishes them in batches (up to
 * `batchLines` lines, or whatever `batchMs` gathered) with unary `PublishLogs` calls. Without
 * `follow` it ends with a `close` batch once every task's logs were read; with `follow` it goes on
 * until the broker closes the subscription.
 *
 * @module
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import {
  type ListenSubscriptionsRequestSchema,
  type LogMessage,
  LogMessageSchema,
  LogStream,
  type PublishLogsRequestSchema,
  type PublishLogsResponse,
  type SubscriptionMessage,
} from "../proto/gen/swarm/v1/logs_pb.ts";
import type { CallOptions } from "../proto/grpc_client.ts";
import { errorMessage, type Executor } from "./executor.ts";

/** The log broker calls the agent makes: a `Client<typeof LogBroker>` or a fake in tests. */
export interface AgentLogBroker {
  listenSubscriptions(
    req: MessageInitShape<typeof ListenSubscriptionsRequestSchema>,
    options?: CallOptions,
  ): AsyncIterable<SubscriptionMessage>;
  publishLogs(
    req: MessageInitShape<typeof PublishLogsRequestSchema>,
    options?: CallOptions,
  ): Promise<PublishLogsResponse>;
}

export interface LogPublisherOptions {
  readonly broker: AgentLogBroker;
  readonly executor: Executor;
  /** Ends listening and every subscription (the session ended). */
  readonly signal: AbortSignal;
  /** @default 100 */
  readonly batchLines?: number;
  /** @default 100 */
  readonly batchMs?: number;
  /** Pause before listening again after the stream broke. @default 1000 */
  readonly retryMs?: number;
  readonly log?: (message: string) => void;
}

const RPC_TIMEOUT_MS = 5_000;

/** Listens for subscriptions and publishes logs until `signal` aborts; never throws. */
export async function serveLogSubscriptions(o: LogPublisherOptions): Promise<void> {
  while (!o.signal.aborted) {
    const subs = new Map<string, AbortController>();
    try {
      for await (const m of o.broker.listenSubscriptions({}, { signal: o.signal })) {
        if (m.close) {
          subs.get(m.id)?.abort();
          subs.delete(m.id);
          continue;
        }
        if (subs.has(m.id)) continue;
        const ac = new AbortController();
        subs.set(m.id, ac);
        publishSubscription(o, m, AbortSignal.any([o.signal, ac.signal]))
          .catch((e) => {
            if (!o.signal.aborted) {
              o.log?.(`agent: logs of subscription ${m.id}: ${errorMessage(e)}`);
            }
          })
          .finally(() => subs.get(m.id) === ac && subs.delete(m.id));
      }
    } catch (e) {
      if (!o.signal.aborted) {
        o.log?.(`agent: log subscriptions: ${errorMessage(e)}; listening again`);
      }
    } finally {
      for (const ac of subs.values()) ac.abort();
    }
    await sleep(o.retryMs ?? 1_000, o.signal);
  }
}

/** Reads and publishes the logs of one subscription. */
async function publishSubscription(
  o: LogPublisherOptions,
  sub: SubscriptionMessage,
  signal: AbortSignal,
): Promise<void> {
  const follow = sub.options?.follow ?? false;
  const tail = sub.options?.tail ?? -1n;
  const batch: LogMessage[] = [];
  let sending: Promise<void> = Promise.resolve();
  const send = (close: boolean): Promise<void> => {
    sending = sending.then(async () => {
      const messages = batch.splice(0);
      if (messages.length === 0 && !close) return;
      await o.broker.publishLogs({ subscriptionId: sub.id, messages, close }, {
        timeoutMs: RPC_TIMEOUT_MS,
        signal,
      });
    });
    return sending;
  };
  const timer = setInterval(() => {
    if (batch.length > 0) send(false).catch(() => {});
  }, o.batchMs ?? 100);
  try {
    await Promise.all((sub.selector?.taskIds ?? []).map(async (taskId) => {
      const lines = o.executor.logs?.(taskId, {
        follow,
        signal,
        ...(tail >= 0n ? { tail: Number(tail) } : {}),
      });
      for await (const line of lines ?? []) {
        batch.push(create(LogMessageSchema, {
          context: { taskId },
          timestamp: timestampFromMs(line.timestamp),
          stream: line.stream === "stderr" ? LogStream.STDERR : LogStream.STDOUT,
          data: new TextEncoder().encode(line.data),
        }));
        if (batch.length >= (o.batchLines ?? 100)) await send(false);
        if (signal.aborted) return;
      }
    }));
    if (!signal.aborted) await send(!follow);
  } finally {
    clearInterval(timer);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
}
