import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { NodeSchema, TaskSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import type { Node } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { currentStateText, sortTasks, stateText, taskName, taskRows } from "./view.ts";

const now = new Date("2024-01-01T00:01:00Z");
const at = (iso: string) => timestampFromDate(new Date(iso));

Deno.test("stateText title-cases task states", () => {
  assert.equal(stateText(TaskState.RUNNING), "Running");
  assert.equal(stateText(TaskState.SHUTDOWN), "Shutdown");
  assert.equal(stateText(TaskState.NEW), "New");
  assert.equal(stateText(1234 as TaskState), "1234");
});

Deno.test("currentStateText says how long ago", () => {
  const task = create(TaskSchema, {
    status: { state: TaskState.RUNNING, timestamp: at("2024-01-01T00:00:55Z") },
  });
  assert.equal(currentStateText(task, now), "Running 5 seconds ago");
  assert.equal(currentStateText(create(TaskSchema), now), "New");
});

Deno.test("taskName uses the slot or the node", () => {
  assert.equal(taskName(create(TaskSchema, { slot: 2 }), "web"), "web.2");
  assert.equal(taskName(create(TaskSchema, { nodeId: "n1" }), "agent"), "agent.n1");
  assert.equal(
    taskName(create(TaskSchema, { slot: 1, serviceAnnotations: { name: "api" } }), undefined),
    "api.1",
  );
  assert.equal(taskName(create(TaskSchema, { id: "t1" }), undefined), "t1");
  assert.equal(
    taskName(create(TaskSchema, { id: "t1", annotations: { name: "x" } }), undefined),
    "x",
  );
});

Deno.test("taskRows sorts by slot, newest first, and marks history", () => {
  const serviceNames = new Map([["s1", "web"]]);
  const nodes = new Map<string, Node>([
    ["n1", create(NodeSchema, { id: "n1", description: { hostname: "host-1" } })],
  ]);
  const tasks = [
    create(TaskSchema, {
      id: "old1",
      serviceId: "s1",
      slot: 1,
      nodeId: "n1",
      desiredState: TaskState.SHUTDOWN,
      status: { state: TaskState.FAILED, timestamp: at("2024-01-01T00:00:00Z"), err: "exit 1" },
    }),
    create(TaskSchema, {
      id: "new2",
      serviceId: "s1",
      slot: 2,
      nodeId: "gone",
      desiredState: TaskState.RUNNING,
      status: { state: TaskState.PENDING, timestamp: at("2024-01-01T00:00:59Z") },
    }),
    create(TaskSchema, {
      id: "new1",
      serviceId: "s1",
      slot: 1,
      nodeId: "n1",
      desiredState: TaskState.RUNNING,
      status: { state: TaskState.RUNNING, timestamp: at("2024-01-01T00:00:30Z") },
    }),
  ];
  assert.deepEqual(sortTasks(tasks, { serviceNames, nodes }).map((t) => t.id), [
    "new1",
    "old1",
    "new2",
  ]);
  assert.deepEqual(taskRows(tasks, { serviceNames, nodes }, now), [
    ["new1", "web.1", "host-1", "Running", "Running 30 seconds ago", ""],
    ["old1", " \\_ web.1", "host-1", "Shutdown", "Failed About a minute ago", "exit 1"],
    ["new2", "web.2", "gone", "Running", "Pending 1 second ago", ""],
  ]);
});
