/**
 * Join tokens in SwarmKit's format: `SWMTKN-1-<A>-<B>`.
 *
 * - A is the SHA-256 digest of the root CA certificate (DER) in base 36, zero-padded to 50
 *   characters: it lets a joiner check the root CA it downloads before trusting it.
 * - B is 16 random bytes in base 36, zero-padded to 25 characters: the secret.
 *
 * The worker and manager tokens of a cluster differ only in B. Rotating a token changes B; a root
 * rotation changes A. Tokens are compared in constant time ({@link joinTokenEquals}).
 *
 * @module
 */

import {
  base36ToBytes,
  base36Width,
  bytesToBase36,
  constantTimeEqual,
  cryptoRandomBytes,
  type RandomBytes,
} from "./_bytes.ts";
import { MalformedJoinTokenError } from "./errors.ts";

/** The prefix of every version 1 join token. */
export const JOIN_TOKEN_PREFIX = "SWMTKN-1-";

const DIGEST_BYTES = 32;
const SECRET_BYTES = 16;
const DIGEST_CHARS = base36Width(DIGEST_BYTES); // 50
const SECRET_CHARS = base36Width(SECRET_BYTES); // 25

const SHAPE = `${JOIN_TOKEN_PREFIX}<50 base-36 characters>-<25 base-36 characters>`;

/** A join token taken apart. */
export interface ParsedJoinToken {
  /** The token text, as given. */
  readonly token: string;
  /** SHA-256 digest of the root CA certificate the token vouches for (32 bytes). */
  readonly rootDigest: Uint8Array;
  /** The secret part (25 base 36 characters). */
  readonly secret: string;
}

/**
 * Generates a new join token for the root CA whose digest is `rootDigest`.
 *
 * @param rootDigest SHA-256 of the root CA certificate DER (see `rootCADigest`).
 * @param randomBytes source of the 16 secret bytes; Web Crypto by default.
 * @throws {RangeError} when `rootDigest` is not 32 bytes.
 */
export function generateJoinToken(
  rootDigest: Uint8Array,
  randomBytes: RandomBytes = cryptoRandomBytes,
): string {
  if (rootDigest.length !== DIGEST_BYTES) {
    throw new RangeError(`Root digest must be ${DIGEST_BYTES} bytes: got ${rootDigest.length}`);
  }
  const secret = randomBytes(SECRET_BYTES);
  return JOIN_TOKEN_PREFIX + bytesToBase36(rootDigest, DIGEST_CHARS) + "-" +
    bytesToBase36(secret, SECRET_CHARS);
}

/**
 * Takes a join token apart.
 *
 * @throws {MalformedJoinTokenError} saying what is wrong and what a token looks like.
 */
export function parseJoinToken(token: string): ParsedJoinToken {
  function fail(what: string): never {
    throw new MalformedJoinTokenError(
      `Malformed join token: ${what}. A join token looks like ${SHAPE}; ` +
        "print the current one on a manager with `swarm join-token worker|manager`",
    );
  }
  const trimmed = token.trim();
  if (!trimmed.startsWith("SWMTKN-")) fail('it does not start with "SWMTKN-"');
  if (!trimmed.startsWith(JOIN_TOKEN_PREFIX)) {
    fail(`its version is not 1 (${JSON.stringify(trimmed.split("-")[1] ?? "")})`);
  }
  const parts = trimmed.slice(JOIN_TOKEN_PREFIX.length).split("-");
  if (parts.length !== 2) fail(`it has ${parts.length + 2} dash-separated parts instead of 4`);
  const [digestText = "", secret = ""] = parts;
  if (digestText.length !== DIGEST_CHARS) {
    fail(`the root CA digest has ${digestText.length} characters instead of ${DIGEST_CHARS}`);
  }
  if (secret.length !== SECRET_CHARS) {
    fail(`the secret has ${secret.length} characters instead of ${SECRET_CHARS}`);
  }
  const rootDigest = base36ToBytes(digestText, DIGEST_BYTES);
  if (rootDigest === null) fail("the root CA digest is not a lowercase base-36 SHA-256 digest");
  if (base36ToBytes(secret, SECRET_BYTES) === null) {
    fail("the secret is not 16 bytes written in lowercase base 36");
  }
  return { token: trimmed, rootDigest, secret };
}

/**
 * Whether a (well-formed) token vouches for the root CA whose digest is `rootDigest`. A joiner
 * calls this on the root CA certificate it downloaded before trusting it.
 *
 * @throws {MalformedJoinTokenError} when `token` is a string that does not parse.
 */
export function tokenMatchesRoot(token: string | ParsedJoinToken, rootDigest: Uint8Array): boolean {
  const parsed = typeof token === "string" ? parseJoinToken(token) : token;
  return constantTimeEqual(parsed.rootDigest, rootDigest);
}

/**
 * Compares two join tokens in constant time (for equal lengths). The CA uses it to tell which of
 * the cluster's tokens (worker or manager) a joiner presented.
 */
export function joinTokenEquals(a: string, b: string): boolean {
  const encoder = new TextEncoder();
  return constantTimeEqual(encoder.encode(a), encoder.encode(b));
}
