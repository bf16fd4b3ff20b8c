/**
 * The manager unlock key (a KEK), written for humans as `SWMKEY-1-<base64>`: SwarmKit's format,
 * raw (unpadded) standard base64 of 32 random bytes.
 *
 * When autolock is on, a node's private key is encrypted at rest with this key
 * (see `key_encryption.ts`) and the node needs `swarm unlock` after a restart.
 *
 * @module
 */

import {
  bytesToRawBase64,
  cryptoRandomBytes,
  type RandomBytes,
  rawBase64ToBytes,
} from "./_bytes.ts";
import { MalformedUnlockKeyError } from "./errors.ts";

/** The prefix of every version 1 unlock key. */
export const UNLOCK_KEY_PREFIX = "SWMKEY-1-";

/** Length of an unlock key in bytes. */
export const UNLOCK_KEY_BYTES = 32;

/** Generates a new unlock key: 32 random bytes. */
export function generateUnlockKey(randomBytes: RandomBytes = cryptoRandomBytes): Uint8Array {
  return randomBytes(UNLOCK_KEY_BYTES);
}

/**
 * Writes an unlock key for humans: `SWMKEY-1-` and unpadded base64.
 *
 * @throws {RangeError} when `key` is not 32 bytes.
 */
export function formatUnlockKey(key: Uint8Array): string {
  if (key.length !== UNLOCK_KEY_BYTES) {
    throw new RangeError(`Unlock key must be ${UNLOCK_KEY_BYTES} bytes: got ${key.length}`);
  }
  return UNLOCK_KEY_PREFIX + bytesToRawBase64(key);
}

/**
 * Reads an unlock key typed by a human (surrounding whitespace is ignored).
 *
 * @throws {MalformedUnlockKeyError} saying what is wrong and what a key looks like.
 */
export function parseUnlockKey(text: string): Uint8Array<ArrayBuffer> {
  function fail(what: string): never {
    throw new MalformedUnlockKeyError(
      `Malformed unlock key: ${what}. An unlock key looks like ${UNLOCK_KEY_PREFIX}<43 base64 ` +
        "characters>; a manager of the cluster prints it with `swarm unlock-key`",
    );
  }
  const trimmed = text.trim();
  if (!trimmed.startsWith(UNLOCK_KEY_PREFIX)) fail(`it does not start with "${UNLOCK_KEY_PREFIX}"`);
  const key = rawBase64ToBytes(trimmed.slice(UNLOCK_KEY_PREFIX.length));
  if (key === null) fail("the part after the prefix is not unpadded standard base64");
  if (key.length !== UNLOCK_KEY_BYTES) {
    fail(`it holds ${key.length} bytes instead of ${UNLOCK_KEY_BYTES}`);
  }
  return key;
}
