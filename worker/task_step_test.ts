import assert from "node:assert/strict";
import {
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
  TaskExitError,
  TaskRejectedError,
  TemporaryError,
} from "./executor.ts";
import {
  applyResult,
  controllerFailedStatus,
  nextStep,
  type Step,
  type StepResult,
} from "./task_step.ts";
import { type ObservedStatus, TaskState, taskStateName } from "./types.ts";

const S = TaskState;

function status(state: TaskState, extra: Partial<ObservedStatus> = {}): ObservedStatus {
  return { state, message: "m", timestamp: 1, ...extra };
}

// --- nextStep: the full desired × observed table -------------------------------------------------
//
// Codes: "." noop, "A"/"P"/"S" transition to ACCEPTED/PREPARING/STARTING (no controller call),
// "p" prepare, "s" start, "w" wait, "x" shutdown.
const DESIRED: TaskState[] = [
  S.NEW,
  S.PENDING,
  S.ASSIGNED,
  S.ACCEPTED,
  S.PREPARING,
  S.READY,
  S.STARTING,
  S.RUNNING,
  S.COMPLETE,
  S.SHUTDOWN,
  S.FAILED,
  S.REJECTED,
  S.REMOVE,
  S.ORPHANED,
];
//                  desired: NEW PEN ASG ACC PRE RDY STG RUN CMP | SHU FAI REJ RMV ORP
const TABLE: Array<[TaskState, string]> = [
  [S.NEW, /*          */ ". A A A A A A A A | x x x x x"],
  [S.PENDING, /*      */ ". . A A A A A A A | x x x x x"],
  [S.ASSIGNED, /*     */ ". . . A A A A A A | x x x x x"],
  [S.ACCEPTED, /*     */ ". . . . P P P P P | x x x x x"],
  [S.PREPARING, /*    */ ". . . . p p p p p | x x x x x"],
  [S.READY, /*        */ ". . . . . . S S S | x x x x x"],
  [S.STARTING, /*     */ ". . . . . . s s s | x x x x x"],
  [S.RUNNING, /*      */ ". . . . . . . w w | x x x x x"],
  [S.COMPLETE, /*     */ ". . . . . . . . . | . . . . ."],
  [S.SHUTDOWN, /*     */ ". . . . . . . . . | . . . . ."],
  [S.FAILED, /*       */ ". . . . . . . . . | . . . . ."],
  [S.REJECTED, /*     */ ". . . . . . . . . | . . . . ."],
  [S.ORPHANED, /*     */ ". . . . . . . . . | . . . . ."],
];

function code(step: Step): string {
  switch (step.kind) {
    case "noop":
      return ".";
    case "transition":
      return { [S.ACCEPTED]: "A", [S.PREPARING]: "P", [S.STARTING]: "S" }[step.state as number] ??
        `?${step.state}`;
    case "prepare":
      return "p";
    case "start":
      return "s";
    case "wait":
      return "w";
    case "shutdown":
      return "x";
  }
}

Deno.test("nextStep: matches the desired × observed table", () => {
  for (const [observed, row] of TABLE) {
    const expected = row.replace("|", "").split(/\s+/).filter((c) => c !== "");
    assert.equal(expected.length, DESIRED.length, `row ${taskStateName(observed)}`);
    DESIRED.forEach((desired, i) => {
      const got = code(nextStep({ desiredState: desired, status: status(observed) }));
      assert.equal(
        got,
        expected[i],
        `observed ${taskStateName(observed)}, desired ${taskStateName(desired)}`,
      );
    });
  }
});

Deno.test("nextStep: transitions carry SwarmKit's messages", () => {
  const msg = (state: TaskState) => {
    const step = nextStep({ desiredState: S.RUNNING, status: status(state) });
    return step.kind === "transition" ? step.message : step.kind;
  };
  assert.equal(msg(S.NEW), "accepted");
  assert.equal(msg(S.ACCEPTED), "preparing");
  assert.equal(msg(S.READY), "starting");
});

// --- applyResult ---------------------------------------------------------------------------------

const OK: StepResult = { ok: true };
const err = (error: unknown): StepResult => ({ ok: false, error });

