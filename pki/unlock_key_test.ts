import assert from "node:assert/strict";
import { MalformedUnlockKeyError } from "./errors.ts";
import { formatUnlockKey, generateUnlockKey, parseUnlockKey } from "./unlock_key.ts";

Deno.test("an unlock key is SWMKEY-1- and 43 characters of unpadded base64", () => {
  const key = generateUnlockKey();
  assert.equal(key.length, 32);
  const text = formatUnlockKey(key);
  assert.match(text, /^SWMKEY-1-[A-Za-z0-9+/]{43}$/);
  assert.deepEqual(parseUnlockKey(`  ${text}\n`), key);
});

Deno.test("formatUnlockKey uses standard base64 (+ and /) without padding", () => {
  const key = new Uint8Array(32).fill(0xfb);
  assert.equal(formatUnlockKey(key), "SWMKEY-1-" + "+/v7".repeat(10) + "+/s");
  assert.throws(() => formatUnlockKey(new Uint8Array(16)), RangeError);
});

Deno.test("generateUnlockKey uses the injected random source", () => {
  assert.deepEqual(generateUnlockKey((n) => new Uint8Array(n).fill(1)), new Uint8Array(32).fill(1));
});

Deno.test("malformed unlock keys are refused with a reason", () => {
  const good = formatUnlockKey(new Uint8Array(32).fill(9));
  const cases: [string, RegExp][] = [
    ["", /does not start with "SWMKEY-1-"/],
    [good.replace("SWMKEY-1-", "SWMKEY-2-"), /does not start/],
    [good + "=", /not unpadded standard base64/],
    [good.replace(/.$/, "-"), /not unpadded standard base64/],
    ["SWMKEY-1-AAAA", /holds 3 bytes instead of 32/],
  ];
  for (const [text, reason] of cases) {
    assert.throws(
      () => parseUnlockKey(text),
      (e: unknown) =>
        e instanceof MalformedUnlockKeyError && reason.test(e.message) &&
        /swarm unlock-key/.test(e.message),
      text,
    );
  }
});
