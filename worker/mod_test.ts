import assert from "node:assert/strict";
import * as worker from "./mod.ts";

Deno.test("mod: exposes the executors, the step function and the runner", () => {
  for (
    const name of [
      "TaskState",
      "taskStateName",
      "nextStep",
      "applyResult",
      "TaskRunner",
      "ProcessExecutor",
      "DockerExecutor",
      "DockerUnreachableError",
      "DOCKER_LABELS",
      "FakeExecutor",
      "ManualClock",
      "TaskRejectedError",
      "TaskAlreadyStartedError",
    ]
  ) {
    assert.ok(name in worker, name);
  }
});

Deno.test("mod: a fake task runs end to end through the public API", async () => {
  const executor = new worker.FakeExecutor();
  const runner = new worker.TaskRunner({
    controller: executor.controller({
      taskId: "t",
      name: "svc.1.t",
      serviceId: "svc",
      slot: 1,
      command: worker.FAKE_COMMAND,
      args: ["exit=0"],
      env: {},
    }),
    desiredState: worker.TaskState.RUNNING,
    status: { state: worker.TaskState.NEW, message: "created", timestamp: 0 },
    onStatus: () => {},
  });
  runner.start();
  const final = await runner.until((s) => worker.isTerminalState(s.state), { timeoutMs: 5_000 });
  await runner.stop();
  assert.equal(worker.taskStateName(final.state), "COMPLETE");
});
