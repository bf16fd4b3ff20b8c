import assert from "node:assert/strict";
import { Checker, SafetyViolation } from "./invariants.ts";
import { MemoryLogStorage } from "../../raft/memory_storage.ts";
import type { Entry } from "../../raft/types.ts";

const ent = (index: number, term: number, data = ""): Entry => ({
  index,
  term,
  kind: "normal",
  data: new TextEncoder().encode(data),
});

Deno.test("Checker: Election Safety", () => {
  const c = new Checker();
  c.leader(2, "a");
  c.leader(2, "a");
  c.leader(3, "b");
  assert.throws(() => c.leader(2, "b"), SafetyViolation);
});

Deno.test("Checker: Log Matching (same entry, same predecessor)", () => {
  const c = new Checker();
  c.logEntries("a", [ent(1, 1, "x"), ent(2, 1, "y")], 0);
  c.logEntries("b", [ent(2, 1, "y")], 1);
  assert.throws(() => c.logEntries("b", [ent(2, 1, "z")], 1), /differs/);
  assert.throws(() => c.logEntries("c", [ent(2, 1, "y")], 0), /follows term/);
});

Deno.test("Checker: Leader Completeness and State Machine Safety", () => {
  const c = new Checker();
  c.committedEntries("a", [ent(1, 1, "x"), ent(2, 2, "y")]);
  assert.throws(() => c.committedEntries("b", [ent(2, 2, "q")]), /State Machine Safety/);
  const s = new MemoryLogStorage();
  s.append([ent(1, 1, "x")]);
  assert.throws(() => c.leaderCompleteness("b", 3, s), /lacks committed entry 2/);
  s.append([ent(2, 2, "y")]);
  c.leaderCompleteness("b", 3, s);
  c.state("a", 2, 77);
  assert.throws(() => c.state("b", 2, 78), /state at 2 differs/);
  assert.throws(() => c.applied("b", ent(1, 1, "other"), 1), /applied/);
});
