import assert from "node:assert/strict";
import { ManualClock, systemClock } from "./clock.ts";

Deno.test("ManualClock runs timeouts and intervals in time order", () => {
  const clock = new ManualClock(1000);
  const log: string[] = [];
  clock.setTimeout(() => log.push(`t250@${clock.now()}`), 250);
  const every = clock.setInterval(() => log.push(`i100@${clock.now()}`), 100);
  clock.setTimeout(() => log.push("never"), 1000).cancel();
  clock.advance(99);
  assert.deepEqual(log, []);
  clock.advance(201);
  assert.deepEqual(log, ["i100@1100", "i100@1200", "t250@1250", "i100@1300"]);
  every.cancel();
  clock.advance(1000);
  assert.equal(log.length, 4);
  assert.equal(clock.now(), 2300);
  assert.equal(clock.pending, 0);
});

Deno.test("ManualClock runs a timer scheduled by a timer when it falls due", () => {
  const clock = new ManualClock();
  const log: number[] = [];
  clock.setTimeout(() => clock.setTimeout(() => log.push(clock.now()), 10), 10);
  clock.advance(25);
  assert.deepEqual(log, [20]);
  assert.throws(() => clock.setInterval(() => {}, 0), RangeError);
});

Deno.test("systemClock timers fire and cancel", async () => {
  let fired = 0;
  const t = systemClock.setInterval(() => fired++, 1);
  const cancelled = systemClock.setTimeout(() => fired += 100, 1);
  cancelled.cancel();
  await new Promise((r) => setTimeout(r, 20));
  t.cancel();
  const seen = fired;
  await new Promise((r) => setTimeout(r, 10));
  assert.ok(seen >= 1 && seen < 100);
  assert.equal(fired, seen);
  assert.ok(systemClock.now() > 0);
});
