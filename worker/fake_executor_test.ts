import assert from "node:assert/strict";
import {
  type ConformanceBehavior,
  type ConformanceProgram,
  runExecutorConformance,
} from "./executor_conformance.ts";
import { TaskNotStartedError, TaskRejectedError } from "./executor.ts";
import { ManualClock } from "./fake_clock.ts";
import { FakeExecutor } from "./fake_executor.ts";
import { TaskRunner } from "./task_runner.ts";
import { type ObservedStatus, type TaskRuntime, TaskState } from "./types.ts";

function fakeProgram(behavior: ConformanceBehavior): ConformanceProgram {
  const fake = (...args: string[]): ConformanceProgram => ({ command: "fake", args });
  switch (behavior.kind) {
    case "exit":
      return fake(`exit=${behavior.code}`, `after=${behavior.afterMs}`);
    case "runUntilStopped":
      return fake("stdout=ready", "forever");
    case "ignoreStopSignal":
      return fake("stdout=ready", "ignore-stop");
    case "printEnvAndCwd":
      return fake(`print-env=${behavior.name}`, "print-cwd");
    case "output":
      return fake(`stdout=${behavior.stdout}`, `stderr=${behavior.stderr}`, "exit=0");
  }
}

runExecutorConformance("fake", () => ({ executor: new FakeExecutor() }), {
  program: fakeProgram,
});

// --- fake-specific behaviour, on a manual clock --------------------------------------------------

function task(taskId: string, command: string, ...args: string[]): TaskRuntime {
  return { taskId, name: `svc.1.${taskId}`, serviceId: "svc", slot: 1, command, args, env: {} };
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

Deno.test("fake: exits after the scripted delay on the injected clock", async () => {
  const clock = new ManualClock();
  const executor = new FakeExecutor({ clock });
  const ctl = executor.controller(task("t1", "fake", "exit=4", "after=1000"));
  await ctl.start();
  assert.deepEqual(executor.running(), ["t1"]);
  let exited = false;
  const waiting = ctl.wait().then((e) => {
    exited = true;
    return e;
  });
  clock.advance(999);
  await flush();
  assert.equal(exited, false);
  clock.advance(1);
  assert.deepEqual(await waiting, { exitCode: 4 });
  assert.deepEqual(executor.running(), []);
});

Deno.test("fake: an ignored stop signal is followed by SIGKILL after the grace period", async () => {
  const clock = new ManualClock();
  const executor = new FakeExecutor({ clock });
  const ctl = executor.controller({
    ...task("t1", "fake", "ignore-stop"),
    stopGracePeriodMs: 5_000,
  });
  await ctl.start();
  let stopped = false;
  const stopping = ctl.shutdown().then(() => stopped = true);
  clock.advance(4_999);
  await flush();
  assert.equal(stopped, false);
  clock.advance(1);
  await stopping;
  assert.deepEqual(await ctl.wait(), { exitCode: 137, signal: "SIGKILL" });
});

Deno.test("fake: the stop signal gives 128 + its number", async () => {
  const executor = new FakeExecutor();
  const ctl = executor.controller({ ...task("t1", "fake"), stopSignal: "SIGINT" });
  await ctl.start();
  await ctl.shutdown();
  assert.deepEqual(await ctl.wait(), { exitCode: 130, signal: "SIGINT" });
});

Deno.test("fake: scripts by task ID win over the command", async () => {
  const executor = new FakeExecutor({ scripts: { t1: { exitCode: 9 } } });
  executor.setScript("t2", { prepareError: "Image not found: x" });
  const one = executor.controller(task("t1", "anything"));
  await one.start();
  assert.equal((await one.wait()).exitCode, 9);
  const two = executor.controller(task("t2", "fake"));
  await assert.rejects(two.prepare(), TaskRejectedError);
});

Deno.test("fake: fail-start FAILS, fail-prepare is REJECTED, bad args are REJECTED", async () => {
  const executor = new FakeExecutor();
  const run = async (t: TaskRuntime) => {
    const runner = new TaskRunner({
      controller: executor.controller(t),
      desiredState: TaskState.RUNNING,
      status: { state: TaskState.ASSIGNED, message: "", timestamp: 0 },
      onStatus: () => {},
    });
    runner.start();
    const final = await runner.until((s) => s.state >= TaskState.COMPLETE, { timeoutMs: 5_000 });
    await runner.stop();
    return final;
  };
  const a = await run(task("a", "fake", "fail-start=No such device"));
  assert.equal(a.state, TaskState.FAILED);
  assert.equal(a.err, "No such device");
  const b = await run(task("b", "fake", "fail-prepare=Image not found: web:1"));
  assert.equal(b.state, TaskState.REJECTED);
  assert.equal(b.err, "Image not found: web:1");
  const c = await run(task("c", "fake", "bogus"));
  assert.equal(c.state, TaskState.REJECTED);
  assert.match(c.err ?? "", /^Invalid fake argument: bogus/);
});

Deno.test("fake: records calls, exit() crashes a task, shutdownAll stops the rest", async () => {
  const executor = new FakeExecutor();
  const a = executor.controller(task("a", "fake"));
  const b = executor.controller(task("b", "fake"));
  await a.start();
  await b.start();
  executor.exit("a", 2);
  assert.deepEqual(await a.wait(), { exitCode: 2 });
  assert.throws(() => executor.exit("a", 1), /not running/);
  await executor.shutdownAll();
  assert.deepEqual(await b.wait(), { exitCode: 143, signal: "SIGTERM" });
  assert.deepEqual(
    executor.calls.map((c) => `${c.taskId}:${c.op}`),
    ["a:start", "b:start", "a:wait", "b:wait"],
  );
  assert.equal(executor.taskRuntime("a")?.command, "fake");
});

Deno.test("fake: wait before start is TaskNotStartedError (lost after a restart)", async () => {
  const ctl = new FakeExecutor().controller(task("t", "fake"));
  await assert.rejects(ctl.wait(), TaskNotStartedError);
});

Deno.test("fake: an agent-style loop restarts from RUNNING as FAILED", async () => {
  // After a node restart the agent resumes a RUNNING task with a fresh executor.
  const ctl = new FakeExecutor().controller(task("t", "fake"));
  const statuses: ObservedStatus[] = [];
  const runner = new TaskRunner({
    controller: ctl,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.RUNNING, message: "started", timestamp: 0 },
    onStatus: (s) => void statuses.push(s),
  });
  runner.start();
  const final = await runner.until((s) => s.state >= TaskState.COMPLETE, { timeoutMs: 5_000 });
  await runner.stop();
  assert.equal(final.state, TaskState.FAILED);
  assert.match(final.err ?? "", /not started by this executor/);
});
