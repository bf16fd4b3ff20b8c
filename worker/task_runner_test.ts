import assert from "node:assert/strict";
import { type Controller, type ExitResult, TemporaryError } from "./executor.ts";
import { TaskRunner, type TaskRunnerOptions } from "./task_runner.ts";
import { type ObservedStatus, TaskState, taskStateName } from "./types.ts";

/** A controller whose every call is recorded and whose wait the test resolves by hand. */
class StubController implements Controller {
  calls: string[] = [];
  exit = Promise.withResolvers<ExitResult>();
  prepareErrors: unknown[] = [];
  startError: unknown;
  shutdown = async () => {
    this.calls.push("shutdown");
    await Promise.resolve();
  };

  async prepare() {
    this.calls.push("prepare");
    await Promise.resolve();
    const error = this.prepareErrors.shift();
    if (error !== undefined) throw error;
  }
  async start() {
    this.calls.push("start");
    await Promise.resolve();
    if (this.startError !== undefined) throw this.startError;
  }
  wait() {
    this.calls.push("wait");
    return this.exit.promise;
  }
  async terminate() {
    this.calls.push("terminate");
    await Promise.resolve();
  }
  async remove() {
    this.calls.push("remove");
    await Promise.resolve();
  }
  inspect() {
    return Promise.resolve({ running: true, pid: 4242 });
  }
  async close() {
    this.calls.push("close");
    await Promise.resolve();
  }
}

function runner(
  controller: Controller,
  overrides: Partial<TaskRunnerOptions> = {},
): { runner: TaskRunner; statuses: ObservedStatus[] } {
  const statuses: ObservedStatus[] = [];
  let clock = 1000;
  const r = new TaskRunner({
    controller,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.ASSIGNED, message: "assigned", timestamp: 0 },
    onStatus: (s) => void statuses.push(s),
    now: () => ++clock,
    retryDelayMs: 10,
    ...overrides,
  });
  r.start();
  return { runner: r, statuses };
}

