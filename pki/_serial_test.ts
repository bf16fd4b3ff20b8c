import assert from "node:assert/strict";
import { randomSerialNumber } from "./_serial.ts";

Deno.test("serial numbers are 16 bytes, positive, without a leading zero byte", () => {
  assert.equal(randomSerialNumber(() => new Uint8Array(16)), "40" + "00".repeat(15));
  assert.equal(randomSerialNumber(() => new Uint8Array(16).fill(255)), "7f" + "ff".repeat(15));
  for (let i = 0; i < 100; i++) assert.match(randomSerialNumber(), /^[4-7][0-9a-f]{31}$/);
});
