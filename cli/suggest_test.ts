import assert from "node:assert/strict";
import { editDistance, suggest } from "./suggest.ts";

Deno.test("editDistance counts edits", () => {
  assert.equal(editDistance("", ""), 0);
  assert.equal(editDistance("abc", "abc"), 0);
  assert.equal(editDistance("servce", "service"), 1);
  assert.equal(editDistance("kitten", "sitting"), 3);
  assert.equal(editDistance("", "abc"), 3);
});

Deno.test("suggest finds close names", () => {
  const commands = ["service", "node", "task", "secret", "config", "cluster", "version"];
  assert.equal(suggest("servce", commands), "service");
  assert.equal(suggest("nodes", commands), "node");
  assert.equal(suggest("vers", commands), "version");
  assert.equal(suggest("xyzzy", commands), undefined);
  assert.equal(suggest("x", ["y"]), undefined);
});
