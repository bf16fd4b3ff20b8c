import assert from "node:assert/strict";
import { Membership } from "./membership.ts";

const empty = new Uint8Array();

Deno.test("Membership: latest, at, truncate, forget, reset", () => {
  const m = new Membership({ voters: ["a"], learners: [] });
  assert.equal(m.lastChangeIndex, 0);
  m.record(3, { type: "add-learner", member: "b", context: empty });
  m.record(5, { type: "add-voter", member: "b", context: empty });
  m.record(9, { type: "add-voter", member: "c", context: empty });
  assert.deepEqual(m.latest, { voters: ["a", "b", "c"], learners: [] });
  assert.equal(m.lastChangeIndex, 9);
  assert.deepEqual(m.at(2), { voters: ["a"], learners: [] });
  assert.deepEqual(m.at(4), { voters: ["a"], learners: ["b"] });
  assert.deepEqual(m.at(8), { voters: ["a", "b"], learners: [] });
  assert.ok(m.isVoter("c"));

  m.truncateFrom(6);
  assert.deepEqual(m.latest, { voters: ["a", "b"], learners: [] });
  assert.equal(m.lastChangeIndex, 5);

  m.record(5, { type: "remove", member: "a", context: empty });
  assert.deepEqual(m.latest, { voters: [], learners: ["b"] });

  m.forgetBefore(4);
  assert.deepEqual(m.at(4), { voters: ["a"], learners: ["b"] });
  assert.deepEqual(m.at(5), { voters: [], learners: ["b"] });

  m.reset({ voters: ["z"], learners: [] });
  assert.deepEqual(m.latest, { voters: ["z"], learners: [] });
  assert.equal(m.lastChangeIndex, 0);
});
