import assert from "node:assert/strict";
import {
  decryptKeyPem,
  ENCRYPTED_KEY_PEM_TYPE,
  encryptKeyPem,
  isEncryptedKeyPem,
} from "./key_encryption.ts";
import { MalformedPemError, WrongUnlockKeyError } from "./errors.ts";
import { decodePem, encodePem } from "./pem.ts";

const KEY_PEM = encodePem("PRIVATE KEY", new Uint8Array([1, 2, 3, 4, 5]));
const kek = new Uint8Array(32).fill(7);

Deno.test("encryptKeyPem and decryptKeyPem round-trip", async () => {
  const encrypted = await encryptKeyPem(KEY_PEM, kek);
  assert.ok(isEncryptedKeyPem(encrypted));
  assert.ok(!isEncryptedKeyPem(KEY_PEM));
  assert.ok(!encrypted.includes("PRIVATE KEY-----\nAQID")); // the plain body is not there
  assert.equal(await decryptKeyPem(encrypted, kek), KEY_PEM);
});

Deno.test("each encryption uses a fresh nonce", async () => {
  assert.notEqual(await encryptKeyPem(KEY_PEM, kek), await encryptKeyPem(KEY_PEM, kek));
});

Deno.test("a wrong KEK is a WrongUnlockKeyError that tells the user to run swarm unlock", async () => {
  const encrypted = await encryptKeyPem(KEY_PEM, kek);
  const err = await decryptKeyPem(encrypted, new Uint8Array(32).fill(8)).then(
    () => assert.fail("decrypted with the wrong key"),
    (e: unknown) => e,
  );
  assert.ok(err instanceof WrongUnlockKeyError);
  assert.equal(err.name, "WrongUnlockKeyError");
  assert.match(err.message, /swarm unlock/);
});

Deno.test("tampering is detected, unknown versions and bad sizes are refused", async () => {
  const encrypted = await encryptKeyPem(KEY_PEM, kek);
  const body = decodePem(encrypted)[0]!.der;
  const flipped = body.slice();
  flipped[flipped.length - 1]! ^= 1;
  await assert.rejects(
    decryptKeyPem(encodePem(ENCRYPTED_KEY_PEM_TYPE, flipped), kek),
    WrongUnlockKeyError,
  );
  const v2 = body.slice();
  v2[0] = 2;
  await assert.rejects(
    decryptKeyPem(encodePem(ENCRYPTED_KEY_PEM_TYPE, v2), kek),
    /unknown format version 2/,
  );
  await assert.rejects(decryptKeyPem(KEY_PEM, kek), MalformedPemError);
  await assert.rejects(encryptKeyPem(KEY_PEM, new Uint8Array(16)), RangeError);
});
