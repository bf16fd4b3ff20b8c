import assert from "node:assert/strict";
import { durationMs } from "@bufbuild/protobuf/wkt";
import {
  RestartPolicy_Condition,
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import type { Service } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { FakeControlApi } from "../../fake_control_api.ts";
import { assertUsageError, run } from "../../_run_client.ts";

const MISSING =
  "missing command: give the command after --, e.g. swarm service create --name web -- sleep 1000";

function only(api: FakeControlApi): Service {
  const all = [...api.services.values()];
  assert.equal(all.length, 1);
  return all[0]!;
}

Deno.test("service create makes a process service and prints its ID", async () => {
  const r = await run([
    "service",
    "create",
    "--name",
    "web",
    "--replicas",
    "3",
    "--env",
    "A=1",
    "--env",
    "B=x=y",
    "--",
    "sleep",
    "1000",
  ]);
  assert.equal(r.code, 0, r.err);
  const svc = only(r.api);
  assert.equal(r.out, `${svc.id}\n`);
  assert.equal(r.err, "");
  const spec = svc.spec!;
  assert.equal(spec.annotations?.name, "web");
  assert.deepEqual(spec.mode.case === "replicated" && spec.mode.value.replicas, 3);
  assert.ok(spec.task?.runtime.case === "process");
  assert.equal(spec.task.runtime.value.command, "sleep");
  assert.deepEqual(spec.task.runtime.value.args, ["1000"]);
  assert.deepEqual(spec.task.runtime.value.env, ["A=1", "B=x=y"]);
  // Unset parts stay unset; the manager fills in defaults.
  assert.equal(spec.task.restart, undefined);
  assert.equal(spec.update, undefined);
});

Deno.test("service create defaults to one replica and keeps args that look like flags", async () => {
  const r = await run(["service", "create", "--name", "sh", "--", "sh", "-c", "echo --name"]);
  assert.equal(r.code, 0, r.err);
  const spec = only(r.api).spec!;
  assert.deepEqual(spec.mode.case === "replicated" && spec.mode.value.replicas, 1);
  assert.ok(spec.task?.runtime.case === "process");
  assert.deepEqual(spec.task.runtime.value.args, ["-c", "echo --name"]);
});

Deno.test("service create leaves --help after -- to the command", async () => {
  const r = await run(["service", "create", "--name", "h", "--", "prog", "--help", "-s", "x"]);
  assert.equal(r.code, 0, r.err);
  const rt = only(r.api).spec?.task?.runtime;
  assert.ok(rt?.case === "process");
  assert.deepEqual(rt.value.args, ["--help", "-s", "x"]);
  const help = await run(["service", "create", "--name", "h", "--help", "--", "prog"]);
  assert.equal(help.code, 0);
  assert.match(help.out, /^Usage:/);
  assert.deepEqual(help.api.calls, []);
});

Deno.test("service create applies every flag", async () => {
  const r = await run([
    "service",
    "create",
    "--name",
    "api",
    "--label",
    "tier=back",
    "--workdir",
    "/srv",
    "--restart-condition",
    "on-failure",
    "--restart-delay",
    "1m30s",
    "--restart-max-attempts",
    "4",
    "--restart-window",
    "2m",
    "--stop-signal",
    "int",
    "--stop-grace-period",
    "500ms",
    "--constraint",
    "node.role==worker",
    "--constraint",
    "node.labels.zone!=east",
    "--placement-pref",
    "spread=node.labels.zone",
    "--replicas-max-per-node",
    "2",
    "--reserve-cpu",
    "0.25",
    "--reserve-memory",
    "64MiB",
    "--limit-cpu",
    "1.5",
    "--limit-memory",
    "1g",
    "--update-parallelism",
    "2",
    "--update-delay",
    "10s",
    "--update-failure-action",
    "rollback",
    "--update-monitor",
    "30s",
    "--update-max-failure-ratio",
    "0.25",
    "--update-order",
    "start-first",
    "--rollback-parallelism",
    "0",
    "--rollback-order",
    "stop-first",
    "--",
    "/usr/bin/server",
    "--port",
    "8080",
  ]);
  assert.equal(r.code, 0, r.err);
  const spec = only(r.api).spec!;
  assert.deepEqual(spec.annotations?.labels, { tier: "back" });
  const task = spec.task!;
  assert.ok(task.runtime.case === "process");
  const p = task.runtime.value;
  assert.equal(p.dir, "/srv");
  assert.equal(p.stopSignal, "SIGINT");
  assert.equal(durationMs(p.stopGracePeriod!), 500);
  assert.equal(task.restart?.condition, RestartPolicy_Condition.ON_FAILURE);
  assert.equal(durationMs(task.restart!.delay!), 90_000);
  assert.equal(task.restart?.maxAttempts, 4);
  assert.equal(durationMs(task.restart!.window!), 120_000);
  assert.deepEqual(task.placement?.constraints, ["node.role==worker", "node.labels.zone!=east"]);
  const pref = task.placement?.preferences[0]?.preference;
  assert.ok(pref?.case === "spread" && pref.value.spreadDescriptor === "node.labels.zone");
  assert.equal(task.placement?.maxReplicas, 2);
  assert.equal(task.resources?.reservations?.nanoCpus, 250_000_000n);
  assert.equal(task.resources?.reservations?.memoryBytes, 64n * 1024n * 1024n);
  assert.equal(task.resources?.limits?.nanoCpus, 1_500_000_000n);
  assert.equal(task.resources?.limits?.memoryBytes, 1024n ** 3n);
  assert.equal(spec.update?.parallelism, 2);
  assert.equal(durationMs(spec.update!.delay!), 10_000);
  assert.equal(spec.update?.failureAction, UpdateConfig_FailureAction.ROLLBACK);
  assert.equal(durationMs(spec.update!.monitor!), 30_000);
  assert.equal(spec.update?.maxFailureRatio, 0.25);
  assert.equal(spec.update?.order, UpdateConfig_UpdateOrder.START_FIRST);
  // A partly given config starts from the defaults, not from zero values.
  assert.equal(spec.rollback?.parallelism, 0);
  assert.equal(durationMs(spec.rollback!.monitor!), 5000);
  assert.equal(spec.rollback?.order, UpdateConfig_UpdateOrder.STOP_FIRST);
});

Deno.test("service create with only a restart delay keeps restarting on any exit", async () => {
  const r = await run(["service", "create", "--name", "w", "--restart-delay", "2s", "--", "x"]);
  assert.equal(r.code, 0, r.err);
  assert.equal(only(r.api).spec?.task?.restart?.condition, RestartPolicy_Condition.ANY);
});

Deno.test("service create --image makes a container service", async () => {
  const r = await run(["service", "create", "--name", "c", "--image", "alpine:3.20", "--", "top"]);
  assert.equal(r.code, 0, r.err);
  const rt = only(r.api).spec?.task?.runtime;
  assert.ok(rt?.case === "container");
  assert.equal(rt.value.image, "alpine:3.20");
  assert.deepEqual(rt.value.args, ["top"]);
  const bare = await run(["service", "create", "--name", "c", "--image", "nginx"]);
  assert.equal(bare.code, 0, bare.err);
});

Deno.test("service create supports every mode", async () => {
  const api = new FakeControlApi();
  const modes: [string[], string][] = [
    [["--mode", "global"], "global"],
    [["--mode", "replicated-job", "--replicas", "10", "--max-concurrent", "2"], "replicatedJob"],
    [["--mode", "global-job"], "globalJob"],
    [["--mode", "REPLICATED"], "replicated"],
  ];
  for (const [i, [flags, mode]] of modes.entries()) {
    const r = await run(["service", "create", "--name", `s${i}`, ...flags, "--", "true"], { api });
    assert.equal(r.code, 0, r.err);
    const svc = [...api.services.values()].find((s) => s.spec?.annotations?.name === `s${i}`)!;
    assert.equal(svc.spec?.mode.case, mode);
  }
  const job = [...api.services.values()].find((s) => s.spec?.mode.case === "replicatedJob")!;
  assert.ok(job.spec?.mode.case === "replicatedJob");
  assert.equal(job.spec.mode.value.totalCompletions, 10);
  assert.equal(job.spec.mode.value.maxConcurrent, 2);
});

Deno.test("service create --mode replicated-job: --replicas completions, --max-concurrent at once (default --replicas)", async () => {
  const table: [string[], number, number][] = [
    [["--replicas", "3", "--max-concurrent", "2"], 2, 3], // as in the README
    [["--replicas", "3"], 3, 3],
    [[], 1, 1],
    [["--replicas", "0"], 1, 0],
  ];
  for (const [flags, maxConcurrent, totalCompletions] of table) {
    const r = await run([
      "service",
      "create",
      "--name",
      "migrate",
      "--mode",
      "replicated-job",
      ...flags,
      "--",
      "sh",
      "-c",
      "echo part $SWARM_TASK_SLOT",
    ]);
    assert.equal(r.code, 0, r.err);
    const svc = only(r.api);
    assert.deepEqual(svc.spec?.mode.value, {
      $typeName: "swarm.v1.ReplicatedJob",
      maxConcurrent,
      totalCompletions,
    }, flags.join(" "));
    assert.equal(svc.jobStatus?.jobIteration, 0n, "the first run");
    assert.equal(svc.spec?.update, undefined);
    assert.equal(svc.spec?.task?.restart, undefined, "the manager's default: on failure");
  }
});

Deno.test("service create --mode global-job; a job's restart policy defaults to on-failure", async () => {
  const r = await run([
    "service",
    "create",
    "--name",
    "warm",
    "--mode",
    "global-job",
    "--restart-max-attempts",
    "3",
    "--",
    "sh",
    "-c",
    "echo cache warmed",
  ]);
  assert.equal(r.code, 0, r.err);
  const svc = only(r.api);
  assert.equal(svc.spec?.mode.case, "globalJob");
  assert.equal(svc.spec?.task?.restart?.condition, RestartPolicy_Condition.ON_FAILURE);
  assert.equal(svc.spec?.task?.restart?.maxAttempts, 3);
});

Deno.test("service create --format json prints the service", async () => {
  const r = await run([
    "service",
    "create",
    "--name",
    "web",
    "--format",
    "json",
    "--",
    "sleep",
    "1",
  ]);
  assert.equal(r.code, 0, r.err);
  const json = JSON.parse(r.out);
  assert.equal(json.id, only(r.api).id);
  assert.equal(json.spec.annotations.name, "web");
  assert.deepEqual(json.spec.task.process, { command: "sleep", args: ["1"] });
});

Deno.test("service create resolves secrets and configs", async () => {
  const api = new FakeControlApi();
  const secret = api.addSecret({
    id: "sec1",
    spec: { annotations: { name: "db" }, data: new Uint8Array([1]) },
  });
  api.addConfig({ id: "cfg1", spec: { annotations: { name: "app" }, data: new Uint8Array([1]) } });
  const r = await run([
    "service",
    "create",
    "--name",
    "web",
    "--secret",
    "db",
    "--config",
    "source=app,target=conf/app.yaml,mode=0400",
    "--",
    "server",
  ], { api });
  assert.equal(r.code, 0, r.err);
  const rt = only(api).spec?.task?.runtime;
  assert.ok(rt?.case === "process");
  assert.equal(rt.value.secrets[0]?.secretId, secret.id);
  assert.equal(rt.value.secrets[0]?.file?.name, "db");
  assert.equal(rt.value.secrets[0]?.file?.mode, 0o444);
  assert.equal(rt.value.configs[0]?.configId, "cfg1");
  assert.equal(rt.value.configs[0]?.file?.name, "conf/app.yaml");
  assert.equal(rt.value.configs[0]?.file?.mode, 0o400);

  const before = api.mutatingCalls().length;
  const missing = await run(["service", "create", "--name", "x", "--secret", "nope", "--", "a"], {
    api,
  });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: no such secret: nope\n");
  assert.equal(api.mutatingCalls().length, before);
});

Deno.test("service create reports a name conflict from the manager", async () => {
  const api = new FakeControlApi();
  api.addService({ spec: { annotations: { name: "web" } } });
  const r = await run(["service", "create", "--name", "WEB", "--", "sleep", "1"], { api });
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error: service WEB already exists/);
});

