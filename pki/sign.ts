/**
 * The CA's half of issuing a node certificate: turning a CSR into a certificate for a node ID,
 * role and cluster.
 *
 * Only the public key is taken from the CSR (after its signature is checked); the subject is
 * `O=<clusterId>, OU=swarm-manager|swarm-worker, CN=<nodeId>`, the DNS SANs are the OU and the
 * node ID (managers also `swarm-ca`), the certificate is usable for TLS server and client auth,
 * backdated 1 hour, and valid 90 days by default.
 *
 * @module
 */

import { x509 } from "./_x509.ts";
import { randomSerialNumber } from "./_serial.ts";
import { InvalidCSRError, InvalidValidityError } from "./errors.ts";
import { KEY_ALGORITHM, SIGNATURE_ALGORITHM } from "./keys.ts";
import { CA_NAME, type NodeRole, ouForRole } from "./names.ts";
import { _signingMaterial, CERT_BACKDATE_MS, type RootCAMaterial, SigningCA } from "./root_ca.ts";

/** Default node certificate validity: 90 days (2160 h), as in SwarmKit. */
export const DEFAULT_NODE_CERT_VALIDITY_MS = 90 * 24 * 3_600_000;

/** Shortest node certificate validity accepted: 1 hour. */
export const MIN_NODE_CERT_VALIDITY_MS = 3_600_000;

/** Node and cluster IDs go into the subject and into DNS SANs, so they are kept to this shape. */
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Options of {@link signNodeCSR}. */
export interface SignNodeCSROptions {
  /** The signing CA, loaded or as stored (then it is loaded for this call). */
  readonly ca: SigningCA | RootCAMaterial;
  /** The node's CSR, PEM. */
  readonly csrPem: string;
  /** The node ID; becomes the CN and a DNS SAN. */
  readonly nodeId: string;
  /** The node's role; becomes the OU and a DNS SAN. */
  readonly role: NodeRole;
  /** The cluster ID; becomes the O. */
  readonly clusterId: string;
  /** The current time. The certificate is valid from `now - 1 h` to `now + validityMs`. */
  readonly now: Date;
  /**
   * How long the certificate is valid, in milliseconds; at least
   * {@link MIN_NODE_CERT_VALIDITY_MS}.
   * @default {DEFAULT_NODE_CERT_VALIDITY_MS} (90 days)
   */
  readonly validityMs?: number;
}

/** A certificate issued by {@link signNodeCSR}. */
export interface SignedNodeCertificate {
  /** The node certificate alone, PEM. */
  readonly certPem: string;
  /** The node certificate followed by the CA certificate, PEM (what a TLS peer presents). */
  readonly chainPem: string;
  /** Start of validity (`now - 1 h`). */
  readonly notBefore: Date;
  /** End of validity (`now + validityMs`). */
  readonly notAfter: Date;
}

/**
 * Signs a node's CSR.
 *
 * @throws {InvalidCSRError} when the CSR does not parse, its signature does not verify, or its
 * key is not ECDSA P-256.
 * @throws {InvalidValidityError} when `validityMs` is below one hour.
 * @throws {TypeError} when `nodeId` or `clusterId` is not 1–64 characters of `[A-Za-z0-9._-]`
 * starting with a letter or digit, or `role` is not a role.
 */
export async function signNodeCSR(options: SignNodeCSROptions): Promise<SignedNodeCertificate> {
  const { nodeId, role, clusterId, now } = options;
  const validityMs = options.validityMs ?? DEFAULT_NODE_CERT_VALIDITY_MS;
  if (!(validityMs >= MIN_NODE_CERT_VALIDITY_MS)) {
    throw new InvalidValidityError(validityMs, MIN_NODE_CERT_VALIDITY_MS);
  }
  if (!ID_PATTERN.test(nodeId)) throw new TypeError(`Invalid node ID: ${JSON.stringify(nodeId)}`);
  if (!ID_PATTERN.test(clusterId)) {
    throw new TypeError(`Invalid cluster ID: ${JSON.stringify(clusterId)}`);
  }
  if (role !== "manager" && role !== "worker") {
    throw new TypeError(`Invalid role: ${JSON.stringify(role)}`);
  }
  const publicKey = await csrPublicKey(options.csrPem);
  const ca = options.ca instanceof SigningCA ? options.ca : await SigningCA.load(options.ca);
  const { cert: caCert, key: caKey } = _signingMaterial(ca);
  const ou = ouForRole(role);
  const dnsNames = role === "manager" ? [ou, nodeId, CA_NAME] : [ou, nodeId];
  const notBefore = new Date(now.getTime() - CERT_BACKDATE_MS);
  const notAfter = new Date(now.getTime() + validityMs);
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: [{ O: [clusterId] }, { OU: [ou] }, { CN: [nodeId] }],
    issuer: caCert.subjectName,
    notBefore,
    notAfter,
    publicKey,
    signingKey: caKey,
    signingAlgorithm: SIGNATURE_ALGORITHM,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
      new x509.SubjectAlternativeNameExtension(
        dnsNames.map((value) => ({ type: "dns" as const, value })),
      ),
      await x509.SubjectKeyIdentifierExtension.create(publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  const certPem = cert.toString("pem") + "\n";
  return { certPem, chainPem: certPem + ca.certPem, notBefore, notAfter };
}

/** Parses a CSR, checks its signature and returns its ECDSA P-256 public key. */
async function csrPublicKey(csrPem: string): Promise<CryptoKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (cause) {
    throw new InvalidCSRError("Invalid CSR: it does not parse as a PKCS#10 request", { cause });
  }
  let ok: boolean;
  try {
    ok = await csr.verify();
  } catch (cause) {
    throw new InvalidCSRError("Invalid CSR: its signature cannot be checked", { cause });
  }
  if (!ok) {
    throw new InvalidCSRError("Invalid CSR: its signature does not verify with its own key");
  }
  try {
    return await csr.publicKey.export(KEY_ALGORITHM, ["verify"]);
  } catch (cause) {
    throw new InvalidCSRError("Invalid CSR: its key is not an ECDSA P-256 public key", { cause });
  }
}
