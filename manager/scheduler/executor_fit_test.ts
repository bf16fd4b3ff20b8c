import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NodeSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { executorFor, nodeRunsExecutor } from "./executor_fit.ts";

const processTask = create(TaskSpecSchema, {
  runtime: { case: "process", value: { command: "sleep" } },
});
const containerTask = create(TaskSpecSchema, {
  runtime: { case: "container", value: { image: "busybox:local" } },
});
const nodeWith = (executors: string[]) =>
  create(NodeSchema, { description: { engine: { engineVersion: "swarm", executors } } });

Deno.test("a container image needs the Docker executor, a process the process executor", () => {
  assert.equal(executorFor(containerTask), "docker");
  assert.equal(executorFor(processTask), "process");
  assert.equal(nodeRunsExecutor(nodeWith(["docker"]), containerTask), true);
  assert.equal(nodeRunsExecutor(nodeWith(["docker"]), processTask), false);
  assert.equal(nodeRunsExecutor(nodeWith(["process"]), containerTask), false);
  assert.equal(nodeRunsExecutor(nodeWith([]), processTask), true, "no list: the default");
  assert.equal(nodeRunsExecutor(create(NodeSchema, {}), processTask), undefined);
});
