/**
 * The one conformance suite every {@linkcode Executor} runs (process, fake, Docker): it
 * registers `Deno.test` cases that drive controllers directly and through the {@linkcode TaskRunner}
 * and the pure step function, so that each executor maps onto the same task states.
 *
 * Tasks are described as abstract {@linkcode ConformanceBehavior}s; `options.program` turns them into
 * a command for the executor under test ({@linkcode posixShellProgram} by default, which suits any
 * executor that can run `sh`, such as the process executor or a busybox container).
 *
 * Timings are short (grace periods of 200 ms where a kill is expected) and every wait polls a
 * condition against a generous deadline, so the suite stays fast and does not flake under load.
 *
 * @module
 */

import assert from "node:assert/strict";
import {
  type Controller,
  ControllerClosedError,
  type Executor,
  type ExitResult,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
} from "./executor.ts";
import { TaskRunner } from "./task_runner.ts";
import { type ObservedStatus, type TaskRuntime, TaskState, taskStateName } from "./types.ts";

/** What a conformance task does. */
export type ConformanceBehavior =
  /** Exits with `code` after about `afterMs`. */
  | { readonly kind: "exit"; readonly code: number; readonly afterMs: number }
  /** Writes "ready" to stdout, then runs until the stop signal, on which it exits promptly. */
  | { readonly kind: "runUntilStopped" }
  /** Writes "ready" to stdout once it ignores the stop signal, then runs until killed. */
  | { readonly kind: "ignoreStopSignal" }
  /** Writes `<name>=<value of env var name>` and `cwd=<physical working dir>` lines, exits 0. */
  | { readonly kind: "printEnvAndCwd"; readonly name: string }
  /** Writes `stdout` and `stderr` (each plus a newline) to those streams, exits 0. */
  | { readonly kind: "output"; readonly stdout: string; readonly stderr: string };

/** A command for the executor under test. */
export interface ConformanceProgram {
  readonly command: string;
  readonly args: readonly string[];
}

/** An executor under test and how to dispose of it. */
export interface ExecutorFixture {
  readonly executor: Executor;
  /** Called after each test, also when it failed. */
  readonly dispose?: () => Promise<void>;
}

/** A working directory for the env/cwd test. */
export interface ConformanceWorkDir {
  /** The directory as the task will see it (a physical path, without symlinks). */
  readonly path: string;
  readonly dispose: () => Promise<void>;
}

/** Options of {@linkcode runExecutorConformance}. */
export interface ConformanceOptions {
  /** Turns a behaviour into a command. @default {posixShellProgram} */
  readonly program?: (behavior: ConformanceBehavior) => ConformanceProgram;
  /** Fields added to every task (e.g. `image` for container executors). @default {} */
  readonly taskDefaults?: Partial<Pick<TaskRuntime, "image" | "env" | "stopSignal">>;
  /** A command the executor cannot find. @default {"swarm-conformance-no-such-executable"} */
  readonly missingCommand?: string;
  /** Makes the working directory of the env/cwd test. @default a fresh temporary directory */
  readonly makeWorkDir?: () => Promise<ConformanceWorkDir>;
  /** Deadline of every wait for a condition. @default {30_000} */
  readonly timeoutMs?: number;
  /**
   * Registers the tests as ignored (e.g. no Docker engine is reachable), so that the report still
   * lists them. @default {false}
   */
  readonly ignore?: boolean;
}

/** Quotes `text` for a POSIX shell. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/** {@linkcode ConformanceBehavior}s as `sh -c` scripts. */
export function posixShellProgram(behavior: ConformanceBehavior): ConformanceProgram {
  const sh = (script: string): ConformanceProgram => ({ command: "sh", args: ["-c", script] });
  switch (behavior.kind) {
    case "exit":
      return sh(
        behavior.afterMs > 0
          ? `sleep ${behavior.afterMs / 1000}; exit ${behavior.code}`
          : `exit ${behavior.code}`,
      );
    case "runUntilStopped":
      return sh("trap 'exit 0' TERM INT; echo ready; while :; do sleep 0.05; done");
    case "ignoreStopSignal":
      return sh("trap '' TERM INT; echo ready; while :; do sleep 0.05; done");
    case "printEnvAndCwd":
      return sh(
        `printf '%s=%s\\n' ${shellQuote(behavior.name)} "$${behavior.name}"; echo "cwd=$(pwd -P)"`,
      );
    case "output":
      return sh(
        `printf '%s\\n' ${shellQuote(behavior.stdout)}; printf '%s\\n' ${
          shellQuote(behavior.stderr)
        } >&2`,
      );
  }
}

let taskCounter = 0;

/**
 * Registers the conformance tests for an executor as `"<name> conformance: <case>"`.
 * `makeExecutor` is called once per test.
 */
