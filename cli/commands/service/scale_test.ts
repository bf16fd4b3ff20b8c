import assert from "node:assert/strict";
import { GrpcCode, RpcError } from "../../control_api.ts";
import { fixture } from "../../_fixture.ts";
import { assertUsageError, run } from "../../_run_client.ts";
import { parseScaleArgs } from "./scale.ts";

Deno.test("parseScaleArgs reads SERVICE=N", () => {
  assert.deepEqual(parseScaleArgs(["web=3", "a=b=0"]), [
    { ref: "web", replicas: 3 },
    { ref: "a=b", replicas: 0 },
  ]);
});

Deno.test("service scale sets replicas with the version it read", async () => {
  const api = fixture();
  const before = api.services.get("svcwebxxxxxxxxxxxxxxxxxxx")!.meta!.version!.index;
  const r = await run(["service", "scale", "web=5"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "web scaled to 5\n");
  const svc = api.services.get("svcwebxxxxxxxxxxxxxxxxxxx")!;
  assert.ok(svc.spec?.mode.case === "replicated" && svc.spec.mode.value.replicas === 5);
  const update = api.calls.find((c) => c.method === "updateService")!.request as {
    serviceVersion: { index: bigint };
  };
  assert.equal(update.serviceVersion.index, before);
});

Deno.test("service scale handles several services and replicated jobs", async () => {
  const api = fixture();
  api.addService({
    id: "jobxxxxxxxxxxxxxxxxxxxxxx",
    spec: {
      annotations: { name: "batch" },
      task: { runtime: { case: "process", value: { command: "true" } } },
      mode: { case: "replicatedJob", value: { maxConcurrent: 1, totalCompletions: 1 } },
    },
  });
  const r = await run(["service", "scale", "web=0", "batch=7"], { api });
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, "web scaled to 0\nbatch scaled to 7\n");
  const job = api.services.get("jobxxxxxxxxxxxxxxxxxxxxxx")!;
  assert.ok(job.spec?.mode.case === "replicatedJob" && job.spec.mode.value.totalCompletions === 7);
  assert.equal(job.jobStatus?.jobIteration, 1n, "scaling a job runs it again");
});

Deno.test("service scale refuses global services but scales the others", async () => {
  const api = fixture();
  const r = await run(["service", "scale", "agent=3", "web=4"], { api });
  assert.equal(r.code, 1);
  assert.equal(
    r.err,
    "Error: agent: scale applies to replicated services and replicated jobs, not global ones\n",
  );
  assert.equal(r.out, "web scaled to 4\n");
});

Deno.test("service scale reports an update conflict from the manager", async () => {
  const api = fixture();
  api.failNext(
    "updateService",
    new RpcError(GrpcCode.FAILED_PRECONDITION, "update out of sequence"),
  );
  const r = await run(["service", "scale", "web=3"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: web: update out of sequence\n");
});

Deno.test("service scale rejects bad arguments before sending anything", async () => {
  const cases: [string[], string | RegExp][] = [
    [[], `"swarm service scale" needs at least SERVICE=REPLICAS`],
    [["web"], 'invalid argument "web": use SERVICE=REPLICAS, e.g. web=3'],
    [["web", "3"], 'invalid argument "web": use SERVICE=REPLICAS, e.g. web=3'],
    [["=3"], 'invalid argument "=3": use SERVICE=REPLICAS, e.g. web=3'],
    [
      ["web=-1"],
      'invalid replica count "-1" in "web=-1": must be a whole number from 0 to 4294967295',
    ],
    [["web=1.5"], /invalid replica count "1\.5"/],
    [["web=x"], /invalid replica count "x"/],
    [["web="], /invalid replica count ""/],
    [["web=4294967296"], /invalid value "4294967296" for --replicas/],
    [["web=3", "api=x"], /invalid replica count "x"/],
  ];
  for (const [args, message] of cases) {
    const r = await run(["service", "scale", ...args], { api: fixture() });
    assertUsageError(r, message);
    assert.deepEqual(r.connects, [], args.join(" "));
  }
});

Deno.test("service scale of an unknown service changes nothing", async () => {
  const r = await run(["service", "scale", "web=3", "nope=2"], { api: fixture() });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: no such service: nope\n");
  assert.deepEqual(r.api.mutatingCalls(), []);
});