Deno.test("applyResult: successful controller steps", () => {
  const ready = applyResult(status(S.PREPARING), { kind: "prepare" }, OK, 7);
  assert.deepEqual(ready, { state: S.READY, message: "prepared", timestamp: 7 });

  const running = applyResult(status(S.STARTING), { kind: "start" }, { ok: true, pid: 42 }, 8);
  assert.deepEqual(running, { state: S.RUNNING, message: "started", pid: 42, timestamp: 8 });

  const done = applyResult(
    status(S.RUNNING, { pid: 42 }),
    { kind: "wait" },
    { ok: true, exit: { exitCode: 0 } },
    9,
  );
  assert.deepEqual(done, {
    state: S.COMPLETE,
    message: "finished",
    pid: 42,
    exitCode: 0,
    timestamp: 9,
  });

  const shut = applyResult(status(S.RUNNING), { kind: "shutdown" }, OK, 10);
  assert.deepEqual(shut, { state: S.SHUTDOWN, message: "shutdown", timestamp: 10 });
});

Deno.test("applyResult: non-zero exit is FAILED with SwarmKit's error text", () => {
  const failed = applyResult(
    status(S.RUNNING),
    { kind: "wait" },
    { ok: true, exit: { exitCode: 3 } },
    5,
  );
  assert.equal(failed.state, S.FAILED);
  assert.equal(failed.err, "task: non-zero exit (3)");
  assert.equal(failed.exitCode, 3);
});

Deno.test("applyResult: a thrown ExitCoder keeps its exit code", () => {
  const failed = applyResult(status(S.RUNNING), { kind: "wait" }, err(new TaskExitError(137)), 5);
  assert.equal(failed.state, S.FAILED);
  assert.equal(failed.exitCode, 137);
  assert.equal(failed.err, "task: non-zero exit (137)");
});

Deno.test("applyResult: fatal errors are REJECTED before STARTING and FAILED from STARTING", () => {
  const e = new TaskRejectedError("Executable file not found: nope");
  const cases: Array<[TaskState, Step, TaskState]> = [
    [S.PREPARING, { kind: "prepare" }, S.REJECTED],
    [S.NEW, { kind: "shutdown" }, S.REJECTED],
    [S.READY, { kind: "shutdown" }, S.REJECTED],
    [S.STARTING, { kind: "start" }, S.FAILED],
    [S.RUNNING, { kind: "wait" }, S.FAILED],
    [S.RUNNING, { kind: "shutdown" }, S.FAILED],
  ];
  for (const [from, step, to] of cases) {
    const next = applyResult(status(from), step, err(e), 3);
    assert.equal(next.state, to, `${taskStateName(from)} ${step.kind}`);
    assert.equal(next.err, "Executable file not found: nope");
    assert.equal(next.message, `${step.kind} failed`);
    assert.equal(next.timestamp, 3);
  }
});

Deno.test("applyResult: 'already prepared/started' count as success", () => {
  assert.equal(
    applyResult(status(S.PREPARING), { kind: "prepare" }, err(new TaskAlreadyPreparedError("t")), 1)
      .state,
    S.READY,
  );
  assert.equal(
    applyResult(status(S.STARTING), { kind: "start" }, err(new TaskAlreadyStartedError("t")), 1)
      .state,
    S.RUNNING,
  );
  // ...but not for another step.
  assert.equal(
    applyResult(status(S.STARTING), { kind: "start" }, err(new TaskAlreadyPreparedError("t")), 1)
      .state,
    S.FAILED,
  );
});

Deno.test("applyResult: temporary errors keep the state and record the error", () => {
  const before = status(S.PREPARING);
  const cause = new TemporaryError("Registry unreachable: retrying");
  const next = applyResult(before, { kind: "prepare" }, err(new Error("wrapped", { cause })), 4);
  assert.equal(next.state, S.PREPARING);
  assert.equal(next.err, "wrapped");
  assert.equal(next.timestamp, 4);
  // Same error again: unchanged status keeps its timestamp.
  assert.equal(
    applyResult(next, { kind: "prepare" }, err(new Error("wrapped", { cause })), 9),
    next,
  );
});

Deno.test("applyResult: a transition clears err and moves forward only", () => {
  const next = applyResult(
    status(S.NEW, { err: "old" }),
    { kind: "transition", state: S.ACCEPTED, message: "accepted" },
    OK,
    2,
  );
  assert.deepEqual(next, { state: S.ACCEPTED, message: "accepted", timestamp: 2 });
  assert.throws(
    () =>
      applyResult(
        status(S.RUNNING),
        { kind: "transition", state: S.ACCEPTED, message: "accepted" },
        OK,
        2,
      ),
    RangeError,
  );
});

Deno.test("applyResult: noop returns the same object", () => {
  const s = status(S.RUNNING);
  assert.equal(applyResult(s, { kind: "noop" }, OK, 99), s);
});