export function runExecutorConformance(
  name: string,
  makeExecutor: () => Promise<ExecutorFixture> | ExecutorFixture,
  options: ConformanceOptions = {},
): void {
  const program = options.program ?? posixShellProgram;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const missingCommand = options.missingCommand ?? "swarm-conformance-no-such-executable";
  const makeWorkDir = options.makeWorkDir ?? defaultWorkDir;

  const makeTask = (
    command: ConformanceProgram,
    extra: Partial<TaskRuntime> = {},
  ): TaskRuntime => {
    const n = ++taskCounter;
    const taskId = `conf${n}x${crypto.randomUUID().slice(0, 8)}`;
    return {
      taskId,
      name: `conformance.${n}.${taskId}`,
      serviceId: "conformance",
      slot: n,
      env: {},
      ...options.taskDefaults,
      ...command,
      ...extra,
    };
  };

  const test = (
    caseName: string,
    fn: (executor: Executor, cleanup: Cleanup) => Promise<void>,
  ) => {
    Deno.test({
      name: `${name} conformance: ${caseName}`,
      ignore: options.ignore ?? false,
      fn: async () => {
        const fixture = await makeExecutor();
        const cleanup = new Cleanup();
        try {
          await fn(fixture.executor, cleanup);
        } finally {
          await cleanup.run();
          await fixture.dispose?.();
        }
      },
    });
  };

  /** A controller whose task is terminated and removed after the test. */
  const controllerFor = (executor: Executor, cleanup: Cleanup, task: TaskRuntime) => {
    const ctl = executor.controller(task);
    cleanup.add(async () => {
      await ctl.terminate().catch(() => {});
      await ctl.remove().catch(() => {});
      await ctl.close().catch(() => {});
    });
    return ctl;
  };

  /** Runs a task through the TaskRunner, recording every reported status. */
  const runTask = (executor: Executor, cleanup: Cleanup, task: TaskRuntime) => {
    const ctl = controllerFor(executor, cleanup, task);
    const statuses: ObservedStatus[] = [];
    const runner = new TaskRunner({
      controller: ctl,
      desiredState: TaskState.RUNNING,
      status: { state: TaskState.ASSIGNED, message: "assigned", timestamp: Date.now() },
      onStatus: (s) => void statuses.push(s),
      retryDelayMs: 50,
    });
    cleanup.add(() => runner.stop());
    runner.start();
    const until = (what: string, predicate: (s: ObservedStatus) => boolean) =>
      runner.until(predicate, { timeoutMs }).catch((error: unknown) => {
        throw new Error(`${what}: ${error instanceof Error ? error.message : error}`);
      });
    return { ctl, runner, statuses, until };
  };

  const waitForOutput = async (ctl: Controller, text: string) => {
    if (ctl.logs === undefined) {
      await sleep(500); // no way to observe readiness: give the task a moment
      return;
    }
    await pollUntil(`stdout contains ${JSON.stringify(text)}`, timeoutMs, async () => {
      const logs = await ctl.logs!();
      return logs.stdout.includes(text);
    });
  };

  const settle = (ctl: Controller, what: string) =>
    withDeadline(ctl.wait(), timeoutMs, `${what}: wait() did not resolve`);

  test("describe reports hostname, platform and resources", async (executor) => {
    const d = await executor.describe();
    assert.ok(d.hostname.length > 0, "hostname");
    assert.ok(d.platform.os.length > 0, "os");
    assert.ok(d.platform.architecture.length > 0, "architecture");
    assert.ok(d.resources.nanoCPUs > 0 && Number.isInteger(d.resources.nanoCPUs), "nanoCPUs");
    assert.ok(d.resources.memoryBytes > 0, "memoryBytes");
  });

  test("exit 0 runs to COMPLETE through every agent state", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "exit", code: 0, afterMs: 50 }));
    const { statuses, until, ctl } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "COMPLETE", final.err ?? "");
    assert.equal(final.exitCode, 0);
    assert.equal(final.err, undefined);
    assert.deepEqual(
      statuses.map((s) => taskStateName(s.state)),
      ["ACCEPTED", "PREPARING", "READY", "STARTING", "RUNNING", "COMPLETE"],
    );
    const running = statuses.find((s) => s.state === TaskState.RUNNING);
    if (ctl.inspect !== undefined) assert.ok((running?.pid ?? 0) > 0, "pid reported on RUNNING");
    for (let i = 1; i < statuses.length; i++) {
      assert.ok(statuses[i]!.timestamp >= statuses[i - 1]!.timestamp, "timestamps");
    }
  });

  test("exit 3 is FAILED with exit code 3", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "exit", code: 3, afterMs: 0 }));
    const { until } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "FAILED");
    assert.equal(final.exitCode, 3);
    assert.equal(final.err, "task: non-zero exit (3)");
  });

  test("a long-running task shut down is SHUTDOWN within its grace period", async (e, cleanup) => {
    const graceMs = 10_000;
    const task = makeTask(program({ kind: "runUntilStopped" }), { stopGracePeriodMs: graceMs });
    const { runner, until, ctl } = runTask(e, cleanup, task);
    await until("task to run", (s) => s.state === TaskState.RUNNING);
    await waitForOutput(ctl, "ready");
    const t0 = performance.now();
    runner.update(TaskState.SHUTDOWN);
    const final = await until("task to stop", (s) => s.state >= TaskState.COMPLETE);
    const elapsed = performance.now() - t0;
    assert.equal(taskStateName(final.state), "SHUTDOWN", final.err ?? "");
    assert.ok(elapsed < graceMs, `stopped by its stop signal, not a kill (${elapsed} ms)`);
    const exit = await settle(ctl, "after shutdown");
    assert.notEqual(exit.signal, "SIGKILL");
    assert.equal((await ctl.inspect?.())?.running ?? false, false);
  });

  test("a task ignoring the stop signal is killed after the grace period", async (e, cleanup) => {
    const graceMs = 200;
    const task = makeTask(program({ kind: "ignoreStopSignal" }), { stopGracePeriodMs: graceMs });
    const ctl = controllerFor(e, cleanup, task);
    await ctl.prepare();
    await ctl.start();
    await waitForOutput(ctl, "ready");
    const t0 = performance.now();
    await withDeadline(ctl.shutdown(), timeoutMs, "shutdown() did not resolve");
    const elapsed = performance.now() - t0;
    assert.ok(elapsed >= graceMs - 20, `waited the grace period first (${elapsed} ms)`);
    assertKilled(await settle(ctl, "after shutdown"));
  });

  test("terminate kills at once", async (e, cleanup) => {
    const graceMs = 60_000;
    const task = makeTask(program({ kind: "ignoreStopSignal" }), { stopGracePeriodMs: graceMs });
    const ctl = controllerFor(e, cleanup, task);
    await ctl.start(); // prepares implicitly
    await waitForOutput(ctl, "ready");
    const t0 = performance.now();
    await withDeadline(ctl.terminate(), timeoutMs, "terminate() did not resolve");
    assert.ok(performance.now() - t0 < graceMs / 2, "did not wait for the grace period");
    assertKilled(await settle(ctl, "after terminate"));
  });

  test("env and working directory are visible to the task", async (executor, cleanup) => {
    const dir = await makeWorkDir();
    cleanup.add(dir.dispose);
    const task = makeTask(program({ kind: "printEnvAndCwd", name: "SWARM_CONFORMANCE" }), {
      env: { ...options.taskDefaults?.env, SWARM_CONFORMANCE: "hello 'world' $HOME" },
      dir: dir.path,
    });
    const { until, ctl } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "COMPLETE", final.err ?? "");
    if (ctl.logs === undefined) return;
    const lines = (await ctl.logs()).stdout.split("\n");
    assert.ok(lines.includes("SWARM_CONFORMANCE=hello 'world' $HOME"), lines.join("|"));
    assert.ok(lines.includes(`cwd=${dir.path}`), lines.join("|"));
  });

  test("env given as KEY=VALUE strings works too", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "printEnvAndCwd", name: "SWARM_KV" }), {
      env: ["SWARM_KV=a=b"],
    });
    const { until, ctl } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "COMPLETE", final.err ?? "");
    if (ctl.logs === undefined) return;
    assert.ok((await ctl.logs()).stdout.split("\n").includes("SWARM_KV=a=b"));
  });

  test("a missing executable is REJECTED", async (executor, cleanup) => {
    const task = makeTask({ command: missingCommand, args: [] });
    const { until, statuses, ctl } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "REJECTED");
    assert.match(final.err ?? "", /executable file not found/i);
    assert.ok(final.err?.includes(missingCommand), final.err ?? "");
    assert.ok(!statuses.some((s) => s.state === TaskState.RUNNING), "never ran");
    assert.equal((await ctl.inspect?.())?.running ?? false, false);
  });

  test("stdout and stderr are captured", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "output", stdout: "to stdout", stderr: "to stderr" }));
    const { until, ctl } = runTask(executor, cleanup, task);
    const final = await until("task to finish", (s) => s.state >= TaskState.COMPLETE);
    assert.equal(taskStateName(final.state), "COMPLETE", final.err ?? "");
    if (ctl.logs === undefined) return;
    const logs = await ctl.logs();
    assert.equal(logs.stdout, "to stdout\n");
    assert.equal(logs.stderr, "to stderr\n");
  });

  test("prepare twice and start twice are refused", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "runUntilStopped" }), { stopGracePeriodMs: 200 });
    const ctl = controllerFor(executor, cleanup, task);
    await ctl.prepare();
    await assert.rejects(ctl.prepare(), TaskAlreadyPreparedError);
    await ctl.start();
    await assert.rejects(ctl.start(), TaskAlreadyStartedError);
    await assert.rejects(ctl.prepare(), TaskAlreadyPreparedError);
    const inspection = await ctl.inspect?.();
    if (inspection !== undefined) assert.equal(inspection.running, true);
    await ctl.shutdown();
    await settle(ctl, "after shutdown");
    await assert.rejects(ctl.start(), TaskAlreadyStartedError);
  });

  test("wait returns the same exit to every caller", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "exit", code: 7, afterMs: 50 }));
    const ctl = controllerFor(executor, cleanup, task);
    await ctl.start();
    const [a, b] = await Promise.all([settle(ctl, "first"), settle(ctl, "second")]);
    assert.equal(a.exitCode, 7);
    assert.deepEqual(b, a);
    assert.deepEqual(await settle(ctl, "after exit"), a);
    await ctl.shutdown(); // no-op once exited
    await ctl.terminate();
  });

  test("shutdown before start prevents the start", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "runUntilStopped" }));
    const ctl = controllerFor(executor, cleanup, task);
    await ctl.prepare();
    await ctl.shutdown();
    await assert.rejects(ctl.start(), TaskAlreadyStartedError);
    assert.equal((await ctl.inspect?.())?.running ?? false, false);
  });

  test("desired SHUTDOWN before start reaches SHUTDOWN without running", async (e, cleanup) => {
    const task = makeTask(program({ kind: "runUntilStopped" }));
    const ctl = controllerFor(e, cleanup, task);
    const statuses: ObservedStatus[] = [];
    const runner = new TaskRunner({
      controller: ctl,
      desiredState: TaskState.READY,
      status: { state: TaskState.ASSIGNED, message: "assigned", timestamp: 0 },
      onStatus: (s) => void statuses.push(s),
    });
    cleanup.add(() => runner.stop());
    runner.start();
    await runner.until((s) => s.state === TaskState.READY, { timeoutMs });
    runner.update(TaskState.SHUTDOWN);
    const final = await runner.until((s) => s.state >= TaskState.COMPLETE, { timeoutMs });
    assert.equal(taskStateName(final.state), "SHUTDOWN");
    assert.ok(!statuses.some((s) => s.state === TaskState.RUNNING), "never ran");
  });

  test("a new controller for a started task attaches to it", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "runUntilStopped" }), { stopGracePeriodMs: 5_000 });
    const first = controllerFor(executor, cleanup, task);
    await first.start();
    await first.close();
    await assert.rejects(first.wait(), ControllerClosedError);
    const second = controllerFor(executor, cleanup, task);
    await assert.rejects(second.start(), TaskAlreadyStartedError);
    await waitForOutput(second, "ready");
    await second.shutdown();
    const exit = await settle(second, "second controller");
    assert.notEqual(exit.signal, "SIGKILL");
  });

  test("remove stops the task and forgets it", async (executor, cleanup) => {
    const task = makeTask(program({ kind: "runUntilStopped" }), { stopGracePeriodMs: 5_000 });
    const ctl = controllerFor(executor, cleanup, task);
    await ctl.start();
    await waitForOutput(ctl, "ready");
    await withDeadline(ctl.remove(), timeoutMs, "remove() did not resolve");
    await ctl.remove(); // idempotent
    const again = controllerFor(executor, cleanup, task);
    assert.equal((await again.inspect?.())?.running ?? false, false);
  });
}

function assertKilled(exit: ExitResult): void {
  assert.ok(
    exit.signal === "SIGKILL" || exit.exitCode === 137,
    `killed with SIGKILL: ${JSON.stringify(exit)}`,
  );
}

/** Cleanup steps run in reverse order, each even if an earlier one failed. */
class Cleanup {
  #steps: Array<() => Promise<unknown>> = [];
  add(step: () => Promise<unknown>): void {
    this.#steps.push(step);
  }
  async run(): Promise<void> {
    for (const step of this.#steps.reverse()) await step().catch(() => {});
    this.#steps = [];
  }
}

async function defaultWorkDir(): Promise<ConformanceWorkDir> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix: "swarm-conformance-" }));
  return { path, dispose: () => Deno.remove(path, { recursive: true }) };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function pollUntil(
  what: string,
  timeoutMs: number,
  check: () => Promise<boolean>,
): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms: ${what}`);
    await sleep(20);
  }
}

async function withDeadline<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`Timed out after ${timeoutMs} ms: ${what}`)),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
