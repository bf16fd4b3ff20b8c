import assert from "node:assert/strict";
import { normalizeSignal, STOP_SIGNALS, validateStopSignal } from "./signal.ts";

Deno.test("normalizeSignal accepts names with or without SIG, any case", () => {
  assert.equal(normalizeSignal("term"), "SIGTERM");
  assert.equal(normalizeSignal("SIGINT"), "SIGINT");
  assert.equal(normalizeSignal("sigusr1"), "SIGUSR1");
  assert.equal(normalizeSignal(" quit "), "SIGQUIT");
});

Deno.test("normalizeSignal rejects unknown signals and lists the allowed ones", () => {
  assert.throws(() => normalizeSignal("SIGFOO"), {
    name: "ValidationError",
    message: `invalid stop signal "SIGFOO": use one of ${STOP_SIGNALS.join(", ")}`,
  });
  assert.throws(() => normalizeSignal("15"), /invalid stop signal "15"/);
  assert.throws(() => normalizeSignal(""), /invalid stop signal ""/);
});

Deno.test("validateStopSignal wants empty or canonical names", () => {
  validateStopSignal("");
  validateStopSignal("SIGTERM");
  assert.throws(() => validateStopSignal("term"), /invalid stop signal "term"/);
  assert.throws(() => validateStopSignal("SIGSTOP"), /invalid stop signal/);
});
