import assert from "node:assert/strict";
import { ManualClock, realClock } from "./fake_clock.ts";

Deno.test("ManualClock: fires due timers in order, each at its own time", () => {
  const clock = new ManualClock(100);
  const fired: Array<[string, number]> = [];
  clock.setTimeout(() => fired.push(["b", clock.now()]), 20);
  clock.setTimeout(() => fired.push(["a", clock.now()]), 10);
  const c = clock.setTimeout(() => fired.push(["c", clock.now()]), 15);
  clock.clearTimeout(c);
  clock.advance(5);
  assert.deepEqual(fired, []);
  assert.equal(clock.pending, 2);
  clock.advance(100);
  assert.deepEqual(fired, [["a", 110], ["b", 120]]);
  assert.equal(clock.now(), 205);
});

Deno.test("ManualClock: timers scheduled by timers fire when due", () => {
  const clock = new ManualClock();
  const fired: number[] = [];
  clock.setTimeout(() => {
    fired.push(clock.now());
    clock.setTimeout(() => fired.push(clock.now()), 10);
  }, 10);
  clock.advance(25);
  assert.deepEqual(fired, [10, 20]);
  assert.throws(() => clock.advance(-1), RangeError);
});

Deno.test("realClock: timers run and can be cleared", async () => {
  const before = realClock.now();
  await new Promise<void>((resolve) => realClock.setTimeout(resolve, 5));
  assert.ok(realClock.now() >= before);
  let ran = false;
  realClock.clearTimeout(realClock.setTimeout(() => ran = true, 1));
  await new Promise((resolve) => setTimeout(resolve, 20));
  assert.equal(ran, false);
});
