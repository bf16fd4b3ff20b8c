/**
 * The agent: the shell that connects a node to the managers' dispatcher and runs what it is
 * assigned. It opens a session, heartbeats at the period the dispatcher asks for, follows the
 * assignments stream (one COMPLETE set, then INCREMENTAL changes), runs one {@link TaskRunner}
 * per task and reports statuses upstream in batches. Any failure ends the session; the agent
 * opens a new one after a backoff (100 ms doubling to 8 s) and reports every status again.
 *
 * The stream also carries the secrets and configs of the node's tasks: the agent keeps them in
 * memory only (`task_dependencies.ts`) and hands each task its own, resolved, in the `TaskRuntime`
 * its executor gets; a task whose secret or config is missing is REJECTED with a message naming it.
 *
 * The same code serves a worker on another host and a manager's own agent: both reach the
 * dispatcher over gRPC with mutual TLS.
 *
 * @module
 */
import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import type {
  AssignmentsMessage,
  AssignmentsRequestSchema,
  HeartbeatRequestSchema,
  HeartbeatResponse,
  SessionMessage,
  SessionRequestSchema,
  TaskStatusUpdate,
  UpdateTaskStatusRequestSchema,
  UpdateTaskStatusResponse,
} from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import {
  AssignmentChange_Action,
  AssignmentsMessage_Type,
  TaskStatusUpdateSchema,
} from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import type { Task } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { NodeDescription } from "../proto/gen/swarm/v1/types_pb.ts";
import type { CallOptions } from "../proto/grpc_client.ts";
import { isGrpcStatusError, Status } from "../proto/grpc_status.ts";
import { durationMs } from "../manager/duration.ts";
import type { Controller, Executor } from "./executor.ts";
import { errorMessage } from "./executor.ts";
import { TaskRunner } from "./task_runner.ts";
import { type ObservedStatus, TaskState } from "./types.ts";
import { taskRuntime } from "./task_runtime.ts";
import { TaskDependencies } from "./task_dependencies.ts";
import { type AgentLogBroker, serveLogSubscriptions } from "./log_publisher.ts";

/**
 * The dispatcher calls the agent makes: a `Client<typeof Dispatcher>` (`proto/grpc_client.ts`)
 * in production, a scripted fake in tests.
 */
export interface AgentDispatcher {
  session(
    req: MessageInitShape<typeof SessionRequestSchema>,
    options?: CallOptions,
  ): AsyncIterable<SessionMessage>;
  heartbeat(
    req: MessageInitShape<typeof HeartbeatRequestSchema>,
    options?: CallOptions,
  ): Promise<HeartbeatResponse>;
  updateTaskStatus(
    req: MessageInitShape<typeof UpdateTaskStatusRequestSchema>,
    options?: CallOptions,
  ): Promise<UpdateTaskStatusResponse>;
  assignments(
    req: MessageInitShape<typeof AssignmentsRequestSchema>,
    options?: CallOptions,
  ): AsyncIterable<AssignmentsMessage>;
}

export interface AgentOptions {
  readonly dispatcher: AgentDispatcher;
  readonly executor: Executor;
  /** What the node tells the dispatcher about itself. */
  readonly describe: () => Promise<NodeDescription>;
  /** Where log subscriptions come from (`log_publisher.ts`). @default no logs are served */
  readonly logBroker?: AgentLogBroker;
  /** Statuses to report at the first session (e.g. tasks whose processes a restart ended). */
  readonly initialStatuses?: ReadonlyMap<string, ObservedStatus>;
  /** Told when the managers refuse this node (PERMISSION_DENIED or UNAUTHENTICATED: removed,
   * revoked, or not of this cluster). The agent keeps trying; the node decides whether to stop. */
  readonly onRefused?: (error: Error) => void;
  /** Told of every session message: the node's own object and the managers to reach. */
  readonly onSessionMessage?: (message: SessionMessage) => void;
  /** @default 100 */
  readonly reportIntervalMs?: number;
  readonly log?: (message: string) => void;
}

