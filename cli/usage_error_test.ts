import assert from "node:assert/strict";
import { UsageError } from "./usage_error.ts";

Deno.test("UsageError remembers the command to point at", () => {
  const err = new UsageError("unknown flag --nope", "swarm service ls");
  assert.equal(err.name, "UsageError");
  assert.equal(err.command, "swarm service ls");
  assert.equal(new UsageError("x").command, "swarm");
});
