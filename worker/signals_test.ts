import assert from "node:assert/strict";
import { parseSignal, signalNumber } from "./signals.ts";

Deno.test("parseSignal: names, short names and numbers", () => {
  assert.equal(parseSignal("SIGTERM"), "SIGTERM");
  assert.equal(parseSignal("term"), "SIGTERM");
  assert.equal(parseSignal(" sigint "), "SIGINT");
  assert.equal(parseSignal("9"), "SIGKILL");
  assert.equal(parseSignal("SIGNOPE"), undefined);
  assert.equal(parseSignal("0"), undefined);
  assert.equal(parseSignal("64"), undefined);
  assert.equal(parseSignal(""), undefined);
});

Deno.test("signalNumber", () => {
  assert.equal(signalNumber("SIGTERM"), 15);
  assert.equal(signalNumber("SIGKILL"), 9);
  assert.equal(signalNumber("SIGINFO"), undefined);
});
