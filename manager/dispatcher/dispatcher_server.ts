/**
 * The dispatcher: agents open a session, heartbeat, receive their assignments as a stream (one
 * COMPLETE set, then INCREMENTAL changes: their tasks, and exactly the secrets and configs those
 * tasks use — see `assignments.ts` and `assignment_set.ts`), and report task statuses in batches.
 *
 * A node whose heartbeats stop for `heartbeatPeriod × 3` is marked DOWN ("heartbeat failure");
 * the orchestrator then moves its tasks. Status reports may only move a task forward, and only
 * for tasks assigned to the caller.
 *
 * Only the Raft leader dispatches (followers forward to it, see `forward.ts`): sessions live in
 * the leader's memory. {@link DispatcherService.activate} runs when this manager becomes leader:
 * every node the store lists as READY gets the same `heartbeatPeriod × 3` to open a session here
 * before it is marked DOWN — that is how the tasks of a node that died with the old leader move.
 * {@link DispatcherService.deactivate} ends every session and stream, so agents reconnect to the
 * new leader.
 *
 * @module
 */
import { clone } from "@bufbuild/protobuf";
import { type Node, NodeSchema, type Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { Dispatcher, type TaskStatusUpdate } from "../../proto/gen/swarm/v1/dispatcher_pb.ts";
import { NodeStatus_State } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { CallContext, ServiceImpl } from "../../proto/grpc_server.ts";
import { notFound, permissionDenied, unavailable } from "../../proto/grpc_status.ts";
import { durationFromMs } from "../duration.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { authenticate } from "../auth.ts";
import { Notifier } from "../notifier.ts";
import { applyTaskStatus } from "./task_status.ts";
import { assignmentStream } from "./assignments.ts";

export interface DispatcherOptions {
  readonly store: MemoryStore;
  readonly clusterId: string;
  readonly managerId: string;
  readonly now: () => Date;
  readonly newId: () => string;
  /** @default 5000 */
  readonly heartbeatPeriodMs?: number;
  /** Managers to list in session messages. */
  readonly managers: () => { nodeId: string; addr: string }[];
  /** Wait after the last change before sending an incremental assignment. @default 100 */
  readonly assignmentBatchMs?: number;
  readonly log?: (message: string) => void;
}

interface Session {
  readonly id: string;
  expiry: ReturnType<typeof setTimeout> | undefined;
}

export class DispatcherService {
  readonly #o: DispatcherOptions;
  readonly #sessions = new Map<string, Session>();
  /** Grace timers of nodes that had a session with a previous leader. */
  readonly #grace = new Map<string, ReturnType<typeof setTimeout>>();
  /** Aborted when this manager stops dispatching; `undefined` while inactive. */
  #active: AbortController | undefined;

  constructor(options: DispatcherOptions) {
    this.#o = options;
  }

  get heartbeatPeriodMs(): number {
    return this.#o.heartbeatPeriodMs ?? 5_000;
  }

  get active(): boolean {
    return this.#active !== undefined;
  }

  /** Starts dispatching (this manager became the leader). */
  activate(): void {
    if (this.#active) return;
    this.#active = new AbortController();
    for (const node of this.#o.store.list("node")) {
      if (node.status?.state !== NodeStatus_State.READY || this.#grace.has(node.id)) continue;
      this.#grace.set(
        node.id,
        setTimeout(() => {
          this.#grace.delete(node.id);
          if (this.#sessions.has(node.id) || !this.#active) return;
          this.#markNode(node.id, NodeStatus_State.DOWN, "heartbeat failure").catch((e) =>
            this.#o.log?.(`marking node ${node.id} down failed: ${e}`)
          );
        }, this.heartbeatPeriodMs * 3),
      );
    }
  }

  /** Stops dispatching: ends every session and stream (leadership lost, or the manager stops). */
  deactivate(): void {
    this.#active?.abort();
    this.#active = undefined;
    for (const s of this.#sessions.values()) clearTimeout(s.expiry);
    this.#sessions.clear();
    for (const t of this.#grace.values()) clearTimeout(t);
    this.#grace.clear();
  }

  /** The signal of a stream: ends with the call, or when dispatching stops. */
  #streamSignal(ctx: CallContext): AbortSignal {
    if (!this.#active) throw unavailable("This manager is not dispatching: it is not the leader");
    return AbortSignal.any([ctx.signal, this.#active.signal]);
  }

  impl(): ServiceImpl<typeof Dispatcher> {
    const o = this.#o;
    const worker = (ctx: CallContext) =>
      authenticate(o.store, o.clusterId, ctx, ["worker", "manager"]).nodeId;
    return {
      session: (req, ctx) => {
        const nodeId = worker(ctx);
        const node = o.store.get("node", nodeId);
        if (!node) {
          throw notFound(`Node ${nodeId} is not registered in this cluster: join it again`);
        }
        return this.#session(
          nodeId,
          req.description,
          req.knownTasks,
          ctx.peer,
          this.#streamSignal(ctx),
        );
      },
      heartbeat: (req, ctx) => {
        const nodeId = worker(ctx);
        this.#checkSession(nodeId, req.sessionId);
        this.#armExpiry(nodeId);
        return { period: durationFromMs(this.heartbeatPeriodMs) };
      },
      updateTaskStatus: async (req, ctx) => {
        const nodeId = worker(ctx);
        this.#checkSession(nodeId, req.sessionId);
        await this.#applyStatuses(nodeId, req.updates);
        return {};
      },
      assignments: (req, ctx) => {
        const nodeId = worker(ctx);
        this.#checkSession(nodeId, req.sessionId);
        return this.#assignments(nodeId, this.#streamSignal(ctx));
      },
    };
  }

  async *#session(
    nodeId: string,
    description: Node["description"],
    knownTasks: readonly TaskStatusUpdate[],
    peer: string,
    signal: AbortSignal,
  ) {
    const o = this.#o;
    const previous = this.#sessions.get(nodeId);
    if (previous) clearTimeout(previous.expiry);
    clearTimeout(this.#grace.get(nodeId));
    this.#grace.delete(nodeId);
    const session: Session = { id: o.newId(), expiry: undefined };
    this.#sessions.set(nodeId, session);
    await this.#markNode(nodeId, NodeStatus_State.READY, "", description, peerAddress(peer));
    // Statuses the agent kept across its own restart (e.g. tasks that ended meanwhile).
    await this.#applyStatuses(nodeId, knownTasks);
    this.#armExpiry(nodeId);
    const message = () => ({
      sessionId: session.id,
      ...(o.store.get("node", nodeId) ? { node: o.store.get("node", nodeId) } : {}),
      managers: o.managers().map((m) => ({ nodeId: m.nodeId, addr: m.addr, weight: 10n })),
    });
    yield message();
    // Keep the stream open: the agent treats its end as a lost session.
    const changed = new Notifier();
    const unwatch = o.store.watch((events) => {
      if (events.some((e) => e.kind === "node" && e.object.id === nodeId)) changed.notify();
    });
    try {
      while (await changed.wait(signal)) {
        if (this.#sessions.get(nodeId) !== session) return;
        yield message();
      }
    } finally {
      unwatch();
    }
  }

  #checkSession(nodeId: string, sessionId: string): void {
    if (this.#sessions.get(nodeId)?.id !== sessionId) {
      throw notFound(
        `Session ${sessionId} of node ${nodeId} is unknown or has expired: open a new session`,
      );
    }
  }

  #armExpiry(nodeId: string): void {
    const session = this.#sessions.get(nodeId);
    if (!session || !this.#active) return;
    clearTimeout(session.expiry);
    session.expiry = setTimeout(() => {
      if (this.#sessions.get(nodeId) !== session) return;
      this.#sessions.delete(nodeId);
      this.#markNode(nodeId, NodeStatus_State.DOWN, "heartbeat failure").catch((e) =>
        this.#o.log?.(`marking node ${nodeId} down failed: ${e}`)
      );
    }, this.heartbeatPeriodMs * 3);
  }

  async #markNode(
    nodeId: string,
    state: NodeStatus_State,
    message: string,
    description?: Node["description"],
    addr?: string,
  ): Promise<void> {
    const node = this.#o.store.get("node", nodeId);
    if (!node) return;
    const updated = clone(NodeSchema, node);
    updated.status = {
      $typeName: "swarm.v1.NodeStatus",
      state,
      message,
      addr: addr ?? node.status?.addr ?? "",
    };
    if (description) updated.description = description;
    await this.#o.store.update((tx) => tx.update("node", updated));
  }

  async #applyStatuses(nodeId: string, updates: readonly TaskStatusUpdate[]): Promise<void> {
    const o = this.#o;
    const changed = new Map<string, Task>();
    for (const u of updates) {
      // A batch may carry several statuses of one task: each builds on the one before.
      const task = changed.get(u.taskId) ?? o.store.get("task", u.taskId);
      if (!task || !u.status) continue; // Unknown tasks are ignored, as in SwarmKit.
      if (task.nodeId !== nodeId) {
        throw permissionDenied(`Task ${u.taskId} is not assigned to node ${nodeId}`);
      }
      const t = applyTaskStatus(task, u.status, o.managerId, o.now());
      if (t) changed.set(t.id, t);
    }
    if (changed.size === 0) return;
    await o.store.update((tx) => changed.forEach((t) => tx.update("task", t)));
  }

  #assignments(nodeId: string, signal: AbortSignal) {
    return assignmentStream({
      store: this.#o.store,
      nodeId,
      signal,
      ...(this.#o.assignmentBatchMs !== undefined ? { batchMs: this.#o.assignmentBatchMs } : {}),
      ...(this.#o.log ? { log: this.#o.log } : {}),
    });
  }
}

/** "ipv4:1.2.3.4:5678" or "1.2.3.4:5678" → "1.2.3.4". */
function peerAddress(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, "");
  const colon = p.lastIndexOf(":");
  return colon > 0 ? p.slice(0, colon).replace(/^\[|\]$/g, "") : p;
}
