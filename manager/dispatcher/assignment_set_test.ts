import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Config,
  ConfigSchema,
  type Secret,
  SecretSchema,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  type AssignmentChange,
  AssignmentChange_Action,
} from "../../proto/gen/swarm/v1/dispatcher_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { AssignmentSet, type AssignmentView, needsDependencies } from "./assignment_set.ts";

function secret(id: string, name = id, version = 1n): Secret {
  return create(SecretSchema, {
    id,
    meta: { version: { index: version } },
    spec: { annotations: { name }, data: new TextEncoder().encode(`data of ${name}`) },
  });
}

function config(id: string, name = id): Config {
  return create(ConfigSchema, {
    id,
    meta: { version: { index: 1n } },
    spec: { annotations: { name }, data: new TextEncoder().encode(`config ${name}`) },
  });
}

function task(
  id: string,
  refs: { secrets?: string[]; configs?: string[] } = {},
  state: TaskState = TaskState.ASSIGNED,
  desired: TaskState = TaskState.RUNNING,
): Task {
  return create(TaskSchema, {
    id,
    nodeId: "n1",
    desiredState: desired,
    status: { state },
    spec: {
      runtime: {
        case: "process",
        value: {
          command: "true",
          secrets: (refs.secrets ?? []).map((s) => ({
            secretId: s,
            secretName: s,
            file: { name: s, mode: 0o400 },
          })),
          configs: (refs.configs ?? []).map((c) => ({
            configId: c,
            configName: c,
            file: { name: c, mode: 0o444 },
          })),
        },
      },
    },
  });
}

function view(tasks: Task[], secrets: Secret[] = [], configs: Config[] = []): AssignmentView {
  return {
    tasks,
    secret: (id) => secrets.find((s) => s.id === id),
    config: (id) => configs.find((c) => c.id === id),
  };
}

/** `UPDATE secret s1`, `REMOVE task t1`... in order. */
function describe(changes: readonly AssignmentChange[]): string[] {
  return changes.map((c) =>
    `${
      c.action === AssignmentChange_Action.REMOVE ? "REMOVE" : "UPDATE"
    } ${c.assignment?.item.case} ${c.assignment?.item.value?.id}`
  );
}

Deno.test("assignment set: the first update holds the node's tasks and exactly their secrets and configs, secrets first", () => {
  const set = new AssignmentSet();
  const { changes, missing } = set.update(view(
    [task("t1", { secrets: ["s1"], configs: ["c1"] }), task("t2", { secrets: ["s1", "s2"] })],
    [secret("s1"), secret("s2"), secret("s3")],
    [config("c1"), config("c2")],
  ));
  assert.deepEqual(describe(changes), [
    "UPDATE secret s1",
    "UPDATE secret s2",
    "UPDATE config c1",
    "UPDATE task t1",
    "UPDATE task t2",
  ]);
  assert.deepEqual(missing, []);
  const sent = changes[0]!.assignment!.item;
  assert.equal(sent.case, "secret");
  assert.equal(new TextDecoder().decode((sent.value as Secret).spec!.data), "data of s1");
  assert.deepEqual(set.secretIds.toSorted(), ["s1", "s2"]);
  assert.deepEqual(set.configIds, ["c1"]);
});

Deno.test("assignment set: tasks before ASSIGNED are not sent, nor are their secrets", () => {
  const set = new AssignmentSet();
  const { changes } = set.update(view(
    [task("t1", { secrets: ["s1"] }, TaskState.PENDING)],
    [secret("s1")],
  ));
  assert.deepEqual(describe(changes), []);
});

