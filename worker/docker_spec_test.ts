import assert from "node:assert/strict";
import type { ImageInfo } from "./docker_engine.ts";
import {
  containerName,
  containerPlan,
  DOCKER_LABELS,
  type DockerSpecOptions,
  effectiveCommand,
} from "./docker_spec.ts";
import { TaskRejectedError } from "./executor.ts";
import { DEFAULT_PATH } from "./process_spec.ts";
import type { TaskRuntime } from "./types.ts";

const task: TaskRuntime = {
  taskId: "t1abc",
  name: "web.3.t1abc",
  serviceId: "s1",
  slot: 3,
  image: "busybox:local",
  command: "",
  args: ["sleep", "3600"],
  env: ["A=1", "SWARM_NODE_ID=mine"],
};
const options: DockerSpecOptions = { nodeId: "n1", networkMode: "host", init: true };
const image: ImageInfo = {
  id: "sha256:1",
  env: ["PATH=/image/bin", "LANG=C"],
  entrypoint: ["/entry"],
  cmd: ["serve"],
  workingDir: "/app",
};

Deno.test("containerName: the task name, ending in the task ID, as Docker accepts it", () => {
  assert.equal(containerName(task), "web.3.t1abc");
  assert.equal(containerName({ taskId: "t9", name: "web.1" }), "web.1.t9");
  assert.equal(containerName({ taskId: "t9", name: "my app/1.t9" }), "my_app_1.t9");
  assert.equal(containerName({ taskId: "t9", name: "_x.t9" }), "swarm_x.t9");
});

Deno.test("containerPlan: a container service with arguments only", () => {
  const plan = containerPlan(task, options);
  assert.equal(plan.name, "web.3.t1abc");
  assert.equal(plan.image, "busybox:local");
  assert.equal(plan.stopSignal, "SIGTERM");
  assert.equal(plan.stopGracePeriodMs, 10_000);
  assert.deepEqual(plan.create, {
    Image: "busybox:local",
    Cmd: ["sleep", "3600"],
    Env: [
      "SWARM_TASK_ID=t1abc",
      "SWARM_TASK_NAME=web.3.t1abc",
      "SWARM_TASK_SLOT=3",
      "SWARM_SERVICE_ID=s1",
      "SWARM_NODE_ID=mine", // the task's own env wins
      "A=1",
    ],
    Labels: {
      [DOCKER_LABELS.taskId]: "t1abc",
      [DOCKER_LABELS.taskName]: "web.3.t1abc",
      [DOCKER_LABELS.taskSlot]: "3",
      [DOCKER_LABELS.serviceId]: "s1",
      [DOCKER_LABELS.nodeId]: "n1",
      [DOCKER_LABELS.stopGracePeriodMs]: "10000",
    },
    StopSignal: "SIGTERM",
    StopTimeout: 10,
    AttachStdin: false,
    AttachStdout: false,
    AttachStderr: false,
    Tty: false,
    OpenStdin: false,
    HostConfig: { NetworkMode: "host", Init: true },
  });
});

Deno.test("containerPlan: command, dir, user, hostname, labels, stop settings", () => {
  const plan = containerPlan({
    ...task,
    command: "sh",
    args: ["-c", "exit 3"],
    env: { B: "2" },
    dir: "/work",
    user: "1000:1000",
    hostname: "web-3",
    labels: { team: "a", [DOCKER_LABELS.nodeId]: "forged" },
    stopSignal: "SIGINT",
    stopGracePeriodMs: 1_500,
  }, { nodeId: "n2", networkMode: "none", init: false });
  const c = plan.create;
  assert.deepEqual(c.Entrypoint, ["sh"]);
  assert.deepEqual(c.Cmd, ["-c", "exit 3"]);
  assert.equal(c.Env.at(-1), "B=2");
  assert.equal(c.WorkingDir, "/work");
  assert.equal(c.User, "1000:1000");
  assert.equal(c.Hostname, "web-3");
  assert.equal(c.Labels.team, "a");
  assert.equal(c.Labels[DOCKER_LABELS.nodeId], "n2", "swarm's labels win");
  assert.equal(c.StopSignal, "SIGINT");
  assert.equal(c.StopTimeout, 2);
  assert.equal(c.Labels[DOCKER_LABELS.stopGracePeriodMs], "1500");
  assert.deepEqual(c.HostConfig, { NetworkMode: "none", Init: false });
  assert.equal(plan.stopSignal, "SIGINT");
  assert.equal(plan.stopGracePeriodMs, 1_500);
});

Deno.test("containerPlan: neither command nor args runs the image as built", () => {
  const c = containerPlan({ ...task, args: [] }, options).create;
  assert.equal(c.Entrypoint, undefined);
  assert.equal(c.Cmd, undefined);
});

Deno.test("containerPlan: what cannot run is REJECTED with what to do", () => {
  const rejects = (t: TaskRuntime, message: RegExp) =>
    assert.throws(
      () => containerPlan(t, options),
      (e: unknown) => e instanceof TaskRejectedError && message.test(e.message),
    );
  const { image: _image, ...processTask } = task;
  rejects(processTask, /^No image: task t1abc is a process task .* --executor process$/);
  rejects({ ...task, image: " " }, /^No image/);
  rejects({ ...task, image: "a b" }, /^Invalid image "a b"/);
  rejects({ ...task, dir: "rel" }, /^Invalid working directory: rel: .* absolute path/);
  rejects({ ...task, stopGracePeriodMs: -1 }, /^Invalid stop grace period/);
  rejects({ ...task, stopSignal: "SIGNOPE" as Deno.Signal }, /^Invalid stop signal/);
  rejects({ ...task, env: ["NOEQUALS"] }, /^Invalid environment entry/);
});

Deno.test("effectiveCommand: how the image's entrypoint and CMD combine", () => {
  const plan = (t: Partial<TaskRuntime>) => containerPlan({ ...task, ...t }, options).create;
  // A command replaces the entrypoint and drops the image's CMD.
  assert.deepEqual(effectiveCommand(plan({ command: "sh", args: ["-c", "x"] }), image), {
    argv: ["sh", "-c", "x"],
    path: "/image/bin",
    cwd: "/app",
  });
  // Arguments replace the CMD after the image's entrypoint.
  assert.deepEqual(effectiveCommand(plan({ args: ["a"] }), image).argv, ["/entry", "a"]);
  // Nothing given: the image as built.
  assert.deepEqual(effectiveCommand(plan({ args: [] }), image).argv, ["/entry", "serve"]);
  // The task's PATH and dir win; an image without them gets Docker's defaults.
  const bare: ImageInfo = { id: "x", env: [], entrypoint: [], cmd: [], workingDir: "" };
  assert.deepEqual(effectiveCommand(plan({ args: [] }), bare), {
    argv: [],
    path: DEFAULT_PATH,
    cwd: "/",
  });
  assert.deepEqual(
    effectiveCommand(plan({ env: ["PATH=/mine"], dir: "/d" }), image),
    { argv: ["/entry", "sleep", "3600"], path: "/mine", cwd: "/d" },
  );
});
