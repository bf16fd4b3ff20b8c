import assert from "node:assert/strict";
import { x509 } from "./_x509.ts";
import {
  CertificateExpiredError,
  CertificateNotYetValidError,
  CertificateVerificationError,
  MalformedCertificateError,
  UntrustedCertificateError,
  WrongClusterError,
} from "./errors.ts";
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem } from "./keys.ts";
import { createTestPki } from "./testing.ts";
import { identityFromSubject, readNodeCertificate, verifyNodeCertificate } from "./verify.ts";

const now = new Date("2026-06-01T12:00:00Z");
const HOUR = 3_600_000;
const pki = await createTestPki({ now, clusterId: "clusterA" });
const other = await createTestPki({ now, clusterId: "clusterA" }); // same names, other keys
const worker = await pki.issue({ role: "worker", nodeId: "w1" });
const manager = await pki.issue({ role: "manager", nodeId: "m1" });
const rootPem = pki.root.certPem;

Deno.test("a valid worker and a valid manager certificate are identified", async () => {
  const w = await verifyNodeCertificate({ certPem: worker.certPem, rootPem, now });
  assert.deepEqual(
    { nodeId: w.nodeId, role: w.role, clusterId: w.clusterId },
    { nodeId: "w1", role: "worker", clusterId: "clusterA" },
  );
  assert.equal(w.notBefore.getTime(), now.getTime() - HOUR);
  assert.equal(w.notAfter.getTime(), now.getTime() + 2160 * HOUR);
  const m = await verifyNodeCertificate({
    certPem: manager.certPem,
    rootPem,
    now,
    clusterId: "clusterA",
  });
  assert.equal(m.role, "manager");
  // The leaf alone (without the root appended) verifies too.
  const leafOnly = worker.certPem.slice(
    0,
    worker.certPem.indexOf("-----END CERTIFICATE-----") + 26,
  );
  assert.equal((await verifyNodeCertificate({ certPem: leafOnly, rootPem, now })).nodeId, "w1");
});

