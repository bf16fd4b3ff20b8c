/**
 * ECDSA P-256 keys from Web Crypto, stored as PKCS#8 PEM.
 *
 * Keys are generated and imported as extractable so that they can be written to disk and so that
 * {@link keyMatchesCertificate} can derive the public half.
 *
 * @module
 */

import { parseCertificate } from "./_cert.ts";
import { KeyMismatchError, MalformedPemError } from "./errors.ts";
import { decodeFirstPem, encodePem, PRIVATE_KEY_PEM_TYPE } from "./pem.ts";

/** The key algorithm of every swarm key (root CA and nodes). */
export const KEY_ALGORITHM: EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };

/** The signature algorithm of every swarm certificate and CSR. */
export const SIGNATURE_ALGORITHM: EcdsaParams = { name: "ECDSA", hash: "SHA-256" };

/** Generates a new extractable ECDSA P-256 key pair. */
export async function generateKeyPair(): Promise<CryptoKeyPair> {
  return await crypto.subtle.generateKey(KEY_ALGORITHM, true, ["sign", "verify"]);
}

/** Exports a private key as a PKCS#8 `PRIVATE KEY` PEM block. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  return encodePem(PRIVATE_KEY_PEM_TYPE, await crypto.subtle.exportKey("pkcs8", key));
}

/**
 * Imports a PKCS#8 `PRIVATE KEY` PEM block holding an ECDSA P-256 key, for signing.
 *
 * @throws {MalformedPemError} when the PEM is not a PKCS#8 ECDSA P-256 private key.
 */
export async function importPrivateKeyPem(pem: string): Promise<CryptoKey> {
  const der = decodeFirstPem(pem, PRIVATE_KEY_PEM_TYPE);
  try {
    return await crypto.subtle.importKey("pkcs8", der, KEY_ALGORITHM, true, ["sign"]);
  } catch (cause) {
    throw new MalformedPemError(
      "Malformed private key: expected a PKCS#8 ECDSA P-256 key",
      { cause },
    );
  }
}

/** The public point (`x`, `y`) of an EC key, for comparing keys. */
async function publicPoint(key: CryptoKey): Promise<string> {
  const jwk = await crypto.subtle.exportKey("jwk", key);
  return `${jwk.crv}:${jwk.x}:${jwk.y}`;
}

/**
 * Whether the private key in `keyPem` belongs to the first certificate in `certPem`.
 *
 * @throws {MalformedPemError} when the key does not parse.
 * @throws {MalformedCertificateError} when the certificate does not parse.
 */
export async function keyMatchesCertificate(keyPem: string, certPem: string): Promise<boolean> {
  const key = await importPrivateKeyPem(keyPem);
  const cert = parseCertificate(certPem);
  let certKey: CryptoKey;
  try {
    certKey = await cert.publicKey.export(KEY_ALGORITHM, ["verify"]);
  } catch {
    return false; // not an ECDSA P-256 public key
  }
  return await publicPoint(key) === await publicPoint(certKey);
}

/**
 * Throws unless the private key in `keyPem` belongs to the first certificate in `certPem`.
 *
 * @throws {KeyMismatchError} when it does not.
 */
export async function assertKeyMatchesCertificate(keyPem: string, certPem: string): Promise<void> {
  if (!await keyMatchesCertificate(keyPem, certPem)) {
    throw new KeyMismatchError(
      "Private key does not match the certificate: the key was not the one certified",
    );
  }
}
