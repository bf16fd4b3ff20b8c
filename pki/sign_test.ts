import assert from "node:assert/strict";
import { x509 } from "./_x509.ts";
import { generateKeyAndCSR } from "./csr.ts";
import { InvalidCSRError, InvalidValidityError } from "./errors.ts";
import { keyMatchesCertificate } from "./keys.ts";
import { decodePem, encodePem } from "./pem.ts";
import { _signingMaterial, CERT_BACKDATE_MS, createRootCA, SigningCA } from "./root_ca.ts";
import { DEFAULT_NODE_CERT_VALIDITY_MS, MIN_NODE_CERT_VALIDITY_MS, signNodeCSR } from "./sign.ts";

const now = new Date("2026-06-01T12:00:00Z");
const root = await createRootCA({ now });
const ca = await SigningCA.load(root);

function dnsNames(cert: x509.X509Certificate): string[] {
  const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
  return san?.names.items.map((n) => n.value) ?? [];
}

Deno.test("a worker certificate: subject, SANs, usages, validity and backdating", async () => {
  const { keyPem, csrPem } = await generateKeyAndCSR();
  const signed = await signNodeCSR({
    ca,
    csrPem,
    nodeId: "w1abc",
    role: "worker",
    clusterId: "cluster9",
    now,
  });
  const cert = new x509.X509Certificate(signed.certPem);
  assert.equal(cert.subject, "O=cluster9, OU=swarm-worker, CN=w1abc");
  assert.equal(cert.issuer, "CN=swarm-ca");
  assert.deepEqual(dnsNames(cert), ["swarm-worker", "w1abc"]);
  assert.equal(cert.notBefore.getTime(), now.getTime() - CERT_BACKDATE_MS);
  assert.equal(cert.notAfter.getTime(), now.getTime() + DEFAULT_NODE_CERT_VALIDITY_MS);
  assert.equal(DEFAULT_NODE_CERT_VALIDITY_MS, 2160 * 3_600_000);
  assert.deepEqual(signed.notBefore, cert.notBefore);
  assert.deepEqual(signed.notAfter, cert.notAfter);
  assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, false);
  assert.deepEqual([...(cert.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [])], [
    x509.ExtendedKeyUsage.serverAuth,
    x509.ExtendedKeyUsage.clientAuth,
  ]);
  assert.ok(
    await cert.verify({ publicKey: _signingMaterial(ca).cert.publicKey, signatureOnly: true }),
  );
  assert.ok(await keyMatchesCertificate(keyPem, signed.certPem));
  assert.deepEqual(decodePem(signed.chainPem).length, 2);
  assert.ok(signed.chainPem.startsWith(signed.certPem));
  assert.ok(signed.chainPem.endsWith(root.certPem));
});

Deno.test("a manager certificate also names swarm-ca", async () => {
  const { csrPem } = await generateKeyAndCSR();
  const signed = await signNodeCSR({
    ca: root, // RootCAMaterial is loaded on the fly
    csrPem,
    nodeId: "m1",
    role: "manager",
    clusterId: "c",
    now,
  });
  const cert = new x509.X509Certificate(signed.certPem);
  assert.equal(cert.subject, "O=c, OU=swarm-manager, CN=m1");
  assert.deepEqual(dnsNames(cert), ["swarm-manager", "m1", "swarm-ca"]);
});

Deno.test("only the public key is taken from the CSR", async () => {
  const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, [
    "sign",
    "verify",
  ]);
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "O=evil, OU=swarm-manager, CN=root",
    keys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "evil" }])],
  });
  const signed = await signNodeCSR({
    ca,
    csrPem: csr.toString("pem"),
    nodeId: "w2",
    role: "worker",
    clusterId: "c",
    now,
  });
  const cert = new x509.X509Certificate(signed.certPem);
  assert.equal(cert.subject, "O=c, OU=swarm-worker, CN=w2");
  assert.deepEqual(dnsNames(cert), ["swarm-worker", "w2"]);
});

Deno.test("validity: custom, exactly the 1 h minimum, and below it", async () => {
  const { csrPem } = await generateKeyAndCSR();
  const base = { ca, csrPem, nodeId: "n", role: "worker", clusterId: "c", now } as const;
  const day = await signNodeCSR({ ...base, validityMs: 86_400_000 });
  assert.equal(day.notAfter.getTime(), now.getTime() + 86_400_000);
  const hour = await signNodeCSR({ ...base, validityMs: MIN_NODE_CERT_VALIDITY_MS });
  assert.equal(hour.notAfter.getTime(), now.getTime() + 3_600_000);
  const err = await signNodeCSR({ ...base, validityMs: 3_599_999 }).catch((e: unknown) => e);
  assert.ok(err instanceof InvalidValidityError);
  assert.equal(err.minimumMs, 3_600_000);
  assert.match(err.message, /minimum is 3600000 ms \(1 h\)/);
  await assert.rejects(signNodeCSR({ ...base, validityMs: NaN }), InvalidValidityError);
});

Deno.test("a CSR with a bad signature, garbage or a non-P-256 key is refused", async () => {
  const { csrPem } = await generateKeyAndCSR();
  const base = { ca, nodeId: "n", role: "worker", clusterId: "c", now } as const;
  const der = decodePem(csrPem)[0]!.der.slice();
  der[der.length - 5]! ^= 0xff; // inside the signature
  await assert.rejects(
    signNodeCSR({ ...base, csrPem: encodePem("CERTIFICATE REQUEST", der) }),
    InvalidCSRError,
  );
  await assert.rejects(signNodeCSR({ ...base, csrPem: "junk" }), /does not parse/);
  const p384 = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-384" }, true, [
    "sign",
    "verify",
  ]);
  const csr384 = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: p384,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-384" },
  });
  await assert.rejects(
    signNodeCSR({ ...base, csrPem: csr384.toString("pem") }),
    /not an ECDSA P-256 public key/,
  );
});

Deno.test("node and cluster IDs and roles are checked", async () => {
  const { csrPem } = await generateKeyAndCSR();
  const base = { ca, csrPem, nodeId: "n", role: "worker", clusterId: "c", now } as const;
  await assert.rejects(signNodeCSR({ ...base, nodeId: "" }), TypeError);
  await assert.rejects(signNodeCSR({ ...base, nodeId: "a,b=c" }), /Invalid node ID/);
  await assert.rejects(signNodeCSR({ ...base, clusterId: "x".repeat(65) }), /Invalid cluster ID/);
  await assert.rejects(
    signNodeCSR({ ...base, role: "admin" as unknown as "worker" }),
    /Invalid role/,
  );
  // A FIPS-style cluster ID is fine.
  await signNodeCSR({ ...base, clusterId: "FIPS.abc123" });
});
