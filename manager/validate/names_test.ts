import assert from "node:assert/strict";
import {
  MAX_SECRET_NAME_LENGTH,
  MAX_SERVICE_NAME_LENGTH,
  quote,
  validateConfigName,
  validateLabels,
  validateSecretName,
  validateServiceName,
} from "./names.ts";
import { ValidationError } from "./validation_error.ts";

const SWARMKIT_SERVICE_NAME = /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/;
const SWARMKIT_SECRET_NAME = /^[a-zA-Z0-9]+(?:[a-zA-Z0-9-_.]*[a-zA-Z0-9])?$/;

function accepts(fn: (s: string) => void, s: string): boolean {
  try {
    fn(s);
    return true;
  } catch (err) {
    assert.ok(err instanceof ValidationError);
    return false;
  }
}

Deno.test("validateServiceName accepts DNS-label style names", () => {
  for (const name of ["a", "web", "Web", "web-1", "web_1", "a--b", "a-_-b", "9", "x".repeat(63)]) {
    validateServiceName(name);
  }
});

Deno.test("validateServiceName rejects bad names with the rule in the message", () => {
  assert.throws(() => validateServiceName("Web!"), {
    name: "ValidationError",
    message:
      `invalid service name "Web!": names may contain letters, digits, '-' and '_', must start and end with a letter or digit, at most 63 characters`,
  });
  for (const name of ["-web", "web-", "_a", "a_", "a.b", "a b", "ü", "x".repeat(64), "a\n"]) {
    assert.throws(() => validateServiceName(name), /invalid service name/, name);
  }
});

Deno.test("validateServiceName explains a missing name", () => {
  assert.throws(() => validateServiceName(""), /missing service name: give one with --name/);
});

Deno.test("validateServiceName agrees with SwarmKit's regex", () => {
  const alphabet = ["a", "Z", "0", "-", "_", ".", "!"];
  const words: string[] = [""];
  for (let len = 1; len <= 4; len++) {
    for (const w of words.filter((x) => x.length === len - 1)) {
      for (const c of alphabet) words.push(w + c);
    }
  }
  for (const w of words.filter((x) => x !== "")) {
    assert.equal(accepts(validateServiceName, w), SWARMKIT_SERVICE_NAME.test(w), w);
    assert.equal(accepts(validateSecretName, w), SWARMKIT_SECRET_NAME.test(w), w);
  }
});

Deno.test("validateServiceName is fast on long bad names", () => {
  const start = performance.now();
  assert.throws(() => validateServiceName("a".repeat(62) + "!"));
  assert.throws(() => validateSecretName("a".repeat(63) + "!"));
  assert.ok(performance.now() - start < 100);
});

Deno.test("validateSecretName and validateConfigName allow dots and 64 characters", () => {
  for (const name of ["a", "db.password", "tls-cert_v2", "x".repeat(MAX_SECRET_NAME_LENGTH)]) {
    validateSecretName(name);
    validateConfigName(name);
  }
  assert.throws(() => validateSecretName("x".repeat(MAX_SECRET_NAME_LENGTH + 1)), {
    message: /invalid secret name .*at most 64 characters/,
  });
  assert.throws(() => validateConfigName(".hidden"), /invalid config name "\.hidden"/);
  assert.throws(() => validateSecretName(""), /missing secret name/);
  assert.throws(() => validateConfigName(""), /missing config name/);
  assert.equal(MAX_SERVICE_NAME_LENGTH, 63);
});

Deno.test("validateLabels rejects empty keys", () => {
  validateLabels({ a: "", "com.example.x": "1" }, "service");
  assert.throws(() => validateLabels({ "": "x" }, "node"), /invalid node label with an empty key/);
  assert.throws(() => validateLabels({ " ": "x" }, "node"), ValidationError);
});

Deno.test("quote cuts long values", () => {
  assert.equal(quote("a"), '"a"');
  assert.equal(quote("x".repeat(100)).length, 82);
});
