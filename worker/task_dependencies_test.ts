import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import {
  type Assignment,
  AssignmentChange_Action,
  AssignmentsMessage_Type,
  AssignmentsMessageSchema,
} from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import { ConfigSchema, SecretSchema, TaskSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { TaskDependencies } from "./task_dependencies.ts";

const UPDATE = AssignmentChange_Action.UPDATE;
const REMOVE = AssignmentChange_Action.REMOVE;

function message(
  type: AssignmentsMessage_Type,
  changes: [AssignmentChange_Action, Assignment["item"]][],
) {
  return create(AssignmentsMessageSchema, {
    type,
    changes: changes.map(([action, item]) => ({ action, assignment: { item } })),
  });
}

const secret = (id: string) =>
  ({
    case: "secret",
    value: create(SecretSchema, { id, spec: { data: new Uint8Array([1]) } }),
  }) as const;
const config = (id: string) => ({ case: "config", value: create(ConfigSchema, { id }) }) as const;

Deno.test("task dependencies: COMPLETE replaces, INCREMENTAL adds and removes, tasks are ignored", () => {
  const deps = new TaskDependencies();
  deps.apply(message(AssignmentsMessage_Type.COMPLETE, [
    [UPDATE, secret("s1")],
    [UPDATE, secret("s2")],
    [UPDATE, config("c1")],
    [UPDATE, { case: "task", value: create(TaskSchema, { id: "t1" }) }],
  ]));
  assert.deepEqual(deps.secretIds, ["s1", "s2"]);
  assert.deepEqual(deps.configIds, ["c1"]);
  assert.deepEqual(deps.secret("s1")?.spec?.data, new Uint8Array([1]));

  deps.apply(message(AssignmentsMessage_Type.INCREMENTAL, [
    [UPDATE, secret("s3")],
    [REMOVE, secret("s1")],
    [REMOVE, config("c1")],
  ]));
  assert.deepEqual(deps.secretIds, ["s2", "s3"]);
  assert.equal(deps.secret("s1"), undefined);
  assert.deepEqual(deps.configIds, []);

  // A new session's COMPLETE message holds everything: what it lacks is gone.
  deps.apply(message(AssignmentsMessage_Type.COMPLETE, [[UPDATE, config("c2")]]));
  assert.deepEqual(deps.secretIds, []);
  assert.deepEqual(deps.configIds, ["c2"]);
  deps.clear();
  assert.deepEqual(deps.configIds, []);
});
