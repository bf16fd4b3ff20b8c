import assert from "node:assert/strict";
import { expiredRetryDelayMs, renewalDelayMs, renewalTime } from "./renewal.ts";

const notBefore = new Date("2026-01-01T00:00:00Z");
const notAfter = new Date("2026-01-11T00:00:00Z"); // 10 days
const DAY = 86_400_000;

Deno.test("renewalTime spans 50 % to 80 % of the validity", () => {
  assert.equal(
    renewalTime({ notBefore, notAfter, random: () => 0 }).getTime(),
    notBefore.getTime() + 5 * DAY,
  );
  assert.equal(
    renewalTime({ notBefore, notAfter, random: () => 1 }).getTime(),
    notBefore.getTime() + 8 * DAY,
  );
  assert.equal(
    renewalTime({ notBefore, notAfter, random: () => 0.5 }).getTime(),
    notBefore.getTime() + 6.5 * DAY,
  );
});

Deno.test("renewalTime stays in range for many random draws", () => {
  let seed = 42;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (let i = 0; i < 1000; i++) {
    const t = renewalTime({ notBefore, notAfter, random }).getTime() - notBefore.getTime();
    assert.ok(t >= 5 * DAY && t <= 8 * DAY, `${t}`);
  }
});

Deno.test("renewalTime rejects bad input", () => {
  assert.throws(() => renewalTime({ notBefore, notAfter, random: () => 1.5 }), RangeError);
  assert.throws(() => renewalTime({ notBefore, notAfter, random: () => NaN }), RangeError);
  assert.throws(
    () => renewalTime({ notBefore: notAfter, notAfter: notBefore, random: () => 0 }),
    RangeError,
  );
});

Deno.test("renewalDelayMs counts from now and is 0 once past", () => {
  const now = new Date(notBefore.getTime() + DAY);
  assert.equal(renewalDelayMs({ notBefore, notAfter, now, random: () => 0 }), 4 * DAY);
  assert.equal(renewalDelayMs({ notBefore, notAfter, now: notAfter, random: () => 0 }), 0);
});

Deno.test("expiredRetryDelayMs doubles from 5 s and caps at 1 h", () => {
  assert.deepEqual([0, 1, 2, 3].map((a) => expiredRetryDelayMs(a)), [
    5_000,
    10_000,
    20_000,
    40_000,
  ]);
  assert.equal(expiredRetryDelayMs(9), 2_560_000);
  assert.equal(expiredRetryDelayMs(10), 3_600_000);
  assert.equal(expiredRetryDelayMs(10_000), 3_600_000);
  assert.equal(expiredRetryDelayMs(2, { baseMs: 1, maxMs: 3 }), 3);
  assert.throws(() => expiredRetryDelayMs(-1), RangeError);
  assert.throws(() => expiredRetryDelayMs(0.5), RangeError);
});
