import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { byCreation, currentTask, groupSlots, newest } from "./slots.ts";
import { testService } from "./testing.ts";

const web = testService("web", 2); // spec version 1

function task(
  id: string,
  slot: number,
  createdMs: number | undefined,
  o: { desiredState?: TaskState; outdated?: boolean } = {},
): Task {
  return create(TaskSchema, {
    id,
    serviceId: "web",
    slot,
    ...(createdMs === undefined
      ? {}
      : { meta: { createdAt: timestampFromDate(new Date(createdMs)) } }),
    specVersion: { index: o.outdated ? 0n : 1n },
    spec: o.outdated ? { forceUpdate: 1n } : web.spec!.task!,
    desiredState: o.desiredState ?? TaskState.RUNNING,
  });
}

Deno.test("groupSlots groups by key, oldest first, and lists the active tasks", () => {
  const a = task("a", 1, 2000);
  const b = task("b", 1, 1000, { desiredState: TaskState.SHUTDOWN });
  const c = task("c", 2, 500);
  const slots = groupSlots([a, b, c, task("x", 0, 0)], (t) => (t.slot > 0 ? t.slot : undefined));
  assert.deepEqual([...slots.keys()], [1, 2]);
  assert.deepEqual(slots.get(1)!.history.map((t) => t.id), ["b", "a"]);
  assert.deepEqual(slots.get(1)!.active.map((t) => t.id), ["a"]);
});

Deno.test("creation order: by time, then ID; unsaved tasks are the newest", () => {
  const tasks = [
    task("b", 1, 1000),
    task("new", 1, undefined),
    task("a", 1, 1000),
    task("z", 1, 5),
  ];
  assert.deepEqual([...tasks].sort(byCreation).map((t) => t.id), ["z", "a", "b", "new"]);
  assert.equal(newest(tasks).id, "new");
});

Deno.test("the current task is the newest with the current spec, else the newest", () => {
  const outdated = (id: string, ms: number) => task(id, 1, ms, { outdated: true });
  const old = outdated("old", 1000);
  const fresh = task("fresh", 1, 2000);
  assert.equal(currentTask(web, [old, fresh]).id, "fresh", "a start-first replacement");
  assert.equal(currentTask(web, [fresh, outdated("later", 3000)]).id, "fresh", "after a rollback");
  assert.equal(currentTask(web, [old, outdated("older", 10)]).id, "old");
});
