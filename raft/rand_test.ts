import assert from "node:assert/strict";
import { randomInt, seededRandom } from "./rand.ts";

Deno.test("seededRandom: the same seed gives the same sequence", () => {
  const a = seededRandom(42);
  const b = seededRandom(42);
  for (let i = 0; i < 100; i++) assert.equal(a(), b());
});

Deno.test("seededRandom: different seeds differ and values stay in [0, 1)", () => {
  const a = seededRandom(1);
  const b = seededRandom(2);
  let same = 0;
  for (let i = 0; i < 1000; i++) {
    const x = a();
    const y = b();
    if (x === y) same++;
    assert.ok(x >= 0 && x < 1);
  }
  assert.ok(same < 5);
});

Deno.test("seededRandom: roughly uniform", () => {
  const r = seededRandom(7);
  const buckets = new Array<number>(10).fill(0);
  for (let i = 0; i < 10000; i++) {
    const k = Math.floor(r() * 10);
    buckets[k] = (buckets[k] ?? 0) + 1;
  }
  for (const b of buckets) assert.ok(b > 850 && b < 1150, `bucket ${b}`);
});

Deno.test("randomInt: stays in [lo, hi) and refuses an empty range", () => {
  const r = seededRandom(3);
  for (let i = 0; i < 1000; i++) {
    const v = randomInt(r, 10, 20);
    assert.ok(v >= 10 && v < 20 && Number.isInteger(v));
  }
  assert.throws(() => randomInt(r, 5, 5), RangeError);
});
