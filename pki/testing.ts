/**
 * A test CA for other subsystems' tests: one call gives a root CA, and `issue` gives node
 * certificates ready for `serverCredentials` / `clientCredentials`. Not for production use (the
 * default clock is the real one, IDs are predictable).
 *
 * ```ts
 * const pki = await createTestPki();
 * const manager = await pki.issue({ role: "manager" });
 * const creds = serverCredentials(manager);
 * ```
 *
 * @module
 */

import { generateKeyAndCSR } from "./csr.ts";
import type { NodeRole } from "./names.ts";
import { createRootCA, rootCADigest, type RootCAMaterial, SigningCA } from "./root_ca.ts";
import { signNodeCSR } from "./sign.ts";

/** A node's TLS material issued by a {@link TestPki}. */
export interface TestNodeIdentity {
  /** The node ID (CN). */
  readonly nodeId: string;
  /** The role (OU). */
  readonly role: NodeRole;
  /** The cluster ID (O). */
  readonly clusterId: string;
  /** Certificate chain (node certificate then root), PEM. */
  readonly certPem: string;
  /** Private key, PEM. */
  readonly keyPem: string;
  /** The test root CA certificate, PEM. */
  readonly rootPem: string;
}

/** Options of {@link TestPki.issue}. */
export interface TestIssueOptions {
  /** The node's role. */
  readonly role: NodeRole;
  /** @default "node-<n>" */
  readonly nodeId?: string;
  /** @default the PKI's cluster ID */
  readonly clusterId?: string;
  /** @default the PKI's `now` */
  readonly now?: Date;
  /** @default 90 days */
  readonly validityMs?: number;
}

/** A root CA for tests, able to issue node certificates. */
export interface TestPki {
  /** The root CA as stored. */
  readonly root: RootCAMaterial;
  /** The root CA loaded for signing. */
  readonly ca: SigningCA;
  /** SHA-256 of the root certificate DER. */
  readonly rootDigest: Uint8Array;
  /** The default cluster ID of issued certificates. */
  readonly clusterId: string;
  /** The time the root was created at (and the default issue time). */
  readonly now: Date;
  /** Issues a node certificate with a fresh key. */
  issue(options: TestIssueOptions): Promise<TestNodeIdentity>;
}

/** Options of {@link createTestPki}. */
export interface CreateTestPkiOptions {
  /** @default "test-cluster" */
  readonly clusterId?: string;
  /** @default new Date() */
  readonly now?: Date;
}

/** Creates a test root CA. */
export async function createTestPki(options: CreateTestPkiOptions = {}): Promise<TestPki> {
  const now = options.now ?? new Date();
  const clusterId = options.clusterId ?? "test-cluster";
  const root = await createRootCA({ now });
  const ca = await SigningCA.load(root);
  const rootDigest = await rootCADigest(root.certPem);
  let counter = 0;
  return {
    root,
    ca,
    rootDigest,
    clusterId,
    now,
    async issue(issue: TestIssueOptions): Promise<TestNodeIdentity> {
      const nodeId = issue.nodeId ?? `node-${++counter}`;
      const nodeCluster = issue.clusterId ?? clusterId;
      const { keyPem, csrPem } = await generateKeyAndCSR();
      const signed = await signNodeCSR({
        ca,
        csrPem,
        nodeId,
        role: issue.role,
        clusterId: nodeCluster,
        now: issue.now ?? now,
        ...(issue.validityMs === undefined ? {} : { validityMs: issue.validityMs }),
      });
      return {
        nodeId,
        role: issue.role,
        clusterId: nodeCluster,
        certPem: signed.chainPem,
        keyPem,
        rootPem: root.certPem,
      };
    },
  };
}
