/**
 * The log broker's gRPC face on the leader: `Logs.SubscribeLogs` for clients and
 * `LogBroker.ListenSubscriptions` / `LogBroker.PublishLogs` for nodes, over a
 * {@link LogBrokerCore} fed from the store. Nodes are identified by their certificate (through
 * `auth.ts`; a follower forwards the original caller's identity). Clients are authorized by
 * whoever registers the Logs service (managers only on the remote API, anyone on the control
 * socket).
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type LogBroker,
  type Logs,
  LogSelectorSchema,
  LogSubscriptionOptionsSchema,
} from "../../proto/gen/swarm/v1/logs_pb.ts";
import { NodeStatus_State } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { ServiceImpl } from "../../proto/grpc_server.ts";
import { authenticate } from "../auth.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { LogBrokerCore, type LogTask } from "./broker.ts";

export interface LogBrokerServiceOptions {
  readonly store: MemoryStore;
  readonly clusterId: string;
  readonly newId: () => string;
  /** @default 10000 */
  readonly idleTimeoutMs?: number;
}

export class LogBrokerService {
  readonly core: LogBrokerCore;
  readonly #o: LogBrokerServiceOptions;

  constructor(o: LogBrokerServiceOptions) {
    this.#o = o;
    this.core = new LogBrokerCore({
      tasks: (selector) => {
        const services = new Set(selector.serviceIds);
        const ids = new Set(selector.taskIds);
        return o.store.list("task")
          .filter((t) => services.has(t.serviceId) || ids.has(t.id))
          .map((t): LogTask => ({ id: t.id, serviceId: t.serviceId, nodeId: t.nodeId }));
      },
      nodeDown: (id) => o.store.get("node", id)?.status?.state === NodeStatus_State.DOWN,
      newId: o.newId,
      ...(o.idleTimeoutMs !== undefined ? { idleTimeoutMs: o.idleTimeoutMs } : {}),
    });
  }

  /** Starts brokering: this manager became the leader. */
  activate(): void {
    this.core.activate();
  }

  /** Ends every log stream: leadership lost, or the manager stops. */
  deactivate(): void {
    this.core.deactivate();
  }

  /** `Logs`, for clients. */
  logs(): ServiceImpl<typeof Logs> {
    const core = this.core;
    return {
      async *subscribeLogs(req, ctx) {
        const stream = core.subscribe(
          req.selector ?? create(LogSelectorSchema),
          req.options ?? create(LogSubscriptionOptionsSchema, { tail: -1n }),
          ctx.signal,
        );
        for await (const messages of stream) yield { messages };
      },
    };
  }

  /** `LogBroker`, for nodes. */
  broker(): ServiceImpl<typeof LogBroker> {
    const o = this.#o;
    const node = (ctx: Parameters<typeof authenticate>[2]) =>
      authenticate(o.store, o.clusterId, ctx, ["worker", "manager"]).nodeId;
    return {
      listenSubscriptions: (_req, ctx) => this.core.listen(node(ctx), ctx.signal),
      publishLogs: async (req, ctx) => {
        await this.core.publish(node(ctx), req.subscriptionId, req.messages, req.close);
        return {};
      },
    };
  }
}
