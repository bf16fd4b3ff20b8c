import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { TaskSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { taskRuntime } from "./task_runtime.ts";

Deno.test("taskRuntime: a process task", () => {
  const task = create(TaskSchema, {
    id: "t1",
    serviceId: "s1",
    slot: 2,
    annotations: { name: "web.2" },
    spec: {
      runtime: {
        case: "process",
        value: { command: "sleep", args: ["10"], env: ["A=1"], dir: "/tmp", stopSignal: "SIGINT" },
      },
    },
  });
  assert.deepEqual(taskRuntime(task), {
    taskId: "t1",
    name: "web.2.t1",
    serviceId: "s1",
    slot: 2,
    command: "sleep",
    args: ["10"],
    env: ["A=1"],
    dir: "/tmp",
    stopSignal: "SIGINT",
  });
});

Deno.test("taskRuntime: a container task carries image, hostname, user and labels", () => {
  const task = create(TaskSchema, {
    id: "t1",
    serviceId: "s1",
    slot: 1,
    annotations: { name: "web.1" },
    spec: {
      runtime: {
        case: "container",
        value: {
          image: "busybox:local",
          command: ["sh", "-c"],
          args: ["exit 3"],
          env: ["A=1"],
          hostname: "h",
          user: "1000",
          labels: { team: "blue" },
          stopGracePeriod: { seconds: 2n, nanos: 500_000_000 },
        },
      },
    },
  });
  assert.deepEqual(taskRuntime(task), {
    taskId: "t1",
    name: "web.1.t1",
    serviceId: "s1",
    slot: 1,
    image: "busybox:local",
    command: "sh",
    args: ["-c", "exit 3"],
    env: ["A=1"],
    hostname: "h",
    user: "1000",
    labels: { team: "blue" },
    stopGracePeriodMs: 2_500,
  });
  // Arguments only: the image's entrypoint stays (command "").
  const argsOnly = create(TaskSchema, {
    id: "t2",
    serviceId: "s1",
    spec: { runtime: { case: "container", value: { image: "x", args: ["sleep", "1"] } } },
  });
  const rt = taskRuntime(argsOnly);
  assert.equal(rt.command, "");
  assert.deepEqual(rt.args, ["sleep", "1"]);
  assert.equal(rt.labels, undefined);
  assert.equal(rt.name, "s1.t2");
});
