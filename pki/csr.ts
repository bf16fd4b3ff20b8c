/**
 * A node's own key and certificate signing request (CSR), made before asking the CA for a
 * certificate.
 *
 * The CA copies only the public key from the CSR and fills in everything else itself (subject,
 * SANs, validity), so the CSR's subject does not matter; it is left empty.
 *
 * @module
 */

import { x509 } from "./_x509.ts";
import { exportPrivateKeyPem, generateKeyPair, SIGNATURE_ALGORITHM } from "./keys.ts";

/** A fresh private key and the CSR that proves possession of it. */
export interface KeyAndCSR {
  /** The node's new PKCS#8 private key, PEM. Secret: keep it on the node. */
  readonly keyPem: string;
  /** The PKCS#10 request (`CERTIFICATE REQUEST` PEM) to send to the CA. */
  readonly csrPem: string;
}

/** Generates an ECDSA P-256 key and a CSR signed with it. */
export async function generateKeyAndCSR(): Promise<KeyAndCSR> {
  const keys = await generateKeyPair();
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys,
    signingAlgorithm: SIGNATURE_ALGORITHM,
  });
  return { keyPem: await exportPrivateKeyPem(keys.privateKey), csrPem: csr.toString("pem") + "\n" };
}
