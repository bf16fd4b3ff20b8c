/**
 * The agent against a scripted dispatcher and the fake executor: what each task's executor gets
 * from the secrets and configs of the assignments stream.
 */
import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Assignment,
  AssignmentChange_Action,
  type AssignmentsMessage,
  AssignmentsMessage_Type,
  AssignmentsMessageSchema,
  HeartbeatResponseSchema,
  SessionMessageSchema,
  type TaskStatusUpdate,
  UpdateTaskStatusResponseSchema,
} from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import {
  ConfigSchema,
  SecretSchema,
  type Task,
  TaskSchema,
} from "../proto/gen/swarm/v1/objects_pb.ts";
import { NodeDescriptionSchema, TaskState } from "../proto/gen/swarm/v1/types_pb.ts";
import { Agent, type AgentDispatcher } from "./agent.ts";
import { FakeExecutor } from "./fake_executor.ts";

/** A dispatcher whose assignments stream the test writes; it records status reports. */
class ScriptedDispatcher implements AgentDispatcher {
  readonly updates: TaskStatusUpdate[] = [];
  readonly #queue: AssignmentsMessage[] = [];
  #wake: (() => void) | undefined;
  #sequence = 0;

  /** Sends a message on the assignments stream, chained to the one before. */
  send(type: AssignmentsMessage_Type, changes: [AssignmentChange_Action, Assignment["item"]][]) {
    const appliesTo = `r${this.#sequence}`;
    this.#queue.push(create(AssignmentsMessageSchema, {
      type,
      appliesTo,
      resultsIn: `r${++this.#sequence}`,
      changes: changes.map(([action, item]) => ({ action, assignment: { item } })),
    }));
    this.#wake?.();
  }

  async *session(_req: unknown, options?: { signal?: AbortSignal }) {
    yield create(SessionMessageSchema, { sessionId: "session-1" });
    await untilAborted(options?.signal);
  }

  heartbeat() {
    return Promise.resolve(create(HeartbeatResponseSchema, { period: { seconds: 60n } }));
  }

  updateTaskStatus(req: { updates?: TaskStatusUpdate[] }) {
    this.updates.push(...(req.updates ?? []));
    return Promise.resolve(create(UpdateTaskStatusResponseSchema));
  }

  async *assignments(_req: unknown, options?: { signal?: AbortSignal }) {
    const signal = options?.signal;
    while (!signal?.aborted) {
      const next = this.#queue.shift();
      if (next !== undefined) {
        yield next;
        continue;
      }
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        signal?.addEventListener("abort", () => resolve(), { once: true });
      });
    }
  }
}

function untilAborted(signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal === undefined || signal.aborted) return resolve();
    signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

const UPDATE = AssignmentChange_Action.UPDATE;
const REMOVE = AssignmentChange_Action.REMOVE;
const bytes = (s: string) => new TextEncoder().encode(s);

const secret = (id: string, data = `${id}-data`): Assignment["item"] => ({
  case: "secret",
  value: create(SecretSchema, { id, spec: { annotations: { name: id }, data: bytes(data) } }),
});
const config = (id: string, data: string): Assignment["item"] => ({
  case: "config",
  value: create(ConfigSchema, { id, spec: { annotations: { name: id }, data: bytes(data) } }),
});

function task(id: string, secrets: string[], configs: string[] = []): Assignment["item"] {
  const value: Task = create(TaskSchema, {
    id,
    serviceId: "svc",
    annotations: { name: "web.1" },
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.ASSIGNED },
    spec: {
      runtime: {
        case: "process",
        value: {
          command: "fake",
          args: ["forever"],
          secrets: secrets.map((s) => ({
            secretId: s,
            secretName: s,
            file: { name: `${s}.txt`, mode: 0o440 },
          })),
          configs: configs.map((c) => ({
            configId: c,
            configName: c,
            file: { name: `/etc/${c}` },
          })),
        },
      },
    },
  });
  return { case: "task", value };
}

async function until(what: string, check: () => boolean): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function withAgent(fn: (d: ScriptedDispatcher, e: FakeExecutor) => Promise<void>) {
  const dispatcher = new ScriptedDispatcher();
  const executor = new FakeExecutor();
  const agent = new Agent({
    dispatcher,
    executor,
    describe: () => Promise.resolve(create(NodeDescriptionSchema)),
    reportIntervalMs: 10,
  });
  agent.start();
  try {
    await fn(dispatcher, executor);
  } finally {
    await agent.stop();
    await executor.shutdownAll();
  }
}

Deno.test("agent: each task's executor gets exactly its own secrets and configs, resolved", async () => {
  await withAgent(async (dispatcher, executor) => {
    dispatcher.send(AssignmentsMessage_Type.COMPLETE, [
      [UPDATE, secret("db")],
      [UPDATE, secret("api-key")],
      [UPDATE, config("app.conf", "port=80")],
      [UPDATE, task("t1", ["db"], ["app.conf"])],
      [UPDATE, task("t2", ["api-key"])],
    ]);
    await until("both tasks run", () => executor.running().length === 2);
    const t1 = executor.taskRuntime("t1")!;
    assert.deepEqual(t1.secrets, [
      { name: "db", target: "db.txt", data: bytes("db-data"), mode: 0o440, uid: 0, gid: 0 },
    ]);
    assert.deepEqual(t1.configs, [
      {
        name: "app.conf",
        target: "/etc/app.conf",
        data: bytes("port=80"),
        mode: 0o444,
        uid: 0,
        gid: 0,
      },
    ]);
    const t2 = executor.taskRuntime("t2")!;
    assert.deepEqual(t2.secrets?.map((s) => s.name), ["api-key"]);
    assert.equal(t2.configs, undefined);
  });
});

Deno.test("agent: a secret sent with its task in one incremental message is found; a missing one rejects the task", async () => {
  await withAgent(async (dispatcher, executor) => {
    dispatcher.send(AssignmentsMessage_Type.COMPLETE, []);
    // The task comes before its secret within the message: secrets are applied first anyway.
    dispatcher.send(AssignmentsMessage_Type.INCREMENTAL, [
      [UPDATE, task("t3", ["late"])],
      [UPDATE, secret("late")],
    ]);
    await until("t3 runs", () => executor.running().includes("t3"));
    assert.equal(executor.taskRuntime("t3")?.secrets?.[0]?.name, "late");

    // Removed from the node: a task assigned afterwards that still references it is rejected.
    dispatcher.send(AssignmentsMessage_Type.INCREMENTAL, [[REMOVE, secret("late")]]);
    dispatcher.send(AssignmentsMessage_Type.INCREMENTAL, [[UPDATE, task("t4", ["late"])]]);
    await until("t4 is reported", () => dispatcher.updates.some((u) => u.taskId === "t4"));
    const status = dispatcher.updates.find((u) => u.taskId === "t4")!.status!;
    assert.equal(status.state, TaskState.REJECTED);
    assert.match(status.err, /^Secret not available on this node: late \(late\)/);
    assert.equal(executor.taskRuntime("t4"), undefined);
    // The running task keeps what it was given.
    assert.ok(executor.running().includes("t3"));
  });
});