Deno.test("controllerFailedStatus: follows SwarmKit's Resolve", () => {
  const e = new Error("no such runtime");
  assert.equal(controllerFailedStatus(status(S.ASSIGNED), e, 1).state, S.REJECTED);
  assert.equal(controllerFailedStatus(status(S.READY), e, 1).state, S.REJECTED);
  assert.equal(controllerFailedStatus(status(S.STARTING), e, 1).state, S.FAILED);
  assert.equal(controllerFailedStatus(status(S.RUNNING), e, 1).state, S.FAILED);
  assert.equal(controllerFailedStatus(status(S.COMPLETE), e, 1).state, S.COMPLETE);
  const r = controllerFailedStatus(status(S.NEW), e, 5);
  assert.equal(r.err, "no such runtime");
  assert.equal(r.message, "resolving controller failed");
  assert.equal(r.timestamp, 5);
});

// --- property: monotone, bounded by desired except the allowed transitions ----------------------

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALWAYS_ALLOWED = new Set([
  `${S.PREPARING}->${S.READY}`,
  `${S.STARTING}->${S.RUNNING}`,
  `${S.RUNNING}->${S.COMPLETE}`,
]);

function randomResult(rand: () => number): StepResult {
  const r = rand();
  if (r < 0.35) return { ok: true, exit: { exitCode: 0 }, pid: 100 };
  if (r < 0.5) return { ok: true, exit: { exitCode: 1 + Math.floor(rand() * 255) } };
  if (r < 0.6) return err(new TemporaryError("try again"));
  if (r < 0.7) return err(new TaskAlreadyPreparedError("t"));
  if (r < 0.8) return err(new TaskAlreadyStartedError("t"));
  if (r < 0.9) return err(new TaskExitError(2));
  return err(new Error("boom"));
}

const DESIRED_UPDATES: TaskState[] = [
  S.ACCEPTED,
  S.READY,
  S.RUNNING,
  S.COMPLETE,
  S.SHUTDOWN,
  S.REMOVE,
];

Deno.test("property: observed state never decreases nor passes desired except allowed", () => {
  const seeds = 2_000;
  for (let seed = 1; seed <= seeds; seed++) {
    const rand = mulberry32(seed);
    let desired: TaskState = [S.READY, S.RUNNING, S.COMPLETE][Math.floor(rand() * 3)]!;
    let current = status([S.NEW, S.PENDING, S.ASSIGNED][Math.floor(rand() * 3)]!);
    const trace: string[] = [];
    for (let i = 0; i < 60; i++) {
      if (rand() < 0.15) {
        // The manager only raises the desired state.
        const higher = DESIRED_UPDATES.filter((d) => d >= desired);
        desired = higher[Math.floor(rand() * higher.length)]!;
        trace.push(`desired=${taskStateName(desired)}`);
        continue;
      }
      const step = nextStep({ desiredState: desired, status: current });
      const next = applyResult(current, step, randomResult(rand), i);
      trace.push(`${step.kind}:${taskStateName(next.state)}`);
      const ctx = () => `seed ${seed}: ${trace.join(" ")}`;
      assert.ok(next.state >= current.state, `state decreased; ${ctx()}`);
      if (next.state > desired && next.state !== current.state) {
        const allowed = ALWAYS_ALLOWED.has(`${current.state}->${next.state}`) ||
          next.state === S.FAILED || next.state === S.REJECTED;
        assert.ok(allowed, `passed desired ${taskStateName(desired)}; ${ctx()}`);
      }
      assert.ok(next.state <= S.REJECTED, `agent reached a manager-only state; ${ctx()}`);
      if (current.state >= S.COMPLETE) assert.equal(next, current, `terminal changed; ${ctx()}`);
      if (step.kind === "noop") assert.equal(next, current);
      current = next;
    }
  }
});

Deno.test("property: every task reaches a terminal state once shut down", () => {
  for (let seed = 1; seed <= 500; seed++) {
    const rand = mulberry32(seed);
    let current = status(S.NEW);
    for (let i = 0; i < 10; i++) {
      const step = nextStep({ desiredState: S.RUNNING, status: current });
      current = applyResult(current, step, randomResult(rand), i);
    }
    const step = nextStep({ desiredState: S.SHUTDOWN, status: current });
    current = applyResult(current, step, { ok: true }, 99);
    assert.ok(current.state >= S.COMPLETE, `seed ${seed}: ${taskStateName(current.state)}`);
  }
});
