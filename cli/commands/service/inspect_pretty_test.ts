import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { ServiceSchema } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { UpdateStatus_UpdateState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { alignColumns, prettyServiceLines, updateStateText } from "./inspect_pretty.ts";

const NOW = new Date("2024-05-01T12:00:00Z");

Deno.test("updateStateText names the states as Docker does", () => {
  assert.equal(updateStateText(UpdateStatus_UpdateState.UPDATING), "updating");
  assert.equal(updateStateText(UpdateStatus_UpdateState.ROLLBACK_STARTED), "rollback_started");
  assert.equal(updateStateText(UpdateStatus_UpdateState.ROLLBACK_COMPLETED), "rollback_completed");
  assert.equal(updateStateText(99 as UpdateStatus_UpdateState), "99");
});

Deno.test("prettyServiceLines: a global service after a completed rollback", () => {
  const svc = create(ServiceSchema, {
    id: "s1",
    spec: {
      annotations: { name: "mon", labels: { tier: "ops" } },
      mode: { case: "global", value: {} },
      task: {
        runtime: { case: "process", value: { command: "monitor", args: ["--all"] } },
        placement: { constraints: ["node.role==worker"] },
      },
    },
    updateStatus: {
      state: UpdateStatus_UpdateState.ROLLBACK_COMPLETED,
      startedAt: timestampFromDate(new Date(NOW.getTime() - 120_000)),
      completedAt: timestampFromDate(new Date(NOW.getTime() - 5_000)),
      message: "rollback completed",
    },
  });
  assert.equal(
    alignColumns(prettyServiceLines(svc, NOW)),
    `ID:            s1
Name:          mon
Labels:
 tier=ops
Service Mode:  Global
UpdateStatus:
 State:        rollback_completed
 Started:      2 minutes ago
 Completed:    5 seconds ago
 Message:      rollback completed
Placement:
 Constraints:  node.role==worker
Command:       monitor --all
`,
  );
});

Deno.test("prettyServiceLines: a replicated job and its current run", () => {
  const svc = create(ServiceSchema, {
    id: "j1",
    spec: {
      annotations: { name: "migrate" },
      mode: { case: "replicatedJob", value: { maxConcurrent: 2, totalCompletions: 6 } },
      task: { runtime: { case: "process", value: { command: "true" } } },
    },
    jobStatus: {
      jobIteration: 2n,
      lastExecution: timestampFromDate(new Date(NOW.getTime() - 30_000)),
    },
  });
  assert.equal(
    alignColumns(prettyServiceLines(svc, NOW)),
    `ID:                  j1
Name:                migrate
Service Mode:        Replicated job
 Max concurrent:     2
 Total completions:  6
JobStatus:
 Iteration:          2
 Last execution:     30 seconds ago
Command:             true
`,
  );
});