Deno.test("service create rejects bad input before sending anything", async () => {
  const cases: [string[], string | RegExp][] = [
    [["--name", "web"], MISSING],
    [["--name", "web", "--"], MISSING],
    [
      ["--name", "web", "sleep", "1000"],
      'unexpected argument "sleep": give the command after --, e.g. swarm service create --name web -- sleep 1000',
    ],
    [
      ["--name", "web", "--replicas", "-1", "--", "x"],
      "flag --replicas needs a value: to give a value that starts with '-', write --replicas=VALUE",
    ],
    [
      ["--name", "web", "--replicas=-1", "--", "x"],
      'invalid value "-1" for --replicas: must be a whole number from 0 to 4294967295',
    ],
    [["--name", "web", "--replicas", "2.5", "--", "x"], /invalid value "2\.5" for --replicas/],
    [["--name", "web", "--replicas", "three", "--", "x"], /invalid value "three" for --replicas/],
    [
      ["--name", "web", "--replicas", "4294967296", "--", "x"],
      /invalid value "4294967296" for --replicas/,
    ],
    [
      ["--name", "web", "--env", "FOO", "--", "x"],
      'invalid environment variable "FOO": use KEY=VALUE, e.g. FOO=8080',
    ],
    [["--name", "web", "--env", "=bar", "--", "x"], /the key before '=' is empty/],
    [["--name", "web", "--bogus", "--", "x"], 'unknown flag --bogus for "swarm service create"'],
    [["--name", "web", "--replica", "3", "--", "x"], /did you mean --replicas\?/],
    [["--", "sleep", "1"], /^Error: missing service name/],
    [
      ["--name", "Web!", "--", "x"],
      `invalid service name "Web!": names may contain letters, digits, '-' and '_', must start and end with a letter or digit, at most 63 characters`,
    ],
    [
      ["--name", "web", "--mode", "daemon", "--", "x"],
      'invalid value "daemon" for --mode: use one of replicated, global, replicated-job, global-job',
    ],
    [
      ["--name", "web", "--mode", "global", "--replicas", "2", "--", "x"],
      /--replicas applies to replicated services/,
    ],
    [
      ["--name", "web", "--mode", "global", "--replicas-max-per-node", "2", "--", "x"],
      "invalid global service: max replicas per node applies to replicated services and jobs; a global service runs one task per node",
    ],
    [
      ["--name", "web", "--update-parallelism=-2", "--", "x"],
      'invalid value "-2" for --update-parallelism: must be a whole number from 0 to 4294967295',
    ],
    [
      ["--name", "web", "--rollback-max-failure-ratio", "1.5", "--", "x"],
      'invalid value "1.5" for --rollback-max-failure-ratio: must be a number from 0 to 1, e.g. 0.2',
    ],
    [
      ["--name", "web", "--max-concurrent", "2", "--", "x"],
      /--max-concurrent applies to replicated jobs only/,
    ],
    [
      ["--name", "web", "--mode", "global-job", "--update-parallelism", "2", "--", "x"],
      "--update-parallelism does not apply to jobs: a job's tasks run to completion and are not rolled out (updating a job runs it again)",
    ],
    [
      ["--name", "web", "--mode", "replicated-job", "--rollback-delay", "5s", "--", "x"],
      /^Error: --rollback-delay does not apply to jobs/,
    ],
    [
      ["--name", "web", "--mode", "replicated-job", "--max-concurrent", "0", "--", "x"],
      "invalid replicated-job service: max concurrent must be at least 1 (the tasks the job runs at once)",
    ],
    [
      ["--name", "web", "--mode", "replicated-job", "--replicas=-1", "--", "x"],
      /invalid value "-1" for --replicas/,
    ],
    [
      ["--name", "web", "--mode", "global-job", "--replicas", "2", "--", "x"],
      /--replicas applies to replicated services and replicated jobs/,
    ],
    [
      ["--name", "web", "--mode", "global-job", "--max-concurrent", "2", "--", "x"],
      /--max-concurrent applies to replicated jobs only/,
    ],
    [
      ["--name", "web", "--restart-delay", "5", "--", "x"],
      /invalid value "5" for --restart-delay: add a unit, e.g. 5s/,
    ],
    [["--name", "web", "--restart-delay", "-5s", "--", "x"], /flag --restart-delay needs a value/],
    [["--name", "web", "--restart-delay=-5s", "--", "x"], /must not be negative/],
    [
      ["--name", "web", "--restart-condition", "always", "--", "x"],
      /use one of none, on-failure, any/,
    ],
    [
      ["--name", "web", "--reserve-memory", "lots", "--", "x"],
      /invalid value "lots" for --reserve-memory/,
    ],
    [
      ["--name", "web", "--limit-memory", "1m", "--", "x"],
      "invalid memory limit 1MiB: must be at least 4MiB, or 0 for none",
    ],
    [
      ["--name", "web", "--limit-cpu", "0.0001", "--", "x"],
      /invalid CPU limit 0\.0001: must be at least 0\.001 CPU/,
    ],
    [
      ["--name", "web", "--limit-cpu", "1", "--reserve-cpu", "2", "--", "x"],
      /invalid CPU reservation 2: it is greater than the CPU limit 1/,
    ],
    [
      ["--name", "web", "--constraint", "node.role=worker", "--", "x"],
      /invalid constraint "node.role=worker": use key==value or key!=value/,
    ],
    [
      ["--name", "web", "--placement-pref", "node.labels.zone", "--", "x"],
      /for --placement-pref: use key=value/,
    ],
    [["--name", "web", "--placement-pref", "pack=x", "--", "x"], /use spread=LABEL/],
    [["--name", "web", "--stop-signal", "SIGFOO", "--", "x"], /invalid stop signal "SIGFOO"/],
    [
      ["--name", "web", "--update-max-failure-ratio", "2", "--", "x"],
      /must be a number from 0 to 1/,
    ],
    [
      ["--name", "web", "--label", "=x", "--", "x"],
      /for --label: use key=value with a non-empty key/,
    ],
    [["--name", "web", "--secret", "source=", "--", "x"], /source=NAME is required/],
    [["--name", "web", "--secret", "source=a,colour=red", "--", "x"], /unknown field "colour=red"/],
    [["--name", "web", "--secret", "source=a,mode=999", "--", "x"], /mode must be octal/],
    [["--name", "web", "--secret", "a,b", "--", "x"], /give a name, or source=NAME,target=FILE/],
    [["--name", "web", "--image", "a b"], /invalid image "a b"/],
    [["--name", "web", "--force", "--", "x"], /unknown flag --force/],
  ];
  for (const [args, message] of cases) {
    const r = await run(["service", "create", ...args]);
    assertUsageError(r, message);
    assert.match(r.err, /Run 'swarm service create --help' for usage\.\n$/, args.join(" "));
  }
});
