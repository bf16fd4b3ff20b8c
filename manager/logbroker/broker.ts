/**
 * The log broker's bookkeeping, without gRPC: which subscriptions exist, which nodes each was
 * sent to, what those nodes may publish, and when a subscriber's stream ends.
 *
 * - {@link LogBrokerCore.subscribe}: a client's subscription. Its tasks are looked up once (tasks
 *   that run or ran); each node hosting some of them is sent the subscription with exactly its
 *   own task IDs. Without `follow` the stream ends once every such node has published `close`;
 *   a node that is down, whose listener goes away, or that stays silent for `idleTimeoutMs` makes
 *   it end with an {@link IncompleteLogsError} after the lines that did arrive. With `follow` it
 *   ends when the subscriber cancels; a node that (re)connects is sent it again.
 * - {@link LogBrokerCore.listen}: a node's stream of subscriptions (one per node: a newer one
 *   replaces the older).
 * - {@link LogBrokerCore.publish}: accepted only for a subscription sent to the caller, and only
 *   with lines of tasks of that subscription on the caller; the broker fills in each line's
 *   service and node from its own records.
 * - {@link LogBrokerCore.deactivate} (leadership lost) ends every stream with UNAVAILABLE.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type LogMessage,
  LogMessageSchema,
  type LogSelector,
  type LogSubscriptionOptions,
  type SubscriptionMessage,
  SubscriptionMessageSchema,
} from "../../proto/gen/swarm/v1/logs_pb.ts";
import { AsyncQueue } from "../../proto/grpc_stream.ts";
import {
  GrpcStatusError,
  notFound,
  permissionDenied,
  Status,
  unavailable,
} from "../../proto/grpc_status.ts";

/** What the broker needs to know of a task. */
export interface LogTask {
  readonly id: string;
  readonly serviceId: string;
  /** "" while unassigned. */
  readonly nodeId: string;
}

export interface LogBrokerCoreOptions {
  /** The tasks a selector names: every task of its services, and its tasks. */
  tasks(selector: LogSelector): readonly LogTask[];
  /** Whether a node is known to be down (it will not answer). */
  nodeDown(nodeId: string): boolean;
  newId(): string;
  /** How long a subscription without `follow` waits for a node to publish. @default 10000 */
  readonly idleTimeoutMs?: number;
  /** Batches a subscriber may have queued before publishers wait. @default 256 */
  readonly maxQueued?: number;
}

/** A subscription without `follow` ended before every node had sent its logs. */
export class IncompleteLogsError extends GrpcStatusError {
  readonly nodeIds: readonly string[];
  constructor(nodeIds: readonly string[]) {
    super(
      Status.UNAVAILABLE,
      `Incomplete log stream: no logs (or not all) from node(s) ${nodeIds.join(", ")}: ` +
        "they are down, disconnected or too slow; run the command again once they are back",
    );
    this.nodeIds = nodeIds;
  }
}

interface Subscription {
  readonly id: string;
  readonly options: LogSubscriptionOptions;
  /** Node → the IDs of its tasks in this subscription. */
  readonly nodes: ReadonlyMap<string, ReadonlySet<string>>;
  readonly tasks: ReadonlyMap<string, LogTask>;
  /** Nodes it was sent to. */
  readonly sent: Set<string>;
  /** Nodes that have not published `close` yet (without `follow`). */
  readonly pending: Set<string>;
  /** Nodes that went away before publishing `close`. */
  readonly missing: Set<string>;
  readonly out: AsyncQueue<LogMessage[]>;
  idle: ReturnType<typeof setTimeout> | undefined;
}

export class LogBrokerCore {
  readonly #o: LogBrokerCoreOptions;
  readonly #subs = new Map<string, Subscription>();
  readonly #listeners = new Map<string, AsyncQueue<SubscriptionMessage>>();
  #active = false;

  constructor(options: LogBrokerCoreOptions) {
    this.#o = options;
  }

  get active(): boolean {
    return this.#active;
  }

  /** The number of live subscriptions. */
  get size(): number {
    return this.#subs.size;
  }

  /** Starts brokering (this manager became the leader). */
  activate(): void {
    this.#active = true;
  }

