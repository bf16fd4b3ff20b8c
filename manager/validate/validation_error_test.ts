import assert from "node:assert/strict";
import { ValidationError } from "./validation_error.ts";

Deno.test("ValidationError has its own name and keeps the cause", () => {
  const cause = new Error("inner");
  const err = new ValidationError("invalid thing: details", { cause });
  assert.ok(err instanceof Error);
  assert.equal(err.name, "ValidationError");
  assert.equal(err.message, "invalid thing: details");
  assert.equal(err.cause, cause);
});
