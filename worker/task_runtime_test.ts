import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ConfigSchema, SecretSchema, TaskSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { TaskRejectedError } from "./executor.ts";
import {
  DEFAULT_CONFIG_MODE,
  DEFAULT_SECRET_MODE,
  type DependencyLookup,
  MissingDependencyError,
  taskRuntime,
} from "./task_runtime.ts";

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

function withRefs() {
  return create(TaskSchema, {
    id: "t9",
    serviceId: "s1",
    annotations: { name: "web.1" },
    spec: {
      runtime: {
        case: "process",
        value: {
          command: "true",
          secrets: [
            { secretId: "s1", secretName: "db", file: { name: "db", mode: 0o440, uid: "1000" } },
            { secretId: "s2", secretName: "tls", file: { name: "certs/tls.pem" } },
          ],
          configs: [{ configId: "c1", configName: "app", file: { name: "/etc/app.conf" } }],
        },
      },
    },
  });
}

const bytes = (s: string) => new TextEncoder().encode(s);
const lookup: DependencyLookup = {
  secret: (id) =>
    id === "s1" || id === "s2"
      ? create(SecretSchema, { id, spec: { data: bytes(`secret ${id}`) } })
      : undefined,
  config: (id) =>
    id === "c1" ? create(ConfigSchema, { id, spec: { data: bytes("k=v") } }) : undefined,
};

Deno.test("taskRuntime: resolves secrets and configs with their modes, owners and defaults", () => {
  const rt = taskRuntime(withRefs(), lookup);
  assert.deepEqual(rt.secrets, [
    { name: "db", target: "db", data: bytes("secret s1"), mode: 0o440, uid: 1000, gid: 0 },
    {
      name: "tls",
      target: "certs/tls.pem",
      data: bytes("secret s2"),
      mode: DEFAULT_SECRET_MODE,
      uid: 0,
      gid: 0,
    },
  ]);
  assert.deepEqual(rt.configs, [
    {
      name: "app",
      target: "/etc/app.conf",
      data: bytes("k=v"),
      mode: DEFAULT_CONFIG_MODE,
      uid: 0,
      gid: 0,
    },
  ]);
  assert.equal(DEFAULT_SECRET_MODE, 0o400);
  assert.equal(DEFAULT_CONFIG_MODE, 0o444);
});

Deno.test("taskRuntime: a secret the agent does not hold rejects the task, saying which", () => {
  const partial: DependencyLookup = { ...lookup, secret: () => undefined };
  assert.throws(() => taskRuntime(withRefs(), partial), (e: unknown) => {
    assert.ok(e instanceof MissingDependencyError);
    assert.ok(e instanceof TaskRejectedError);
    assert.equal(e.kind, "secret");
    assert.match(
      e.message,
      /^Secret not available on this node: db \(s1\): .*swarm secret create db/,
    );
    return true;
  });
  assert.throws(() => taskRuntime(withRefs()), MissingDependencyError);
  const bad = withRefs();
  (bad.spec!.runtime.value!.secrets[0]!.file!).uid = "root";
  assert.throws(() => taskRuntime(bad, lookup), /Invalid uid for db: "root"/);
});
