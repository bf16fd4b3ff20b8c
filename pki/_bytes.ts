/**
 * Byte helpers shared inside `pki/`: base 36 (join tokens), unpadded base64 (unlock keys), a
 * constant-time comparison and random bytes from an injectable source.
 *
 * @module
 */

/** A source of random bytes. Production code uses {@link cryptoRandomBytes}; tests inject one. */
export type RandomBytes = (length: number) => Uint8Array<ArrayBuffer>;

/** Random bytes from Web Crypto. */
export function cryptoRandomBytes(length: number): Uint8Array<ArrayBuffer> {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** The number of base 36 digits needed to write any number of `byteLength` bytes. */
export function base36Width(byteLength: number): number {
  return Math.ceil((byteLength * 8) / Math.log2(36));
}

/** Writes big-endian `bytes` as a lowercase base 36 number, zero-padded to `width`. */
export function bytesToBase36(bytes: Uint8Array, width: number): string {
  let value = 0n;
  for (const b of bytes) value = (value << 8n) | BigInt(b);
  return value.toString(36).padStart(width, "0");
}

/**
 * Reads a lowercase base 36 number into exactly `byteLength` big-endian bytes.
 * Returns null when the text has other characters or the number does not fit.
 */
export function base36ToBytes(text: string, byteLength: number): Uint8Array<ArrayBuffer> | null {
  if (!/^[0-9a-z]+$/.test(text)) return null;
  let value = 0n;
  for (const ch of text) value = value * 36n + BigInt(parseInt(ch, 36));
  if (value >> BigInt(byteLength * 8) !== 0n) return null;
  const out = new Uint8Array(byteLength);
  for (let i = byteLength - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return out;
}

/** Standard base64 without `=` padding (Go's `base64.RawStdEncoding`). */
export function bytesToRawBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/=+$/, "");
}

/** Decodes standard base64 without padding; returns null on any other input. */
export function rawBase64ToBytes(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*$/.test(text) || text.length % 4 === 1) return null;
  let binary: string;
  try {
    binary = atob(text + "=".repeat((4 - (text.length % 4)) % 4));
  } catch {
    return null;
  }
  const out = Uint8Array.from(binary, (c) => c.charCodeAt(0));
  // Reject non-canonical encodings (stray bits in the last character).
  return bytesToRawBase64(out) === text ? out : null;
}

/**
 * Compares two byte arrays in time that depends only on their lengths (lengths are not secret
 * here: tokens and keys have fixed, public formats).
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** Lowercase hexadecimal. */
export function toHex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
