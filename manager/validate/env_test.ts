import assert from "node:assert/strict";
import { validateEnv, validateEnvEntry } from "./env.ts";

Deno.test("validateEnv accepts KEY=VALUE entries", () => {
  validateEnv([]);
  validateEnv(["A=1", "EMPTY=", "URL=a=b=c", "lower_case=x", "WITH SPACE=y"]);
});

Deno.test("validateEnvEntry rejects entries without '='", () => {
  assert.throws(() => validateEnvEntry("FOO"), {
    name: "ValidationError",
    message: 'invalid environment variable "FOO": use KEY=VALUE, e.g. FOO=8080',
  });
  assert.throws(
    () => validateEnvEntry(""),
    /invalid environment variable "": use KEY=VALUE, e.g. PORT=8080/,
  );
});

Deno.test("validateEnvEntry rejects an empty key", () => {
  assert.throws(() => validateEnvEntry("=x"), /the key before '=' is empty/);
  assert.throws(() => validateEnv(["A=1", " =x"]), /the key before '=' is empty/);
});

Deno.test("validateEnvEntry rejects NUL characters", () => {
  assert.throws(() => validateEnvEntry("A=\0"), /NUL/);
});
