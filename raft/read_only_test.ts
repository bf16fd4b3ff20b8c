import assert from "node:assert/strict";
import { ReadOnly } from "./read_only.ts";
import { voteResult } from "./quorum.ts";

const ctx = (s: string) => new TextEncoder().encode(s);

Deno.test("ReadOnly: a quorum of acks releases the read and every earlier one", () => {
  const ro = new ReadOnly();
  assert.ok(ro.add(5, { context: ctx("r1"), from: "" }));
  assert.ok(ro.add(6, { context: ctx("r2"), from: "b" }));
  assert.ok(ro.add(7, { context: ctx("r3"), from: "" }));
  assert.equal(ro.add(9, { context: ctx("r2"), from: "c" }), false, "duplicate context");
  assert.deepEqual(ro.lastPendingContext(), ctx("r3"));

  const voters = ["a", "b", "c"];
  ro.recvAck("a", ctx("r2"));
  assert.equal(voteResult(voters, ro.recvAck("a", ctx("r2")) ?? new Map()), "pending");
  assert.equal(voteResult(voters, ro.recvAck("c", ctx("r2")) ?? new Map()), "won");
  const released = ro.advance(ctx("r2"));
  assert.deepEqual(released.map((r) => [r.index, r.request.from]), [[5, ""], [6, "b"]]);
  assert.equal(ro.size, 1);
  assert.equal(ro.recvAck("a", ctx("r1")), undefined, "released reads take no more acks");
  assert.deepEqual(ro.advance(ctx("nope")), []);
  assert.deepEqual(ro.advance(ctx("r3")).map((r) => r.index), [7]);
  assert.equal(ro.lastPendingContext(), undefined);
});