const MAX_BACKOFF_MS = 8_000;
const RPC_TIMEOUT_MS = 5_000;

export class Agent {
  readonly #o: AgentOptions;
  readonly #runners = new Map<string, { runner: TaskRunner; controller: Controller }>();
  /** Latest status per task not yet acknowledged by the dispatcher. */
  readonly #unreported = new Map<string, ObservedStatus>();
  /** The secrets and configs of this node's tasks, in memory only. */
  readonly #dependencies = new TaskDependencies();
  #stopped = false;
  #session: AbortController | undefined;
  #loop: Promise<void> | undefined;
  #connected = false;

  constructor(options: AgentOptions) {
    this.#o = options;
    for (const [id, s] of options.initialStatuses ?? []) this.#unreported.set(id, s);
  }

  /** True while a session with the dispatcher is open. */
  get connected(): boolean {
    return this.#connected;
  }

  start(): void {
    this.#loop ??= this.#run();
  }

  /** Ends the session and the task runners. Task processes keep running: the node decides. */
  async stop(): Promise<void> {
    this.#stopped = true;
    this.#session?.abort();
    await Promise.allSettled([...this.#runners.values()].map(({ runner }) => runner.stop()));
    await this.#loop;
    this.#dependencies.clear();
  }

  async #run(): Promise<void> {
    let backoff = 0;
    while (!this.#stopped) {
      const started = Date.now();
      try {
        await this.#runSession();
      } catch (e) {
        if (!this.#stopped) this.#o.log?.(`agent: session ended: ${errorMessage(e)}`);
        if (isGrpcStatusError(e, Status.PERMISSION_DENIED, Status.UNAUTHENTICATED)) {
          this.#o.onRefused?.(e);
        }
      }
      this.#connected = false;
      if (this.#stopped) return;
      // A session that lasted a while starts the backoff over.
      backoff = Date.now() - started > 10_000 ? 100 : Math.min(100 + 2 * backoff, MAX_BACKOFF_MS);
      await sleep(Math.random() * backoff);
    }
  }

  async #runSession(): Promise<void> {
    const ac = new AbortController();
    this.#session = ac;
    const { dispatcher } = this.#o;
    try {
      const stream = dispatcher.session({
        description: await this.#o.describe(),
        knownTasks: this.#pendingUpdates(),
      }, { signal: ac.signal });
      const iterator = stream[Symbol.asyncIterator]();
      const first = await iterator.next();
      if (first.done) throw new Error("the dispatcher closed the session at once");
      const sessionId = first.value.sessionId;
      this.#o.onSessionMessage?.(first.value);
      this.#unreported.clear();
      this.#connected = true;
      this.#o.log?.(`agent: session ${sessionId} open`);
      if (this.#o.logBroker) {
        const { logBroker: broker, executor, log } = this.#o;
        void serveLogSubscriptions({
          broker,
          executor,
          signal: ac.signal,
          ...(log ? { log } : {}),
        });
      }
      await Promise.race([
        this.#heartbeats(sessionId, ac.signal),
        this.#followAssignments(sessionId, ac.signal),
        this.#reportStatuses(sessionId, ac.signal),
        (async () => {
          for (let m = await iterator.next(); !m.done; m = await iterator.next()) {
            this.#o.onSessionMessage?.(m.value);
          }
          throw new Error("the dispatcher ended the session");
        })(),
      ]);
    } finally {
      ac.abort();
    }
  }

  async #heartbeats(sessionId: string, signal: AbortSignal): Promise<never> {
    while (true) {
      const res = await this.#o.dispatcher.heartbeat({ sessionId }, {
        timeoutMs: RPC_TIMEOUT_MS,
        signal,
      });
      const period = res.period ? durationMs(res.period) : 5_000;
      // Jitter keeps a fleet of agents from beating in step.
      await sleep(period * (0.9 + Math.random() * 0.1), signal);
    }
  }

  async #followAssignments(sessionId: string, signal: AbortSignal): Promise<never> {
    let last = "";
    for await (const msg of this.#o.dispatcher.assignments({ sessionId }, { signal })) {
      if (msg.type !== AssignmentsMessage_Type.COMPLETE && msg.appliesTo !== last) {
        throw new Error("assignments out of sequence: re-syncing");
      }
      // Secrets and configs first: a task finds what it references.
      this.#dependencies.apply(msg);
      if (msg.type === AssignmentsMessage_Type.COMPLETE) {
        const keep = new Set<string>();
        for (const c of msg.changes) {
          if (c.assignment?.item.case === "task") {
            keep.add(c.assignment.item.value.id);
            this.#assign(c.assignment.item.value);
          }
        }
        for (const id of this.#runners.keys()) if (!keep.has(id)) this.#remove(id);
      } else {
        for (const c of msg.changes) {
          if (c.assignment?.item.case !== "task") continue;
          const task = c.assignment.item.value;
          if (c.action === AssignmentChange_Action.REMOVE) this.#remove(task.id);
          else this.#assign(task);
        }
      }
      last = msg.resultsIn;
    }
    throw new Error("the assignments stream ended");
  }

  #assign(task: Task): void {
    const existing = this.#runners.get(task.id);
    if (existing) {
      existing.runner.update(task.desiredState as TaskState);
      return;
    }
    const status = toObserved(task);
    if (status.state >= TaskState.COMPLETE) return; // Ended before: nothing to run.
    let runner: TaskRunner;
    let controller: Controller;
    try {
      controller = this.#o.executor.controller(taskRuntime(task, this.#dependencies));
      runner = new TaskRunner({
        controller,
        desiredState: task.desiredState as TaskState,
        status,
        onStatus: (s) => {
          this.#unreported.set(task.id, s);
        },
        onError: (e) => this.#o.log?.(`agent: task ${task.id}: ${errorMessage(e)}`),
      });
    } catch (e) {
      this.#unreported.set(task.id, {
        state: TaskState.REJECTED,
        message: "rejected by the executor",
        err: errorMessage(e),
        timestamp: Date.now(),
      });
      return;
    }
    this.#runners.set(task.id, { runner, controller });
    runner.start();
  }

  #remove(taskId: string): void {
    const entry = this.#runners.get(taskId);
    if (!entry) return;
    this.#runners.delete(taskId);
    entry.runner.update(TaskState.REMOVE);
    // Stop the task, then delete what it left behind (logs, process records).
    entry.runner.stop()
      .then(() => entry.controller.remove())
      .then(() => entry.controller.close())
      .catch((e) => this.#o.log?.(`agent: removing task ${taskId}: ${errorMessage(e)}`));
  }

  async #reportStatuses(sessionId: string, signal: AbortSignal): Promise<never> {
    while (true) {
      await sleep(this.#o.reportIntervalMs ?? 100, signal);
      const updates = this.#pendingUpdates();
      if (updates.length === 0) continue;
      const sent = new Map(this.#unreported);
      await this.#o.dispatcher.updateTaskStatus({ sessionId, updates }, {
        timeoutMs: RPC_TIMEOUT_MS,
        signal,
      });
      // Forget what was acknowledged, unless it changed meanwhile.
      for (const [id, s] of sent) if (this.#unreported.get(id) === s) this.#unreported.delete(id);
    }
  }

  #pendingUpdates(): TaskStatusUpdate[] {
    return [...this.#unreported].map(([taskId, s]) =>
      create(TaskStatusUpdateSchema, {
        taskId,
        status: {
          state: s.state,
          message: s.message,
          err: s.err ?? "",
          timestamp: timestampFromMs(s.timestamp),
          container: { pid: s.pid ?? 0, exitCode: s.exitCode ?? 0 },
        },
      })
    );
  }
}

function toObserved(task: Task): ObservedStatus {
  const s = task.status;
  return {
    state: (s?.state ?? TaskState.ASSIGNED) as TaskState,
    message: s?.message ?? "",
    ...(s?.err ? { err: s.err } : {}),
    timestamp: s?.timestamp
      ? Number(s.timestamp.seconds) * 1000 + Math.floor(s.timestamp.nanos / 1e6)
      : 0,
  };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
