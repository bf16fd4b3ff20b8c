import assert from "node:assert/strict";
import { committedIndex, majority, voteResult } from "./quorum.ts";

Deno.test("majority: of 1..7 voters", () => {
  assert.deepEqual([1, 2, 3, 4, 5, 6, 7].map(majority), [1, 2, 2, 3, 3, 4, 4]);
});

Deno.test("committedIndex: the index a majority has reached", () => {
  const m = new Map([["a", 5], ["b", 3], ["c", 9]]);
  assert.equal(committedIndex(["a", "b", "c"], (id) => m.get(id)), 5);
  assert.equal(committedIndex(["a"], (id) => m.get(id)), 5);
  assert.equal(committedIndex(["a", "b"], (id) => m.get(id)), 3);
  // A voter without progress counts as 0.
  assert.equal(committedIndex(["a", "b", "x", "y"], (id) => m.get(id)), 0);
  assert.equal(committedIndex(["a", "c", "x"], (id) => m.get(id)), 5);
  assert.equal(committedIndex([], () => 7), 0);
});

Deno.test("voteResult: won, lost, pending", () => {
  const voters = ["a", "b", "c", "d", "e"];
  assert.equal(voteResult(voters, new Map([["a", true]])), "pending");
  assert.equal(voteResult(voters, new Map([["a", true], ["b", true], ["c", true]])), "won");
  assert.equal(voteResult(voters, new Map([["a", false], ["b", false], ["c", false]])), "lost");
  assert.equal(
    voteResult(voters, new Map([["a", true], ["b", true], ["c", false], ["d", false]])),
    "pending",
  );
  // Votes of non-voters do not count.
  assert.equal(voteResult(["a", "b", "c"], new Map([["a", true], ["x", true]])), "pending");
  assert.equal(voteResult([], new Map()), "lost");
  assert.equal(voteResult(["a"], new Map([["a", true]])), "won");
});