  /** Ends every subscription and listener with UNAVAILABLE (leadership lost, or stopping). */
  deactivate(): void {
    this.#active = false;
    const lost = unavailable(
      "This manager is no longer the Raft leader: run the command again, it will reach the new one",
    );
    for (const sub of [...this.#subs.values()]) this.#end(sub, lost);
    for (const q of this.#listeners.values()) q.fail(lost);
    this.#listeners.clear();
  }

  /** A client's subscription: batches of log lines until it ends (see the module doc). */
  subscribe(
    selector: LogSelector,
    options: LogSubscriptionOptions,
    signal: AbortSignal,
  ): AsyncIterable<LogMessage[]> {
    this.#checkActive();
    const tasks = new Map<string, LogTask>();
    const nodes = new Map<string, Set<string>>();
    for (const t of this.#o.tasks(selector)) {
      if (t.nodeId === "") continue;
      tasks.set(t.id, t);
      let ids = nodes.get(t.nodeId);
      if (!ids) nodes.set(t.nodeId, ids = new Set());
      ids.add(t.id);
    }
    const sub: Subscription = {
      id: this.#o.newId(),
      options,
      nodes,
      tasks,
      sent: new Set(),
      pending: new Set(options.follow ? [] : nodes.keys()),
      missing: new Set(),
      out: new AsyncQueue(),
      idle: undefined,
    };
    this.#subs.set(sub.id, sub);
    for (const nodeId of nodes.keys()) {
      if (!options.follow && this.#o.nodeDown(nodeId)) this.#gone(sub, nodeId);
      else this.#send(sub, nodeId);
    }
    this.#armIdle(sub);
    this.#checkDone(sub);
    const onAbort = () => this.#end(sub);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return sub.out;
  }

  /** A node's stream of subscriptions; ends when `signal` aborts or a newer one replaces it. */
  listen(nodeId: string, signal: AbortSignal): AsyncIterable<SubscriptionMessage> {
    this.#checkActive();
    const q = new AsyncQueue<SubscriptionMessage>();
    this.#listeners.get(nodeId)?.close();
    this.#listeners.set(nodeId, q);
    for (const sub of this.#subs.values()) {
      if (sub.nodes.has(nodeId) && (sub.options.follow || !sub.sent.has(nodeId))) {
        this.#send(sub, nodeId);
      }
    }
    const onAbort = () => {
      q.close();
      if (this.#listeners.get(nodeId) !== q) return;
      this.#listeners.delete(nodeId);
      for (const sub of [...this.#subs.values()]) {
        if (sub.pending.has(nodeId) && sub.sent.has(nodeId)) this.#gone(sub, nodeId);
      }
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    return q;
  }

  /**
   * One batch from `nodeId` for a subscription.
   * @throws {GrpcStatusError} NOT_FOUND for an unknown or ended subscription, PERMISSION_DENIED
   * for one not sent to this node or a line of a task not on it.
   */
  async publish(
    nodeId: string,
    subscriptionId: string,
    messages: readonly LogMessage[],
    close: boolean,
  ): Promise<void> {
    this.#checkActive();
    const sub = this.#subs.get(subscriptionId);
    if (!sub) {
      throw notFound(
        `Log subscription ${subscriptionId} is unknown or has ended: stop publishing for it`,
      );
    }
    const own = sub.nodes.get(nodeId);
    if (!own || !sub.sent.has(nodeId)) {
      throw permissionDenied(
        `Log subscription ${subscriptionId} was not sent to node ${nodeId}: it may not publish to it`,
      );
    }
    const out: LogMessage[] = [];
    for (const m of messages) {
      const taskId = m.context?.taskId ?? "";
      const task = sub.tasks.get(taskId);
      if (!task || !own.has(taskId)) {
        throw permissionDenied(
          `Task ${taskId || "(none)"} is not one of node ${nodeId}'s tasks in log subscription ` +
            `${subscriptionId}: a node publishes only the logs of its own subscribed tasks`,
        );
      }
      out.push(create(LogMessageSchema, {
        ...(m.timestamp ? { timestamp: m.timestamp } : {}),
        stream: m.stream,
        data: m.data,
        context: { serviceId: task.serviceId, nodeId, taskId },
      }));
    }
    if (sub.out.closed) return;
    if (out.length > 0) sub.out.push(out);
    if (!sub.options.follow) this.#armIdle(sub);
    if (close) {
      sub.pending.delete(nodeId);
      this.#checkDone(sub);
    }
    await sub.out.waitBelow(this.#o.maxQueued ?? 256);
  }

  #checkActive(): void {
    if (!this.#active) {
      throw unavailable("This manager is not the Raft leader: its logs broker is not running");
    }
  }

  #send(sub: Subscription, nodeId: string): void {
    const q = this.#listeners.get(nodeId);
    if (!q) return; // Sent when the node connects (or the subscription times out).
    sub.sent.add(nodeId);
    q.push(create(SubscriptionMessageSchema, {
      id: sub.id,
      selector: { taskIds: [...sub.nodes.get(nodeId)!] },
      options: sub.options,
    }));
  }

  #gone(sub: Subscription, nodeId: string): void {
    if (!sub.pending.delete(nodeId)) return;
    sub.missing.add(nodeId);
    this.#checkDone(sub);
  }

  #armIdle(sub: Subscription): void {
    if (sub.options.follow) return;
    clearTimeout(sub.idle);
    sub.idle = setTimeout(() => {
      for (const nodeId of [...sub.pending]) this.#gone(sub, nodeId);
    }, this.#o.idleTimeoutMs ?? 10_000);
  }

  #checkDone(sub: Subscription): void {
    if (sub.options.follow || sub.pending.size > 0) return;
    this.#end(sub, sub.missing.size > 0 ? new IncompleteLogsError([...sub.missing]) : undefined);
  }

  /** Ends a subscription: its stream (with `error`, if any), and tells its nodes to stop. */
  #end(sub: Subscription, error?: Error): void {
    if (this.#subs.get(sub.id) !== sub) return;
    this.#subs.delete(sub.id);
    clearTimeout(sub.idle);
    if (error) sub.out.fail(error);
    else sub.out.close();
    for (const nodeId of sub.sent) {
      const q = this.#listeners.get(nodeId);
      if (q && !q.closed) q.push(create(SubscriptionMessageSchema, { id: sub.id, close: true }));
    }
  }
}
