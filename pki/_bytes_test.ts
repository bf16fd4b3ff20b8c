import assert from "node:assert/strict";
import {
  base36ToBytes,
  base36Width,
  bytesToBase36,
  bytesToRawBase64,
  constantTimeEqual,
  rawBase64ToBytes,
  toHex,
} from "./_bytes.ts";

Deno.test("base36Width matches SwarmKit's token widths", () => {
  assert.equal(base36Width(32), 50);
  assert.equal(base36Width(16), 25);
});

Deno.test("base 36 round-trips, pads with zeros and keeps leading zero bytes", () => {
  const bytes = new Uint8Array([0, 0, 1, 255]);
  const text = bytesToBase36(bytes, 10);
  assert.equal(text, "00000000e7");
  assert.deepEqual(base36ToBytes(text, 4), bytes);
  const max = new Uint8Array(32).fill(255);
  assert.equal(bytesToBase36(max, 50).length, 50);
  assert.deepEqual(base36ToBytes(bytesToBase36(max, 50), 32), max);
});

Deno.test("base36ToBytes rejects other characters and overflow", () => {
  assert.equal(base36ToBytes("ABC", 4), null);
  assert.equal(base36ToBytes("a-b", 4), null);
  assert.equal(base36ToBytes("zzzzzzz", 4), null); // 36^7 > 2^32
});

Deno.test("raw base64 round-trips and rejects padding and junk", () => {
  for (const n of [0, 1, 2, 3, 31, 32]) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) & 255);
    const text = bytesToRawBase64(bytes);
    assert.ok(!text.includes("="));
    assert.deepEqual(rawBase64ToBytes(text), bytes);
  }
  assert.equal(rawBase64ToBytes("AAE="), null);
  assert.equal(rawBase64ToBytes("A-B_"), null);
  assert.equal(rawBase64ToBytes("AAF"), null); // non-canonical last character
  assert.equal(rawBase64ToBytes("A"), null);
});

Deno.test("constantTimeEqual compares content and length", () => {
  assert.ok(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2])));
  assert.ok(!constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 3])));
  assert.ok(!constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 1])));
  assert.ok(!constantTimeEqual(new Uint8Array([]), new Uint8Array([0])));
  assert.ok(constantTimeEqual(new Uint8Array([]), new Uint8Array([])));
});

Deno.test("toHex", () => {
  assert.equal(toHex(new Uint8Array([0, 15, 255])), "000fff");
});
