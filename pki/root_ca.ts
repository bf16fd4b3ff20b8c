/**
 * The cluster's root certificate authority: creating it, loading it for signing, and its digest.
 *
 * The root is a self-signed ECDSA P-256 certificate with CN `swarm-ca`, valid 20 years by default.
 * Its private key is PKCS#8 PEM. `swarm init` creates one with {@link createRootCA}; managers load
 * it with {@link SigningCA.load} to sign node certificates; joiners check the root they download
 * against the digest in their join token ({@link rootCADigest}).
 *
 * @module
 */

import { x509 } from "./_x509.ts";
import { type Certificate, certificateDer, isCA, parseCertificate } from "./_cert.ts";
import { randomSerialNumber } from "./_serial.ts";
import { MalformedCertificateError } from "./errors.ts";
import {
  assertKeyMatchesCertificate,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  SIGNATURE_ALGORITHM,
} from "./keys.ts";
import { CA_NAME } from "./names.ts";

/** Default root CA validity: 20 years (630,720,000 s), as in SwarmKit. */
export const DEFAULT_ROOT_CA_VALIDITY_MS = 630_720_000_000;

/** How far certificates are backdated, to tolerate clocks that lag: 1 hour. */
export const CERT_BACKDATE_MS = 3_600_000;

/** A root CA as stored: certificate and PKCS#8 private key, both PEM. */
export interface RootCAMaterial {
  /** The self-signed root certificate (one `CERTIFICATE` block). */
  readonly certPem: string;
  /** The root's PKCS#8 private key (one `PRIVATE KEY` block). Secret. */
  readonly keyPem: string;
}

/** Options of {@link createRootCA}. */
export interface CreateRootCAOptions {
  /** The current time. The root is valid from `now - 1 h` to `now + validityMs`. */
  readonly now: Date;
  /**
   * How long the root is valid, in milliseconds.
   * @default {DEFAULT_ROOT_CA_VALIDITY_MS} (20 years)
   */
  readonly validityMs?: number;
}

/** Creates a new self-signed root CA (ECDSA P-256, CN `swarm-ca`). */
export async function createRootCA(options: CreateRootCAOptions): Promise<RootCAMaterial> {
  const validityMs = options.validityMs ?? DEFAULT_ROOT_CA_VALIDITY_MS;
  if (!(validityMs > 0)) throw new RangeError(`Root CA validity must be positive: ${validityMs}`);
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: [{ CN: [CA_NAME] }],
    notBefore: new Date(options.now.getTime() - CERT_BACKDATE_MS),
    notAfter: new Date(options.now.getTime() + validityMs),
    signingAlgorithm: SIGNATURE_ALGORITHM,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign |
          x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return {
    certPem: cert.toString("pem") + "\n",
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

/**
 * SHA-256 of the DER encoding of the first certificate in `certPem` (32 bytes). This is the
 * digest a join token carries.
 *
 * @throws {MalformedCertificateError} when `certPem` is not a certificate.
 */
export async function rootCADigest(certPem: string): Promise<Uint8Array> {
  const der = certificateDer(parseCertificate(certPem, "root CA certificate"));
  return new Uint8Array(await crypto.subtle.digest("SHA-256", der));
}

/** The parsed certificate and imported key behind each {@link SigningCA}; internal to `pki/`. */
const signingMaterial = new WeakMap<SigningCA, { cert: Certificate; key: CryptoKey }>();

/**
 * A root CA loaded for signing: the parsed certificate and an imported private key. Load once,
 * sign many times (see `signNodeCSR`).
 */
export class SigningCA {
  /** The CA certificate, PEM. */
  readonly certPem: string;
  /** SHA-256 of the CA certificate's DER (what join tokens carry). */
  readonly digest: Uint8Array;

  private constructor(certPem: string, digest: Uint8Array) {
    this.certPem = certPem;
    this.digest = digest;
  }

  /**
   * Loads a root CA for signing.
   *
   * @throws {MalformedCertificateError} when the certificate does not parse or is not a CA.
   * @throws {MalformedPemError} when the key does not parse.
   * @throws {KeyMismatchError} when the key does not belong to the certificate.
   */
  static async load(material: RootCAMaterial): Promise<SigningCA> {
    const cert = parseCertificate(material.certPem, "root CA certificate");
    if (!isCA(cert)) {
      throw new MalformedCertificateError(
        "Malformed root CA certificate: its basic constraints do not mark it as a CA",
      );
    }
    await assertKeyMatchesCertificate(material.keyPem, material.certPem);
    const key = await importPrivateKeyPem(material.keyPem);
    const digest = await rootCADigest(material.certPem);
    const ca = new SigningCA(cert.toString("pem") + "\n", digest);
    signingMaterial.set(ca, { cert, key });
    return ca;
  }
}

/** The parsed certificate and signing key of a loaded CA. Internal to `pki/` (not in mod.ts). */
export function _signingMaterial(ca: SigningCA): { cert: Certificate; key: CryptoKey } {
  const material = signingMaterial.get(ca);
  if (material === undefined) throw new TypeError("SigningCA was not created by SigningCA.load");
  return material;
}
