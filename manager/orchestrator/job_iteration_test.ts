import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { type Task, TaskSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { MetaSchema, TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";
import { currentIterationTasks, jobIteration, lastExecutionMs } from "./job_iteration.ts";
import { testJob } from "./testing.ts";
import { emptyPlan } from "./view.ts";

const job = (iteration: bigint) => {
  const svc = testJob("job", { maxConcurrent: 1, totalCompletions: 1 }, new Date(5_000));
  svc.jobStatus!.jobIteration = iteration;
  return svc;
};

Deno.test("jobIteration and lastExecutionMs read the job status, else the creation time", () => {
  assert.equal(jobIteration(job(4n)), 4n);
  assert.equal(lastExecutionMs(job(0n)), 5_000);
  const bare = job(0n);
  bare.jobStatus = undefined;
  assert.equal(jobIteration(bare), 0n);
  assert.equal(lastExecutionMs(bare), undefined);
  bare.meta = create(MetaSchema, { createdAt: timestampFromDate(new Date(7_000)) });
  assert.equal(lastExecutionMs(bare), 7_000);
});

Deno.test("currentIterationTasks keeps this iteration's tasks and retires older ones", () => {
  const t = (id: string, iteration: bigint, state: TaskState, desired = TaskState.COMPLETE): Task =>
    create(TaskSchema, { id, jobIteration: iteration, desiredState: desired, status: { state } });
  const table: [Task, string | undefined][] = [
    [t("running", 1n, TaskState.RUNNING), "REMOVE"],
    [t("pending", 1n, TaskState.PENDING), "REMOVE"],
    [t("removing", 1n, TaskState.RUNNING, TaskState.REMOVE), undefined],
    [t("stopping", 1n, TaskState.RUNNING, TaskState.SHUTDOWN), "REMOVE"],
    [t("completed", 1n, TaskState.COMPLETE), "SHUTDOWN"],
    [t("failed", 1n, TaskState.FAILED), "SHUTDOWN"],
    [t("history", 1n, TaskState.FAILED, TaskState.SHUTDOWN), undefined],
  ];
  const plan = emptyPlan();
  const current = [t("now1", 2n, TaskState.RUNNING), t("now2", 2n, TaskState.COMPLETE)];
  const kept = currentIterationTasks(job(2n), [...table.map(([task]) => task), ...current], plan);
  assert.deepEqual(kept.map((k) => k.id), ["now1", "now2"]);
  assert.deepEqual(
    plan.update.map((u) => [u.id, TaskState[u.desiredState]]),
    table.filter(([, want]) => want !== undefined).map(([task, want]) => [task.id, want]),
  );
});
