/**
 * Certificate serial numbers: 16 random bytes, positive and without a leading zero byte, as the
 * hexadecimal string `@peculiar/x509` expects.
 *
 * @module
 */

import { cryptoRandomBytes, type RandomBytes, toHex } from "./_bytes.ts";

/** A fresh random serial number in hexadecimal. */
export function randomSerialNumber(randomBytes: RandomBytes = cryptoRandomBytes): string {
  const bytes = randomBytes(16);
  bytes[0] = ((bytes[0] ?? 0) & 0x7f) | 0x40;
  return toHex(bytes);
}
