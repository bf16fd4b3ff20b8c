import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import {
  AssignmentChange_Action,
  type AssignmentsMessage,
  AssignmentsMessage_Type,
} from "../../proto/gen/swarm/v1/dispatcher_pb.ts";
import { SecretSchema, type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { newTestStore } from "../store/testing.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { assignmentStream } from "./assignments.ts";

function task(id: string, nodeId: string, secrets: string[]): Task {
  return create(TaskSchema, {
    id,
    nodeId,
    serviceId: "svc",
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.ASSIGNED },
    spec: {
      runtime: {
        case: "process",
        value: {
          command: "true",
          secrets: secrets.map((s) => ({ secretId: s, secretName: s, file: { name: s } })),
        },
      },
    },
  });
}

async function seed(store: MemoryStore): Promise<void> {
  await store.update((tx) => {
    for (const name of ["shared", "only-n1", "only-n2", "unused"]) {
      tx.create(
        "secret",
        create(SecretSchema, {
          id: name,
          spec: { annotations: { name }, data: new TextEncoder().encode(`${name}!`) },
        }),
      );
    }
    tx.create("task", task("a", "n1", ["shared", "only-n1"]));
    tx.create("task", task("b", "n2", ["shared", "only-n2"]));
  });
}

function summary(m: AssignmentsMessage): string[] {
  return m.changes.map((c) =>
    `${
      c.action === AssignmentChange_Action.REMOVE ? "-" : "+"
    }${c.assignment?.item.case}:${c.assignment?.item.value?.id}`
  );
}

/** Opens `nodeId`'s stream; `next()` gives the next message, `close()` ends it. */
function open(store: MemoryStore, nodeId: string) {
  const ac = new AbortController();
  const stream = assignmentStream({ store, nodeId, signal: ac.signal, batchMs: 5 });
  return {
    next: async () => {
      const r = await stream.next();
      assert.ok(!r.done, "the stream ended");
      return r.value;
    },
    close: async () => {
      ac.abort();
      await stream.return(undefined);
    },
  };
}

Deno.test("assignments: a node gets its tasks and exactly the secrets they use, nothing of other nodes", async () => {
  const store = newTestStore();
  await seed(store);
  const n1 = open(store, "n1");
  const n2 = open(store, "n2");
  try {
    const m1 = await n1.next();
    assert.equal(m1.type, AssignmentsMessage_Type.COMPLETE);
    assert.deepEqual(summary(m1), ["+secret:shared", "+secret:only-n1", "+task:a"]);
    const sent = m1.changes[0]!.assignment!.item;
    assert.equal(sent.case, "secret");
    assert.equal(
      new TextDecoder().decode(sent.case === "secret" ? sent.value.spec!.data : undefined),
      "shared!",
    );
    assert.deepEqual(summary(await n2.next()), ["+secret:shared", "+secret:only-n2", "+task:b"]);
  } finally {
    await n1.close();
    await n2.close();
  }
});

Deno.test("assignments: a secret arrives no later than its task and leaves once no task uses it", async () => {
  const store = newTestStore();
  await seed(store);
  const n1 = open(store, "n1");
  try {
    const complete = await n1.next();
    // A new task with a secret the node did not have: the secret comes first, same message.
    await store.update((tx) => tx.create("task", task("c", "n1", ["unused", "shared"])));
    const added = await n1.next();
    assert.equal(added.type, AssignmentsMessage_Type.INCREMENTAL);
    assert.equal(added.appliesTo, complete.resultsIn);
    assert.deepEqual(summary(added), ["+secret:unused", "+task:c"]);

    // Task a ends for good: only-n1 is released, shared is still used by c.
    const a = clone(TaskSchema, store.get("task", "a")!);
    a.status = { ...a.status!, state: TaskState.FAILED };
    a.desiredState = TaskState.SHUTDOWN;
    await store.update((tx) => tx.update("task", a));
    const released = await n1.next();
    assert.equal(released.appliesTo, added.resultsIn);
    assert.deepEqual(summary(released), ["+task:a", "-secret:only-n1"]);

    // Both tasks are deleted: the tasks go, then the secrets nobody uses.
    await store.update((tx) => {
      tx.remove("task", store.get("task", "a")!);
      tx.remove("task", store.get("task", "c")!);
    });
    assert.deepEqual(summary(await n1.next()), [
      "-task:a",
      "-task:c",
      "-secret:shared",
      "-secret:unused",
    ]);
  } finally {
    await n1.close();
  }
});

Deno.test("assignments: a task moved to another node takes its secrets with it", async () => {
  const store = newTestStore();
  await seed(store);
  const n1 = open(store, "n1");
  const n2 = open(store, "n2");
  try {
    await n1.next();
    await n2.next();
    const moved = clone(TaskSchema, store.get("task", "a")!);
    moved.nodeId = "n2";
    await store.update((tx) => tx.update("task", moved));
    assert.deepEqual(summary(await n1.next()), ["-task:a", "-secret:shared", "-secret:only-n1"]);
    assert.deepEqual(summary(await n2.next()), ["+secret:only-n1", "+task:a"]);
  } finally {
    await n1.close();
    await n2.close();
  }
});

Deno.test("assignments: a task whose secret does not exist is sent and logged once", async () => {
  const store = newTestStore();
  const logs: string[] = [];
  await store.update((tx) => tx.create("task", task("x", "n1", ["ghost"])));
  const ac = new AbortController();
  const stream = assignmentStream({
    store,
    nodeId: "n1",
    signal: ac.signal,
    batchMs: 5,
    log: (m) => logs.push(m),
  });
  try {
    const first = await stream.next();
    assert.deepEqual(first.done ? [] : summary(first.value), ["+task:x"]);
    assert.equal(logs.length, 1);
    assert.match(
      logs[0]!,
      /task x on node n1 references secret ghost \(ghost\), which does not exist/,
    );
  } finally {
    ac.abort();
    await stream.return(undefined);
  }
});
