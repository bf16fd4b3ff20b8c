import assert from "node:assert/strict";
import { ID_LENGTH, newId } from "./identity.ts";

Deno.test("IDs are 25 base-36 characters and differ", () => {
  const a = newId();
  assert.match(a, /^[0-9a-z]{25}$/);
  assert.equal(a.length, ID_LENGTH);
  assert.notEqual(a, newId());
  assert.equal(newId((n) => new Uint8Array(n)), "0".repeat(25));
});