Deno.test("assignment set: a secret is sent with the first task that uses it and removed after the last", () => {
  const set = new AssignmentSet();
  const secrets = [secret("s1")];
  set.update(view([task("t1")], secrets));
  // A second task arrives with a secret: the secret comes first, in the same batch.
  assert.deepEqual(
    describe(set.update(view([task("t1"), task("t2", { secrets: ["s1"] })], secrets)).changes),
    [
      "UPDATE secret s1",
      "UPDATE task t2",
    ],
  );
  // Another user of s1: nothing new to send for the secret.
  const t3 = task("t3", { secrets: ["s1"] });
  assert.deepEqual(
    describe(set.update(view([task("t1"), task("t2", { secrets: ["s1"] }), t3], secrets)).changes),
    [
      "UPDATE task t3",
    ],
  );
  // t2 leaves the node; t3 still uses s1.
  assert.deepEqual(describe(set.update(view([task("t1"), t3], secrets)).changes), [
    "REMOVE task t2",
  ]);
  // t3 leaves: the secret goes after the task.
  assert.deepEqual(describe(set.update(view([task("t1")], secrets)).changes), [
    "REMOVE task t3",
    "REMOVE secret s1",
  ]);
  assert.deepEqual(set.secretIds, []);
  // Nothing changed: nothing to send.
  assert.deepEqual(set.update(view([task("t1")], secrets)).changes, []);
});

Deno.test("assignment set: a task that ended and is not to run again releases its secrets but stays assigned", () => {
  const set = new AssignmentSet();
  const secrets = [secret("s1")];
  set.update(view([task("t1", { secrets: ["s1"] }, TaskState.RUNNING)], secrets));
  // Failed, but still desired running: the orchestrator has not decided yet.
  const failed = task("t1", { secrets: ["s1"] }, TaskState.FAILED);
  assert.equal(needsDependencies(failed), true);
  assert.deepEqual(set.update(view([failed], secrets)).changes, []);
  // Shut down for good: the secret is released, the task is sent with its new desired state.
  const done = task("t1", { secrets: ["s1"] }, TaskState.FAILED, TaskState.SHUTDOWN);
  assert.equal(needsDependencies(done), false);
  assert.deepEqual(describe(set.update(view([done], secrets)).changes), [
    "UPDATE task t1",
    "REMOVE secret s1",
  ]);
  // Told to stop but still running: it keeps its secrets.
  const stopping = task("t2", { secrets: ["s1"] }, TaskState.RUNNING, TaskState.SHUTDOWN);
  assert.equal(needsDependencies(stopping), true);
});

Deno.test("assignment set: a completed job task never gets its secrets again", () => {
  const set = new AssignmentSet();
  const done = task("t1", { configs: ["c1"] }, TaskState.COMPLETE, TaskState.COMPLETE);
  assert.deepEqual(describe(set.update(view([done], [], [config("c1")])).changes), [
    "UPDATE task t1",
  ]);
});

Deno.test("assignment set: a changed secret object is sent again", () => {
  const set = new AssignmentSet();
  set.update(view([task("t1", { secrets: ["s1"] })], [secret("s1")]));
  assert.deepEqual(
    describe(set.update(view([task("t1", { secrets: ["s1"] })], [secret("s1", "s1", 7n)])).changes),
    ["UPDATE secret s1"],
  );
});

Deno.test("assignment set: a missing or renamed secret is reported once and the task is still sent", () => {
  const set = new AssignmentSet();
  const t1 = task("t1", { secrets: ["gone"], configs: ["c1"] });
  const first = set.update(view([t1], [], [config("c1", "renamed")]));
  assert.deepEqual(describe(first.changes), ["UPDATE task t1"]);
  assert.deepEqual(first.missing, [
    { taskId: "t1", kind: "secret", id: "gone", name: "gone" },
    { taskId: "t1", kind: "config", id: "c1", name: "c1" },
  ]);
  const desiredChanged = task(
    "t1",
    { secrets: ["gone"], configs: ["c1"] },
    TaskState.ASSIGNED,
    TaskState.SHUTDOWN,
  );
  assert.deepEqual(set.update(view([desiredChanged], [], [])).missing, []);
});

Deno.test("assignment set: a new set after a reconnect sends everything again (COMPLETE)", () => {
  const v = view([task("t1", { secrets: ["s1"] }, TaskState.RUNNING)], [secret("s1")]);
  new AssignmentSet().update(v);
  assert.deepEqual(describe(new AssignmentSet().update(v).changes), [
    "UPDATE secret s1",
    "UPDATE task t1",
  ]);
});
