/**
 * Object IDs: 25 base-36 characters from 128 random bits, as in SwarmKit. The random source is
 * injected so that decisions which mint IDs stay reproducible in tests.
 *
 * @module
 */
export const ID_LENGTH = 25;

export type RandomBytes = (n: number) => Uint8Array;

export const cryptoRandomBytes: RandomBytes = (n) => crypto.getRandomValues(new Uint8Array(n));

export function newId(randomBytes: RandomBytes = cryptoRandomBytes): string {
  let value = 0n;
  for (const b of randomBytes(16)) value = (value << 8n) | BigInt(b);
  return value.toString(36).padStart(ID_LENGTH, "0").slice(-ID_LENGTH);
}
