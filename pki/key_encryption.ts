/**
 * Encrypting a node's private key at rest with the unlock key (KEK) — "autolock".
 *
 * An encrypted key is one PEM block of type {@link ENCRYPTED_KEY_PEM_TYPE} whose body is
 *
 * ```text
 * version (1 byte, = 1) | nonce (12 bytes) | AES-256-GCM ciphertext of the key PEM, with tag
 * ```
 *
 * The version byte and a fixed label are authenticated as additional data, so a future format
 * can be told apart and a tampered header is detected. A wrong KEK fails authentication and is
 * reported as {@link WrongUnlockKeyError}.
 *
 * @module
 */

import { cryptoRandomBytes, type RandomBytes } from "./_bytes.ts";
import { MalformedPemError, WrongUnlockKeyError } from "./errors.ts";
import { decodePem, encodePem } from "./pem.ts";
import { UNLOCK_KEY_BYTES } from "./unlock_key.ts";

/** PEM type of a private key encrypted with a KEK. */
export const ENCRYPTED_KEY_PEM_TYPE = "SWARM ENCRYPTED PRIVATE KEY";

const VERSION = 1;
const NONCE_BYTES = 12;
const LABEL = new TextEncoder().encode("swarm node key v");

function additionalData(version: number): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(LABEL.length + 1);
  out.set(LABEL);
  out[LABEL.length] = version;
  return out;
}

async function importKek(kek: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  if (kek.length !== UNLOCK_KEY_BYTES) {
    throw new RangeError(`Key encryption key must be ${UNLOCK_KEY_BYTES} bytes: got ${kek.length}`);
  }
  return await crypto.subtle.importKey("raw", new Uint8Array(kek), "AES-GCM", false, [usage]);
}

/** Whether `text` holds an encrypted private key (as opposed to a plain PKCS#8 key). */
export function isEncryptedKeyPem(text: string): boolean {
  return text.includes(`-----BEGIN ${ENCRYPTED_KEY_PEM_TYPE}-----`);
}

/**
 * Encrypts a private key PEM with a 32-byte KEK.
 *
 * @param randomBytes source of the nonce; Web Crypto by default.
 * @throws {RangeError} when `kek` is not 32 bytes.
 */
export async function encryptKeyPem(
  keyPem: string,
  kek: Uint8Array,
  randomBytes: RandomBytes = cryptoRandomBytes,
): Promise<string> {
  const key = await importKek(kek, "encrypt");
  const nonce = randomBytes(NONCE_BYTES);
  const ciphertext = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: "AES-GCM", iv: nonce, additionalData: additionalData(VERSION) },
      key,
      new TextEncoder().encode(keyPem),
    ),
  );
  const body = new Uint8Array(1 + NONCE_BYTES + ciphertext.length);
  body[0] = VERSION;
  body.set(nonce, 1);
  body.set(ciphertext, 1 + NONCE_BYTES);
  return encodePem(ENCRYPTED_KEY_PEM_TYPE, body);
}

/**
 * Decrypts a private key encrypted by {@link encryptKeyPem}.
 *
 * @throws {WrongUnlockKeyError} when `kek` does not decrypt it (or the data was tampered with).
 * @throws {MalformedPemError} when `encryptedPem` is not an encrypted key of a known version.
 * @throws {RangeError} when `kek` is not 32 bytes.
 */
export async function decryptKeyPem(encryptedPem: string, kek: Uint8Array): Promise<string> {
  const block = decodePem(encryptedPem)[0];
  if (block === undefined || block.type !== ENCRYPTED_KEY_PEM_TYPE) {
    throw new MalformedPemError(`Malformed encrypted key: expected ${ENCRYPTED_KEY_PEM_TYPE}`);
  }
  const body = block.der;
  const version = body[0];
  if (version !== VERSION) {
    throw new MalformedPemError(
      `Encrypted key has unknown format version ${version}: this swarm understands version ` +
        `${VERSION}; upgrade swarm`,
    );
  }
  if (body.length < 1 + NONCE_BYTES + 16) {
    throw new MalformedPemError("Malformed encrypted key: too short");
  }
  const key = await importKek(kek, "decrypt");
  let plaintext: ArrayBuffer;
  try {
    plaintext = await crypto.subtle.decrypt(
      {
        name: "AES-GCM",
        iv: body.subarray(1, 1 + NONCE_BYTES),
        additionalData: additionalData(version),
      },
      key,
      body.subarray(1 + NONCE_BYTES),
    );
  } catch (cause) {
    throw new WrongUnlockKeyError(undefined, { cause });
  }
  return new TextDecoder().decode(plaintext);
}
