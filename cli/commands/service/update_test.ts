import assert from "node:assert/strict";
import { durationMs } from "@bufbuild/protobuf/wkt";
import type { Service } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { UpdateServiceRequest_Rollback } from "../../../proto/gen/swarm/v1/control_pb.ts";
import type { UpdateServiceRequest } from "../../../proto/gen/swarm/v1/control_pb.ts";
import {
  RestartPolicy_Condition,
  UpdateConfig_FailureAction,
  UpdateConfig_UpdateOrder,
  UpdateStatus_UpdateState,
  UpdateStatusSchema,
} from "../../../proto/gen/swarm/v1/types_pb.ts";
import { create } from "@bufbuild/protobuf";
import { GrpcCode, RpcError } from "../../control_api.ts";
import { FakeControlApi } from "../../fake_control_api.ts";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";

const WEB = "svcwebxxxxxxxxxxxxxxxxxxx";

function web(api: FakeControlApi): Service {
  return api.services.get(WEB)!;
}

function processOf(svc: Service) {
  const rt = svc.spec?.task?.runtime;
  assert.ok(rt?.case === "process");
  return rt.value;
}

Deno.test("service update changes replicas, env and labels with the version it read", async () => {
  const api = fixture();
  const version = web(api).meta!.version!.index;
  const r = await run([
    "service",
    "update",
    "web",
    "--replicas",
    "4",
    "--env-add",
    "A=1",
    "--env",
    "B=2",
    "--label-add",
    "tier=front",
  ], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "web\n");
  const svc = web(api);
  assert.ok(svc.spec?.mode.case === "replicated" && svc.spec.mode.value.replicas === 4);
  assert.deepEqual(processOf(svc).env, ["A=1", "B=2"]);
  assert.deepEqual(svc.spec.annotations?.labels, { tier: "front" });
  const req = api.calls.find((c) => c.method === "updateService")!.request as UpdateServiceRequest;
  assert.equal(req.serviceVersion?.index, version);
  assert.equal(req.serviceId, WEB);
});

Deno.test("service update removes before it adds", async () => {
  const api = fixture();
  await run(
    ["service", "update", "web", "--env-add", "A=1", "--env-add", "B=2", "--label", "x=1"],
    { api },
  );
  const r = await run([
    "service",
    "update",
    "web",
    "--env-rm",
    "A",
    "--env-add",
    "B=3",
    "--label-rm",
    "x",
    "--constraint-add",
    "node.role==worker",
    "--constraint",
    "node.id!=abc",
  ], { api });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(processOf(web(api)).env, ["B=3"]);
  assert.deepEqual(web(api).spec?.annotations?.labels, {});
  assert.deepEqual(web(api).spec?.task?.placement?.constraints, [
    "node.role==worker",
    "node.id!=abc",
  ]);
  await run(["service", "update", "web", "--constraint-rm", "node.role==worker"], { api });
  assert.deepEqual(web(api).spec?.task?.placement?.constraints, ["node.id!=abc"]);
});

Deno.test("service update --force bumps force_update", async () => {
  const api = fixture();
  await run(["service", "update", "web", "--force"], { api });
  await run(["service", "update", "web", "--force"], { api });
  assert.equal(web(api).spec?.task?.forceUpdate, 2n);
});