async function waitForCall(ctl: StubController, call: string): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (!ctl.calls.includes(call)) {
    if (performance.now() > deadline) throw new Error(`Timed out waiting for ${call}()`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

const names = (statuses: ObservedStatus[]) => statuses.map((s) => taskStateName(s.state));
const within = { timeoutMs: 10_000 };

Deno.test("TaskRunner: drives a task to COMPLETE, reporting every status in order", async () => {
  const ctl = new StubController();
  const { runner: r, statuses } = runner(ctl);
  await r.until((s) => s.state === TaskState.RUNNING, within);
  assert.equal(r.status.pid, 4242);
  ctl.exit.resolve({ exitCode: 0 });
  await r.until((s) => s.state === TaskState.COMPLETE, within);
  await r.stop();
  assert.deepEqual(names(statuses), [
    "ACCEPTED",
    "PREPARING",
    "READY",
    "STARTING",
    "RUNNING",
    "COMPLETE",
  ]);
  assert.deepEqual(statuses.map((s) => s.timestamp), [1001, 1002, 1003, 1004, 1005, 1006]);
  assert.deepEqual(ctl.calls, ["prepare", "start", "wait"]);
});

Deno.test("TaskRunner: pauses at the desired state and resumes on update", async () => {
  const ctl = new StubController();
  const { runner: r, statuses } = runner(ctl, { desiredState: TaskState.READY });
  await r.until((s) => s.state === TaskState.READY, within);
  await new Promise((resolve) => setTimeout(resolve, 30));
  assert.equal(r.status.state, TaskState.READY, "stays READY");
  assert.deepEqual(ctl.calls, ["prepare"]);
  assert.equal(r.update(TaskState.RUNNING), true);
  await r.until((s) => s.state === TaskState.RUNNING, within);
  await r.stop();
  assert.deepEqual(names(statuses).slice(-3), ["READY", "STARTING", "RUNNING"]);
});

Deno.test("TaskRunner: desired SHUTDOWN interrupts wait and shuts the task down", async () => {
  const ctl = new StubController();
  const { runner: r } = runner(ctl);
  await waitForCall(ctl, "wait");
  r.update(TaskState.SHUTDOWN);
  const final = await r.until((s) => s.state >= TaskState.COMPLETE, within);
  assert.equal(final.state, TaskState.SHUTDOWN);
  assert.deepEqual(ctl.calls, ["prepare", "start", "wait", "shutdown"]);
  ctl.exit.reject(new Error("abandoned wait rejects later: must not be unhandled"));
  await r.stop();
});

Deno.test("TaskRunner: a lower desired state is ignored", async () => {
  const ctl = new StubController();
  const { runner: r } = runner(ctl);
  assert.equal(r.update(TaskState.READY), false);
  assert.equal(r.desiredState, TaskState.RUNNING);
  assert.equal(r.update(TaskState.RUNNING), true);
  await r.stop();
});

Deno.test("TaskRunner: a temporary error is retried after the delay", async () => {
  const ctl = new StubController();
  ctl.prepareErrors = [new TemporaryError("Registry busy: retry"), new TemporaryError("again")];
  const { runner: r, statuses } = runner(ctl);
  await r.until((s) => s.state === TaskState.RUNNING, within);
  await r.stop();
  assert.deepEqual(ctl.calls.filter((c) => c === "prepare").length, 3);
  const errs = statuses.filter((s) => s.state === TaskState.PREPARING).map((s) => s.err);
  assert.deepEqual(errs, [undefined, "Registry busy: retry", "again"]);
  assert.equal(r.status.err, undefined, "a transition clears the error");
});

Deno.test("TaskRunner: fatal errors end in REJECTED or FAILED", async () => {
  const a = new StubController();
  a.prepareErrors = [new Error("No such image")];
  const ra = runner(a).runner;
  const fa = await ra.until((s) => s.state >= TaskState.COMPLETE, within);
  await ra.stop();
  assert.equal(fa.state, TaskState.REJECTED);
  assert.equal(fa.err, "No such image");

  const b = new StubController();
  b.startError = new Error("Exec format error");
  const rb = runner(b).runner;
  const fb = await rb.until((s) => s.state >= TaskState.COMPLETE, within);
  await rb.stop();
  assert.equal(fb.state, TaskState.FAILED);
});

Deno.test("TaskRunner: a failing onStatus goes to onError and the loop continues", async () => {
  const ctl = new StubController();
  const errors: unknown[] = [];
  const r = new TaskRunner({
    controller: ctl,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.NEW, message: "", timestamp: 0 },
    onStatus: () => {
      throw new Error("reporter down");
    },
    onError: (e) => errors.push(e),
  });
  r.start();
  await r.until((s) => s.state === TaskState.RUNNING, within);
  await r.stop();
  assert.equal(errors.length, 5);
});

Deno.test("TaskRunner: stop ends the loop without shutting the task down", async () => {
  const ctl = new StubController();
  const { runner: r } = runner(ctl);
  await r.until((s) => s.state === TaskState.RUNNING, within);
  await r.stop();
  await r.done;
  r.update(TaskState.SHUTDOWN);
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.ok(!ctl.calls.includes("shutdown"));
  assert.equal(r.status.state, TaskState.RUNNING);
});

Deno.test("TaskRunner: update(REMOVE) then stop() still shuts the task down", async () => {
  const ctl = new StubController();
  const { runner: r, statuses } = runner(ctl);
  await waitForCall(ctl, "wait");
  r.update(TaskState.REMOVE);
  await r.stop();
  assert.deepEqual(ctl.calls, ["prepare", "start", "wait", "shutdown"]);
  assert.equal(r.status.state, TaskState.SHUTDOWN);
  assert.equal(statuses.at(-1)?.state, TaskState.SHUTDOWN);
});

Deno.test("TaskRunner: a failing final shutdown is tried once", async () => {
  const ctl = new StubController();
  let attempts = 0;
  ctl.shutdown = async () => {
    attempts++;
    await Promise.resolve();
    throw new TemporaryError("Daemon busy");
  };
  const { runner: r } = runner(ctl, { desiredState: TaskState.READY });
  await r.until((s) => s.state === TaskState.READY, within);
  r.update(TaskState.SHUTDOWN);
  await r.stop();
  assert.equal(attempts, 1);
  assert.equal(r.status.state, TaskState.READY);
  assert.equal(r.status.err, "Daemon busy");
});

Deno.test("TaskRunner: until rejects after its timeout naming the last status", async () => {
  const ctl = new StubController();
  const { runner: r } = runner(ctl);
  await assert.rejects(
    r.until((s) => s.state === TaskState.COMPLETE, { timeoutMs: 50 }),
    /within 50 ms: last status RUNNING \(started\)/,
  );
  await r.stop();
});

Deno.test("TaskRunner: resumes from a restored status", async () => {
  const ctl = new StubController();
  const { runner: r, statuses } = runner(ctl, {
    status: { state: TaskState.STARTING, message: "starting", timestamp: 0 },
  });
  await waitForCall(ctl, "wait");
  await r.stop();
  assert.deepEqual(names(statuses), ["RUNNING"]);
  assert.deepEqual(ctl.calls, ["start", "wait"]);
});
