import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ListServiceStatusesResponse_ServiceStatusSchema } from "../../../proto/gen/swarm/v1/control_pb.ts";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { ServiceSpecSchema } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import { commandText, modeText, replicasText, serviceRow, shellQuote } from "./view.ts";

const status = (running: bigint, desired: bigint, completed = 0n) =>
  create(ListServiceStatusesResponse_ServiceStatusSchema, {
    runningTasks: running,
    desiredTasks: desired,
    completedTasks: completed,
  });

Deno.test("modeText names every mode", () => {
  const spec = create(ServiceSpecSchema);
  assert.equal(modeText(spec), "");
  assert.equal(modeText(undefined), "");
  assert.equal(
    modeText(create(ServiceSpecSchema, { mode: { case: "replicated", value: {} } })),
    "replicated",
  );
  assert.equal(
    modeText(create(ServiceSpecSchema, { mode: { case: "global", value: {} } })),
    "global",
  );
  assert.equal(
    modeText(create(ServiceSpecSchema, { mode: { case: "replicatedJob", value: {} } })),
    "replicated job",
  );
  assert.equal(
    modeText(create(ServiceSpecSchema, { mode: { case: "globalJob", value: {} } })),
    "global job",
  );
});

Deno.test("replicasText shows running/desired and job completions", () => {
  const replicated = create(ServiceSpecSchema, {
    mode: { case: "replicated", value: { replicas: 3 } },
  });
  assert.equal(replicasText(replicated, status(2n, 3n)), "2/3");
  assert.equal(replicasText(replicated, undefined), "0/0");
  const job = create(ServiceSpecSchema, {
    mode: { case: "replicatedJob", value: { maxConcurrent: 2, totalCompletions: 10 } },
  });
  assert.equal(replicasText(job, status(1n, 2n, 3n)), "1/2 (3/10 completed)");
  const globalJob = create(ServiceSpecSchema, { mode: { case: "globalJob", value: {} } });
  assert.equal(replicasText(globalJob, status(0n, 0n, 4n)), "0/0 (4/4 completed)");
  assert.equal(replicasText(globalJob, status(1n, 2n, 3n)), "1/2 (3/5 completed)");
});

Deno.test("shellQuote quotes only when needed", () => {
  assert.equal(shellQuote("sleep"), "sleep");
  assert.equal(shellQuote("/usr/bin/env"), "/usr/bin/env");
  assert.equal(shellQuote("a b"), "'a b'");
  assert.equal(shellQuote("it's"), `'it'\\''s'`);
  assert.equal(shellQuote(""), "''");
});

Deno.test("commandText shows the command line or the image, cut to a width", () => {
  const proc = create(ServiceSpecSchema, {
    task: { runtime: { case: "process", value: { command: "sh", args: ["-c", "echo hi"] } } },
  });
  assert.equal(commandText(proc), "sh -c 'echo hi'");
  const container = create(ServiceSpecSchema, {
    task: { runtime: { case: "container", value: { image: "alpine:3", args: ["top"] } } },
  });
  assert.equal(commandText(container), "alpine:3 top");
  assert.equal(commandText(proc, 6), "sh -c…");
  assert.equal(commandText(undefined), "");
});

Deno.test("serviceRow builds the ls row", () => {
  const svc = create(ServiceSchema, {
    id: "abc",
    spec: {
      annotations: { name: "web" },
      mode: { case: "global", value: {} },
      task: { runtime: { case: "process", value: { command: "sleep", args: ["100"] } } },
    },
  });
  assert.deepEqual(serviceRow(svc, status(2n, 2n)), ["abc", "web", "global", "2/2", "sleep 100"]);
});
