/**
 * Parsing X.509 certificates from PEM into `@peculiar/x509` objects, with errors turned into
 * {@link MalformedCertificateError}. Private to `pki/`: the public API speaks PEM strings.
 *
 * @module
 */

import { x509 } from "./_x509.ts";
import { MalformedCertificateError } from "./errors.ts";
import { CERTIFICATE_PEM_TYPE, decodePemOfType } from "./pem.ts";

/** A parsed certificate. */
export type Certificate = x509.X509Certificate;

/**
 * Parses every `CERTIFICATE` block of `pem`, in order (a leaf first, then its issuers).
 *
 * @param what names the input in error messages, e.g. "root CA certificate".
 * @throws {MalformedCertificateError} when the text is not PEM certificates.
 */
export function parseCertificates(pem: string, what = "certificate"): Certificate[] {
  let ders: Uint8Array<ArrayBuffer>[];
  try {
    ders = decodePemOfType(pem, CERTIFICATE_PEM_TYPE);
  } catch (cause) {
    throw new MalformedCertificateError(
      `Malformed ${what}: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
  return ders.map((der) => {
    try {
      return new x509.X509Certificate(der);
    } catch (cause) {
      throw new MalformedCertificateError(`Malformed ${what}: the DER does not parse`, { cause });
    }
  });
}

/** Parses the first certificate of `pem`. */
export function parseCertificate(pem: string, what = "certificate"): Certificate {
  const [first] = parseCertificates(pem, what);
  if (first === undefined) throw new MalformedCertificateError(`Malformed ${what}: empty`);
  return first;
}

/** The DER encoding of a parsed certificate. */
export function certificateDer(cert: Certificate): Uint8Array<ArrayBuffer> {
  return new Uint8Array(cert.rawData);
}

/** Whether two parsed certificates have identical DER encodings. */
export function sameCertificate(a: Certificate, b: Certificate): boolean {
  const x = certificateDer(a);
  const y = certificateDer(b);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

/** The single value of `field` (e.g. `CN`) in a certificate's subject, or null if not exactly one. */
export function singleSubjectField(cert: Certificate, field: string): string | null {
  const values = cert.subjectName.getField(field);
  return values.length === 1 ? values[0] ?? null : null;
}

/** Whether the certificate's basic constraints mark it as a CA. */
export function isCA(cert: Certificate): boolean {
  const ext = cert.getExtension(x509.BasicConstraintsExtension);
  return ext?.ca === true;
}

/** Whether `cert`'s signature verifies with `issuer`'s public key. Never throws. */
export async function signedBy(cert: Certificate, issuer: Certificate): Promise<boolean> {
  try {
    return await cert.verify({ publicKey: issuer.publicKey, signatureOnly: true });
  } catch {
    return false;
  }
}
