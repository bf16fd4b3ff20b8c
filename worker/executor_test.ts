import assert from "node:assert/strict";
import {
  ControllerClosedError,
  errorMessage,
  ExecutorError,
  isExitCoder,
  isTemporary,
  nonZeroExitMessage,
  TaskAlreadyPreparedError,
  TaskAlreadyStartedError,
  TaskExitError,
  TaskNotStartedError,
  TaskRejectedError,
  TemporaryError,
} from "./executor.ts";

Deno.test("errors: names, messages and hierarchy", () => {
  const errors = [
    new TaskRejectedError("Executable file not found: x"),
    new TaskAlreadyPreparedError("t1"),
    new TaskAlreadyStartedError("t1"),
    new TaskNotStartedError("t1"),
    new ControllerClosedError("t1"),
    new TemporaryError("Try again"),
    new TaskExitError(3),
  ];
  for (const e of errors) {
    assert.ok(e instanceof ExecutorError);
    assert.equal(e.name, e.constructor.name);
  }
  assert.equal(new TaskAlreadyPreparedError("t1").message, "Task already prepared: t1");
  assert.match(new TaskAlreadyStartedError("t1").message, /^Task already started: t1: /);
  assert.match(new ControllerClosedError("t1").message, /new controller/);
});

Deno.test("TaskExitError is an ExitCoder with SwarmKit's message", () => {
  const e = new TaskExitError(3);
  assert.equal(e.message, "task: non-zero exit (3)");
  assert.equal(nonZeroExitMessage(3), e.message);
  assert.ok(isExitCoder(e));
  assert.ok(isExitCoder({ exitCode: 1 }));
  assert.ok(!isExitCoder(new Error("x")));
  assert.ok(!isExitCoder(null));
});

Deno.test("isTemporary follows causes", () => {
  assert.ok(isTemporary(new TemporaryError("x")));
  assert.ok(isTemporary(new Error("outer", { cause: new TemporaryError("inner") })));
  assert.ok(!isTemporary(new Error("x")));
  assert.ok(!isTemporary("x"));
});

Deno.test("errorMessage handles non-errors", () => {
  assert.equal(errorMessage(new Error("a")), "a");
  assert.equal(errorMessage("b"), "b");
});