Deno.test("a certificate from another CA with the same names is untrusted", async () => {
  const foreign = await other.issue({ role: "worker", nodeId: "w1" });
  const err = await verifyNodeCertificate({ certPem: foreign.certPem, rootPem, now }).catch((
    e: unknown,
  ) => e);
  assert.ok(err instanceof UntrustedCertificateError);
  assert.ok(err instanceof CertificateVerificationError);
  assert.equal(err.name, "UntrustedCertificateError");
  assert.match(err.message, /not signed by this cluster's root CA/);
});

Deno.test("several trusted roots: a certificate of either verifies (root rotation)", async () => {
  const foreign = await other.issue({ role: "worker" });
  const both = rootPem + other.root.certPem;
  await verifyNodeCertificate({ certPem: foreign.certPem, rootPem: both, now });
  await verifyNodeCertificate({ certPem: worker.certPem, rootPem: both, now });
});

Deno.test("expired and not-yet-valid certificates are refused with their dates", async () => {
  const later = new Date(now.getTime() + 2161 * HOUR);
  const expired = await verifyNodeCertificate({ certPem: worker.certPem, rootPem, now: later })
    .catch((e: unknown) => e);
  assert.ok(expired instanceof CertificateExpiredError);
  assert.equal(expired.notAfter.getTime(), now.getTime() + 2160 * HOUR);
  assert.match(expired.message, /node certificate of w1 expired/);
  const earlier = new Date(now.getTime() - 2 * HOUR);
  const early = await verifyNodeCertificate({ certPem: worker.certPem, rootPem, now: earlier })
    .catch((e: unknown) => e);
  assert.ok(early instanceof CertificateNotYetValidError);
  assert.match(early.message, /check this machine's clock/);
  // Within the 1 h backdate it is valid.
  await verifyNodeCertificate({
    certPem: worker.certPem,
    rootPem,
    now: new Date(now.getTime() - HOUR / 2),
  });
});

Deno.test("an expired root makes every certificate it signed expire", async () => {
  const node = await pki.issue({ role: "worker", validityMs: 25 * 366 * 24 * HOUR });
  const after21y = new Date(now.getTime() + 21 * 366 * 24 * HOUR);
  await assert.rejects(
    verifyNodeCertificate({ certPem: node.certPem, rootPem, now: after21y }),
    (err: unknown) =>
      err instanceof CertificateExpiredError && /root CA certificate expired/.test(err.message),
  );
});

Deno.test("a certificate of another cluster is refused when a cluster ID is expected", async () => {
  const elsewhere = await pki.issue({ role: "worker", clusterId: "clusterB" });
  const err = await verifyNodeCertificate({
    certPem: elsewhere.certPem,
    rootPem,
    now,
    clusterId: "clusterA",
  }).catch((e: unknown) => e);
  assert.ok(err instanceof WrongClusterError);
  assert.equal(err.expected, "clusterA");
  assert.equal(err.actual, "clusterB");
  // Without an expected cluster it verifies and reports its cluster.
  const info = await verifyNodeCertificate({ certPem: elsewhere.certPem, rootPem, now });
  assert.equal(info.clusterId, "clusterB");
});

Deno.test("malformed input: junk, and a certificate that is not a node certificate", async () => {
  await assert.rejects(
    verifyNodeCertificate({ certPem: "junk", rootPem, now }),
    MalformedCertificateError,
  );
  await assert.rejects(
    verifyNodeCertificate({ certPem: worker.certPem, rootPem: "junk", now }),
    /Malformed root CA certificate/,
  );
  // The root itself has no OU or O.
  await assert.rejects(
    verifyNodeCertificate({ certPem: rootPem, rootPem, now }),
    /must have one CN \(node ID\), one OU/,
  );
});

/** Signs a certificate for `subject` with `issuerKeyPem`, claiming `issuerName` as issuer. */
async function forge(options: {
  subject: string;
  issuerName: string;
  issuerKeyPem: string;
  ca: boolean;
}): Promise<{ certPem: string; keyPem: string }> {
  const keys = await generateKeyPair();
  const cert = await x509.X509CertificateGenerator.create({
    subject: options.subject,
    issuer: options.issuerName,
    notBefore: new Date(now.getTime() - HOUR),
    notAfter: new Date(now.getTime() + 24 * HOUR),
    publicKey: keys.publicKey,
    signingKey: await importPrivateKeyPem(options.issuerKeyPem),
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.BasicConstraintsExtension(options.ca, undefined, true)],
  });
  return {
    certPem: cert.toString("pem") + "\n",
    keyPem: await exportPrivateKeyPem(keys.privateKey),
  };
}

Deno.test("a node certificate cannot act as a CA (forged manager signed by a worker)", async () => {
  const forged = await forge({
    subject: "O=clusterA, OU=swarm-manager, CN=evil",
    issuerName: "O=clusterA, OU=swarm-worker, CN=w1",
    issuerKeyPem: worker.keyPem,
    ca: false,
  });
  await assert.rejects(
    verifyNodeCertificate({ certPem: forged.certPem + worker.certPem, rootPem, now }),
    UntrustedCertificateError,
  );
});

Deno.test("an intermediate CA is followed when present and required when absent", async () => {
  const intermediate = await forge({
    subject: "CN=swarm-intermediate",
    issuerName: "CN=swarm-ca",
    issuerKeyPem: pki.root.keyPem,
    ca: true,
  });
  const leaf = await forge({
    subject: "O=clusterA, OU=swarm-worker, CN=w9",
    issuerName: "CN=swarm-intermediate",
    issuerKeyPem: intermediate.keyPem,
    ca: false,
  });
  const info = await verifyNodeCertificate({
    certPem: leaf.certPem + intermediate.certPem,
    rootPem,
    now,
  });
  assert.equal(info.nodeId, "w9");
  await assert.rejects(
    verifyNodeCertificate({ certPem: leaf.certPem, rootPem, now }),
    UntrustedCertificateError,
  );
});

Deno.test("readNodeCertificate reads identity and dates without checking trust", async () => {
  const foreign = await other.issue({ role: "manager", nodeId: "mx" });
  const info = readNodeCertificate(foreign.certPem);
  assert.equal(info.nodeId, "mx");
  assert.equal(info.role, "manager");
  assert.equal(info.notAfter.getTime(), now.getTime() + 2160 * HOUR);
  assert.throws(() => readNodeCertificate(rootPem), MalformedCertificateError);
});

Deno.test("identityFromSubject accepts exactly one CN, a role OU and one O", () => {
  assert.deepEqual(identityFromSubject({ CN: "n", OU: "swarm-worker", O: "c" }), {
    nodeId: "n",
    role: "worker",
    clusterId: "c",
  });
  assert.equal(identityFromSubject({ CN: "n", OU: "swarm-ca", O: "c" }), null);
  assert.equal(
    identityFromSubject({ CN: "n", OU: ["swarm-worker", "swarm-manager"], O: "c" }),
    null,
  );
  assert.equal(identityFromSubject({ CN: "n", OU: "swarm-worker" }), null);
  assert.equal(identityFromSubject({ CN: "", OU: "swarm-worker", O: "c" }), null);
});
