/**
 * Checking a node certificate against the cluster's trusted root CA, and reading a node's
 * identity (node ID, role, cluster ID) from it.
 *
 * The chain must END at a trusted root: every link's signature is checked, every issuer below the
 * root must be a CA, and the walk fails unless it reaches one of the roots given. Validity dates
 * of every certificate in the chain are checked against `now`.
 *
 * @module
 */

import {
  type Certificate,
  isCA,
  parseCertificate,
  parseCertificates,
  sameCertificate,
  signedBy,
  singleSubjectField,
} from "./_cert.ts";
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  MalformedCertificateError,
  UntrustedCertificateError,
  WrongClusterError,
} from "./errors.ts";
import { type NodeRole, roleFromOU } from "./names.ts";

/** Who a node certificate says its holder is. */
export interface NodeIdentity {
  /** The node ID (subject CN). */
  readonly nodeId: string;
  /** The node's role (subject OU). */
  readonly role: NodeRole;
  /** The cluster ID (subject O). */
  readonly clusterId: string;
}

/** A node identity together with the certificate's validity period. */
export interface NodeCertificateInfo extends NodeIdentity {
  /** Start of validity. */
  readonly notBefore: Date;
  /** End of validity. */
  readonly notAfter: Date;
}

/** Options of {@link verifyNodeCertificate}. */
export interface VerifyNodeCertificateOptions {
  /** The node certificate, optionally followed by intermediate CA certificates, PEM. */
  readonly certPem: string;
  /** The trusted root CA certificate(s), PEM. Several roots may be given (root rotation). */
  readonly rootPem: string;
  /** The time at which every certificate of the chain must be valid. */
  readonly now: Date;
  /** When given, the certificate's cluster ID (O) must equal it. */
  readonly clusterId?: string;
}

/** Longest chain accepted between a node certificate and the root (intermediates). */
const MAX_INTERMEDIATES = 4;

/**
 * Verifies a node certificate and returns the identity it carries.
 *
 * @throws {MalformedCertificateError} when a certificate does not parse or the subject lacks a
 * single CN, a single swarm role OU or a single O.
 * @throws {UntrustedCertificateError} when the chain does not end at a trusted root.
 * @throws {CertificateExpiredError} when a certificate of the chain expired before `now`.
 * @throws {CertificateNotYetValidError} when a certificate of the chain starts after `now`.
 * @throws {WrongClusterError} when `clusterId` is given and differs from the certificate's.
 */
export async function verifyNodeCertificate(
  options: VerifyNodeCertificateOptions,
): Promise<NodeCertificateInfo> {
  const [leaf, ...intermediates] = parseCertificates(options.certPem, "node certificate");
  if (leaf === undefined) throw new MalformedCertificateError("Malformed node certificate: empty");
  const roots = parseCertificates(options.rootPem, "root CA certificate");
  const info = nodeInfoOf(leaf);
  const chain = await chainToRoot(leaf, intermediates, roots);
  for (const [i, cert] of chain.entries()) {
    const what = i === 0
      ? `node certificate of ${info.nodeId}`
      : i === chain.length - 1
      ? "root CA certificate"
      : "intermediate CA certificate";
    checkValidity(cert, what, options.now);
  }
  if (options.clusterId !== undefined && info.clusterId !== options.clusterId) {
    throw new WrongClusterError(options.clusterId, info.clusterId);
  }
  return info;
}

/**
 * Reads the identity and validity period of a node certificate WITHOUT checking who signed it.
 * For a node's own certificate (e.g. to schedule renewal); never for a peer's.
 *
 * @throws {MalformedCertificateError} when the certificate or its subject is malformed.
 */
export function readNodeCertificate(certPem: string): NodeCertificateInfo {
  return nodeInfoOf(parseCertificate(certPem, "node certificate"));
}

/**
 * The identity in a subject given as fields (as TLS libraries report a peer's subject), or null
 * when the fields do not describe a swarm node.
 */
export function identityFromSubject(subject: {
  readonly CN?: unknown;
  readonly OU?: unknown;
  readonly O?: unknown;
}): NodeIdentity | null {
  const { CN: nodeId, OU: ou, O: clusterId } = subject;
  if (typeof nodeId !== "string" || typeof ou !== "string" || typeof clusterId !== "string") {
    return null; // missing, or several values (reported as arrays)
  }
  const role = roleFromOU(ou);
  if (role === null || nodeId === "" || clusterId === "") return null;
  return { nodeId, role, clusterId };
}

function nodeInfoOf(cert: Certificate): NodeCertificateInfo {
  const identity = identityFromSubject({
    CN: singleSubjectField(cert, "CN") ?? undefined,
    OU: singleSubjectField(cert, "OU") ?? undefined,
    O: singleSubjectField(cert, "O") ?? undefined,
  });
  if (identity === null) {
    throw new MalformedCertificateError(
      `Malformed node certificate: subject "${cert.subject}" must have one CN (node ID), one OU ` +
        "(swarm-manager or swarm-worker) and one O (cluster ID)",
    );
  }
  return { ...identity, notBefore: cert.notBefore, notAfter: cert.notAfter };
}

/** Walks from `leaf` through `intermediates` to one of `roots`, checking every signature. */
async function chainToRoot(
  leaf: Certificate,
  intermediates: readonly Certificate[],
  roots: readonly Certificate[],
): Promise<Certificate[]> {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth <= MAX_INTERMEDIATES; depth++) {
    for (const root of roots) {
      if (current.issuer === root.subject && await signedBy(current, root)) {
        return [...chain, root];
      }
    }
    let next: Certificate | undefined;
    for (const candidate of intermediates) {
      if (
        current.issuer === candidate.subject && isCA(candidate) &&
        !chain.some((c) => sameCertificate(c, candidate)) && await signedBy(current, candidate)
      ) {
        next = candidate;
        break;
      }
    }
    if (next === undefined) {
      throw new UntrustedCertificateError(
        `Untrusted certificate: "${leaf.subject}" is not signed by this cluster's root CA ` +
          `(issuer "${current.issuer}"); it may come from another cluster`,
      );
    }
    chain.push(next);
    current = next;
  }
  throw new UntrustedCertificateError(
    `Untrusted certificate: more than ${MAX_INTERMEDIATES} intermediates before a trusted root`,
  );
}

function checkValidity(cert: Certificate, what: string, now: Date): void {
  if (now.getTime() > cert.notAfter.getTime()) {
    throw new CertificateExpiredError(
      `Certificate expired: the ${what} expired at ${cert.notAfter.toISOString()} ` +
        `(now ${now.toISOString()})`,
      cert.notAfter,
    );
  }
  if (now.getTime() < cert.notBefore.getTime()) {
    throw new CertificateNotYetValidError(
      `Certificate not yet valid: the ${what} is valid from ${cert.notBefore.toISOString()} ` +
        `(now ${now.toISOString()}); check this machine's clock`,
      cert.notBefore,
    );
  }
}
