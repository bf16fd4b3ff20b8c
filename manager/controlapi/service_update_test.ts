import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { UpdateServiceRequest_Rollback } from "../../proto/gen/swarm/v1/control_pb.ts";
import { type ServiceSpec, ServiceSpecSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { UpdateStatus_UpdateState, UpdateStatusSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { testJob, testService } from "../orchestrator/testing.ts";
import { newJobStatus, serviceUpdateRefusal, updatedService } from "./service_update.ts";

const NOW = new Date("2024-05-01T00:00:00Z");
const NONE = UpdateServiceRequest_Rollback.NONE;
const PREVIOUS = UpdateServiceRequest_Rollback.PREVIOUS;

/** "web" at "sleep 200", previously "sleep 100", with a paused update. */
function paused() {
  const svc = testService("web", 2, (s) => {
    if (s.task?.runtime.case === "process") s.task.runtime.value.args = ["200"];
  });
  svc.previousSpec = testService("web", 2).spec;
  svc.previousSpecVersion = { $typeName: "swarm.v1.Version", index: 1n };
  svc.specVersion = { $typeName: "swarm.v1.Version", index: 2n };
  svc.updateStatus = create(UpdateStatusSchema, {
    state: UpdateStatus_UpdateState.PAUSED,
    message: "update paused due to failure or early termination of task t1",
  });
  return svc;
}

const args = (spec: ServiceSpec | undefined) => {
  const rt = spec?.task?.runtime;
  return rt?.case === "process" ? rt.value.args : undefined;
};

Deno.test("a change keeps the replaced spec and clears the update status", () => {
  const svc = paused();
  const spec = clone(ServiceSpecSchema, svc.spec!);
  spec.task!.forceUpdate = 1n;
  const next = updatedService(svc, { spec, rollback: NONE }, NOW);
  assert.equal(next.spec?.task?.forceUpdate, 1n);
  assert.deepEqual(args(next.previousSpec), ["200"]);
  assert.equal(next.previousSpecVersion?.index, 2n);
  assert.equal(next.updateStatus, undefined, "a paused update resumes");
});

Deno.test("the same spec resumes a paused update and keeps the spec to roll back to", () => {
  const svc = paused();
  const next = updatedService(svc, { spec: svc.spec!, rollback: NONE }, NOW);
  assert.equal(next.updateStatus, undefined);
  assert.deepEqual(args(next.previousSpec), ["100"]);
  assert.equal(next.previousSpecVersion?.index, 1n);
});

Deno.test("a rollback swaps the specs and starts a rollback", () => {
  const next = updatedService(paused(), { spec: undefined, rollback: PREVIOUS }, NOW);
  assert.deepEqual(args(next.spec), ["100"]);
  assert.deepEqual(args(next.previousSpec), ["200"]);
  assert.equal(next.updateStatus?.state, UpdateStatus_UpdateState.ROLLBACK_STARTED);
  assert.equal(next.updateStatus?.message, "manually requested rollback");
  assert.deepEqual(next.updateStatus?.startedAt, timestampFromDate(NOW));
});

Deno.test("serviceUpdateRefusal: no previous spec, a new mode, a new name", () => {
  const fresh = testService("web", 1);
  assert.deepEqual(serviceUpdateRefusal(fresh, { spec: undefined, rollback: PREVIOUS }), {
    code: "FAILED_PRECONDITION",
    message: "Service web has no previous spec to roll back to",
  });
  assert.equal(serviceUpdateRefusal(paused(), { spec: undefined, rollback: PREVIOUS }), undefined);
  assert.equal(
    serviceUpdateRefusal(fresh, { spec: undefined, rollback: NONE })?.code,
    "INVALID_ARGUMENT",
  );
  assert.deepEqual(
    serviceUpdateRefusal(fresh, { spec: testService("web", "global").spec, rollback: NONE }),
    {
      code: "UNIMPLEMENTED",
      message: "Changing a service's mode is not supported: create a new service",
    },
  );
  assert.match(
    serviceUpdateRefusal(fresh, { spec: testService("api", 1).spec, rollback: NONE })?.message ??
      "",
    /^Renaming a service is not supported/,
  );
  assert.equal(
    serviceUpdateRefusal(fresh, { spec: testService("web", 5).spec, rollback: NONE }),
    undefined,
  );
});

Deno.test("every update of a job runs it again: the iteration counts up, started now", () => {
  const job = testJob("job", { maxConcurrent: 1, totalCompletions: 3 }, new Date(0));
  job.jobStatus!.jobIteration = 4n;
  const same = updatedService(job, { spec: job.spec!, rollback: NONE }, NOW);
  assert.equal(same.jobStatus?.jobIteration, 5n, "no change at all still re-runs it");
  assert.deepEqual(same.jobStatus?.lastExecution, timestampFromDate(NOW));
  const bare = testJob("job", "global");
  bare.jobStatus = undefined;
  assert.equal(
    updatedService(bare, { spec: bare.spec!, rollback: NONE }, NOW).jobStatus?.jobIteration,
    1n,
  );
  const web = updatedService(testService("web", 2), {
    spec: testService("web", 3).spec!,
    rollback: NONE,
  }, NOW);
  assert.equal(web.jobStatus, undefined, "services have no job status");
  assert.equal(newJobStatus(NOW).jobIteration, 0n);
  assert.deepEqual(newJobStatus(NOW).lastExecution, timestampFromDate(NOW));
});

Deno.test("serviceUpdateRefusal: a job is not rolled back", () => {
  const job = testJob("job", "global");
  job.previousSpec = job.spec;
  assert.deepEqual(serviceUpdateRefusal(job, { spec: undefined, rollback: PREVIOUS }), {
    code: "FAILED_PRECONDITION",
    message: "Service job is a job: rolling back does not apply; update it with the spec to run",
  });
});