Deno.test("service update replaces the command after --", async () => {
  const api = fixture();
  const r = await run(["service", "update", "web", "--", "sleep", "2000"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(processOf(web(api)).command, "sleep");
  assert.deepEqual(processOf(web(api)).args, ["2000"]);
});

Deno.test("service update changes restart, resources and update settings", async () => {
  const api = fixture();
  const r = await run([
    "service",
    "update",
    "web",
    "--restart-delay",
    "10s",
    "--limit-memory",
    "128m",
    "--update-parallelism",
    "3",
    "--stop-grace-period",
    "1m",
    "--workdir",
    "/tmp",
  ], { api });
  assert.equal(r.code, 0, r.err);
  const svc = web(api);
  assert.equal(durationMs(svc.spec!.task!.restart!.delay!), 10_000);
  assert.equal(svc.spec?.task?.resources?.limits?.memoryBytes, 128n * 1024n * 1024n);
  assert.equal(svc.spec?.update?.parallelism, 3);
  assert.equal(durationMs(processOf(svc).stopGracePeriod!), 60_000);
  assert.equal(processOf(svc).dir, "/tmp");
});

Deno.test("service update adds and removes secrets", async () => {
  const api = fixture();
  api.addSecret({ id: "sec1xxxxxxxxxxxxxxxxxxxxx", spec: { annotations: { name: "db" } } });
  let r = await run(["service", "update", "web", "--secret-add", "source=db,target=db.txt"], {
    api,
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(processOf(web(api)).secrets[0]?.file?.name, "db.txt");
  r = await run(["service", "update", "web", "--secret-rm", "db"], { api });
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(processOf(web(api)).secrets, []);
});

Deno.test("service update --rollback asks for the previous spec", async () => {
  const api = fixture();
  await run(["service", "update", "web", "--replicas", "9"], { api });
  const r = await run(["service", "update", "web", "--rollback"], { api });
  assert.equal(r.code, 0, r.err);
  const req = api.calls.filter((c) => c.method === "updateService")[1]!
    .request as UpdateServiceRequest;
  assert.equal(req.rollback, UpdateServiceRequest_Rollback.PREVIOUS);
  const svc = web(api);
  assert.ok(svc.spec?.mode.case === "replicated" && svc.spec.mode.value.replicas === 2);
});

Deno.test("service update --format json prints the updated service", async () => {
  const r = await run(["service", "update", "web", "--replicas", "1", "--format", "json"], {
    api: fixture(),
  });
  assert.equal(JSON.parse(r.out).spec.replicated.replicas, 1);
});

Deno.test("service update reports manager errors", async () => {
  const api = fixture();
  api.failNext(
    "updateService",
    new RpcError(GrpcCode.FAILED_PRECONDITION, "update out of sequence: the object changed"),
  );
  const r = await run(["service", "update", "web", "--force"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: update out of sequence: the object changed\n");
  const missing = await run(["service", "update", "nope", "--force"], { api: fixture() });
  assert.equal(missing.code, 1);
  assert.equal(missing.err, "Error: no such service: nope\n");
});

Deno.test("service update rejects bad input before sending anything", async () => {
  const cases: [string[], string | RegExp][] = [
    [[], `"swarm service update" needs SERVICE (a name or ID)`],
    [["web"], /^Error: nothing to update: give a change/],
    [["web", "--replicas", "-2"], /flag --replicas needs a value/],
    [["web", "--replicas=-2"], /invalid value "-2" for --replicas/],
    [["web", "--replicas", "x"], /invalid value "x" for --replicas/],
    [
      ["agent", "--replicas", "2"],
      "agent is a global service: --replicas applies to replicated services and replicated jobs",
    ],
    [
      ["web", "--max-concurrent", "2"],
      "web is not a replicated job: --max-concurrent does not apply",
    ],
    [["web", "--image", "nginx"], /web runs a process, not a container/],
    [["web", "--env-add", "NOVALUE"], /invalid environment variable "NOVALUE"/],
    [["web", "--"], /^Error: missing command/],
    [["web", "--rollback", "--force"], "--rollback cannot be combined with other changes"],
    [["web", "--name", "x"], 'unknown flag --name for "swarm service update"'],
    [["web", "--mode", "global"], 'unknown flag --mode for "swarm service update"'],
    [["web", "--constraint-add", "bad"], /invalid constraint "bad"/],
    [["web", "--limit-memory", "1k"], /invalid memory limit 1KiB/],
    [["web", "--update-max-failure-ratio", "7"], /must be a number from 0 to 1/],
    [
      ["web", "--update-parallelism=-1"],
      'invalid value "-1" for --update-parallelism: must be a whole number from 0 to 4294967295',
    ],
    [
      ["web", "--update-failure-action", "retry"],
      'invalid value "retry" for --update-failure-action: use one of pause, continue, rollback',
    ],
    [
      ["web", "--rollback-order", "random"],
      'invalid value "random" for --rollback-order: use one of stop-first, start-first',
    ],
    [
      ["web", "--update-monitor=-5s"],
      /invalid value "-5s" for --update-monitor: must not be negative/,
    ],
    [["web", "extra", "--force"], /too many arguments/],
  ];
  for (const [args, message] of cases) {
    const r = await run(["service", "update", ...args], { api: fixture() });
    assertUsageError(r, message);
  }
});

Deno.test("service update sets the update and rollback configs from their flags", async () => {
  const api = fixture();
  const r = await run([
    "service",
    "update",
    "web",
    "--update-parallelism",
    "0",
    "--update-delay",
    "1m",
    "--update-failure-action",
    "continue",
    "--update-monitor",
    "20s",
    "--update-max-failure-ratio",
    "0.5",
    "--update-order",
    "start-first",
    "--rollback-parallelism",
    "2",
    "--rollback-delay",
    "5s",
    "--rollback-failure-action",
    "pause",
    "--rollback-monitor",
    "1s",
    "--rollback-max-failure-ratio",
    "1",
    "--rollback-order",
    "start-first",
  ], { api });
  assert.equal(r.code, 0, r.err);
  const { update, rollback } = web(api).spec!;
  assert.equal(update?.parallelism, 0);
  assert.equal(durationMs(update!.delay!), 60_000);
  assert.equal(update?.failureAction, UpdateConfig_FailureAction.CONTINUE);
  assert.equal(durationMs(update!.monitor!), 20_000);
  assert.equal(update?.maxFailureRatio, 0.5);
  assert.equal(update?.order, UpdateConfig_UpdateOrder.START_FIRST);
  assert.equal(rollback?.parallelism, 2);
  assert.equal(durationMs(rollback!.delay!), 5_000);
  assert.equal(rollback?.failureAction, UpdateConfig_FailureAction.PAUSE);
  assert.equal(durationMs(rollback!.monitor!), 1_000);
  assert.equal(rollback?.maxFailureRatio, 1);
  assert.equal(rollback?.order, UpdateConfig_UpdateOrder.START_FIRST);
});

Deno.test("service update with no option resumes a paused update, and only then", async () => {
  for (const state of [UpdateStatus_UpdateState.PAUSED, UpdateStatus_UpdateState.ROLLBACK_PAUSED]) {
    const api = fixture();
    const spec = web(api).spec;
    web(api).updateStatus = create(UpdateStatusSchema, { state, message: "paused" });
    const r = await run(["service", "update", "web"], { api });
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, "web\n");
    assert.equal(web(api).updateStatus, undefined, "the update status is cleared");
    assert.deepEqual(web(api).spec, spec, "nothing else changes");
  }
  for (const state of [UpdateStatus_UpdateState.UPDATING, UpdateStatus_UpdateState.COMPLETED]) {
    const api = fixture();
    web(api).updateStatus = create(UpdateStatusSchema, { state });
    assertUsageError(
      await run(["service", "update", "web"], { api }),
      /^Error: nothing to update: .*with no change, update resumes a paused update/,
    );
  }
});

Deno.test("service update on a global service changes its update config", async () => {
  const api = fixture();
  const r = await run(["service", "update", "agent", "--update-parallelism", "2"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(api.services.get("svcagentxxxxxxxxxxxxxxxxx")?.spec?.update?.parallelism, 2);
});

/** A fake cluster with a replicated job "batch" of 3 completions, 1 at a time. */
function withJob(): FakeControlApi {
  const api = fixture();
  api.addService({
    id: JOB,
    spec: {
      annotations: { name: "batch" },
      task: { runtime: { case: "process", value: { command: "true" } } },
      mode: { case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 3 } },
    },
    jobStatus: { jobIteration: 0n },
  });
  return api;
}
const JOB = "svcjobxxxxxxxxxxxxxxxxxxx";

Deno.test("service update runs a job again: --force alone, or any change", async () => {
  const api = withJob();
  const job = () => api.services.get(JOB)!;
  let r = await run(["service", "update", "batch", "--force"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(job().jobStatus?.jobIteration, 1n);
  r = await run(["service", "update", "batch", "--replicas", "5", "--max-concurrent", "2"], {
    api,
  });
  assert.equal(r.code, 0, r.err);
  assert.equal(job().jobStatus?.jobIteration, 2n);
  assert.deepEqual(job().spec?.mode.value, {
    $typeName: "swarm.v1.ReplicatedJob",
    maxConcurrent: 2,
    totalCompletions: 5,
  });
  r = await run(["service", "update", "batch", "--restart-delay", "1s"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(job().spec?.task?.restart?.condition, RestartPolicy_Condition.ON_FAILURE);
  assert.equal(job().jobStatus?.jobIteration, 3n);
});

Deno.test("service update refuses update settings and rollbacks for a job", async () => {
  assertUsageError(
    await run(["service", "update", "batch", "--update-delay", "5s"], { api: withJob() }),
    "--update-delay does not apply to jobs: a job's tasks run to completion and are not rolled out (updating a job runs it again)",
  );
  assertUsageError(
    await run(["service", "update", "batch", "--max-concurrent", "0"], { api: withJob() }),
    /max concurrent must be at least 1/,
  );
  const api = withJob();
  await run(["service", "update", "batch", "--force"], { api });
  const r = await run(["service", "update", "batch", "--rollback"], { api });
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    "Error: Service batch is a job: rolling back does not apply; update it with the spec to run\n",
  );
});

Deno.test("the README's rolling update commands", async () => {
  const api = fixture();
  const readme = (line: string) => run(line.split(" ").slice(1), { api });
  let r = await readme(
    "swarm service update web --update-parallelism 2 --update-delay 10s --update-failure-action rollback --env-add DEBUG=2",
  );
  assert.equal(r.code, 0, r.err);
  assert.equal(web(api).spec?.update?.parallelism, 2);
  assert.equal(durationMs(web(api).spec!.update!.delay!), 10_000);
  assert.equal(web(api).spec?.update?.failureAction, UpdateConfig_FailureAction.ROLLBACK);
  assert.deepEqual(processOf(web(api)).env, ["DEBUG=2"]);

  // As the orchestrator would record a failed update.
  web(api).updateStatus = create(UpdateStatusSchema, {
    state: UpdateStatus_UpdateState.PAUSED,
    message: "update paused due to failure or early termination of task t1",
  });
  r = await readme("swarm service inspect --pretty web");
  assert.match(r.out, /^UpdateStatus:\n State: +paused\n Message: +update paused due to failure/m);
  r = await readme("swarm service update web");
  assert.equal(r.code, 0, r.err);
  assert.equal(web(api).updateStatus, undefined);
  r = await readme("swarm service update web --rollback");
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(processOf(web(api)).env, [], "the spec before the first update");
  assert.equal(web(api).updateStatus?.state, UpdateStatus_UpdateState.ROLLBACK_STARTED);
});
