import assert from "node:assert/strict";
import { x509 } from "./_x509.ts";
import {
  CERT_BACKDATE_MS,
  createRootCA,
  DEFAULT_ROOT_CA_VALIDITY_MS,
  rootCADigest,
  SigningCA,
} from "./root_ca.ts";
import { KeyMismatchError, MalformedCertificateError, MalformedPemError } from "./errors.ts";
import { createTestPki } from "./testing.ts";

const now = new Date("2026-06-01T00:00:00Z");

Deno.test("createRootCA makes a self-signed P-256 CA named swarm-ca, valid 20 years", async () => {
  const { certPem, keyPem } = await createRootCA({ now });
  assert.match(keyPem, /^-----BEGIN PRIVATE KEY-----/);
  const cert = new x509.X509Certificate(certPem);
  assert.equal(cert.subject, "CN=swarm-ca");
  assert.equal(cert.issuer, "CN=swarm-ca");
  assert.ok(await cert.isSelfSigned());
  assert.equal(cert.notBefore.getTime(), now.getTime() - CERT_BACKDATE_MS);
  assert.equal(cert.notAfter.getTime(), now.getTime() + DEFAULT_ROOT_CA_VALIDITY_MS);
  assert.equal(DEFAULT_ROOT_CA_VALIDITY_MS, 630_720_000 * 1000);
  assert.equal((cert.publicKey.algorithm as EcKeyAlgorithm).namedCurve, "P-256");
  assert.equal(cert.getExtension(x509.BasicConstraintsExtension)?.ca, true);
  const usages = cert.getExtension(x509.KeyUsagesExtension)?.usages ?? 0;
  assert.ok(usages & x509.KeyUsageFlags.keyCertSign);
});

Deno.test("createRootCA honours validityMs and refuses a non-positive one", async () => {
  const { certPem } = await createRootCA({ now, validityMs: 1000 });
  assert.equal(new x509.X509Certificate(certPem).notAfter.getTime(), now.getTime() + 1000);
  await assert.rejects(createRootCA({ now, validityMs: 0 }), RangeError);
});

Deno.test("rootCADigest is SHA-256 of the certificate DER", async () => {
  const { certPem } = await createRootCA({ now });
  const der = new Uint8Array(new x509.X509Certificate(certPem).rawData);
  const expected = new Uint8Array(await crypto.subtle.digest("SHA-256", der));
  assert.deepEqual(await rootCADigest(certPem), expected);
  assert.equal(expected.length, 32);
  await assert.rejects(rootCADigest("junk"), MalformedCertificateError);
});

Deno.test("SigningCA.load checks the certificate is a CA and the key is its own", async () => {
  const root = await createRootCA({ now });
  const other = await createRootCA({ now });
  const ca = await SigningCA.load(root);
  assert.deepEqual(ca.digest, await rootCADigest(root.certPem));
  assert.equal(ca.certPem, root.certPem);
  await assert.rejects(
    SigningCA.load({ certPem: root.certPem, keyPem: other.keyPem }),
    KeyMismatchError,
  );
  await assert.rejects(
    SigningCA.load({ certPem: root.certPem, keyPem: "junk" }),
    MalformedPemError,
  );
  const pki = await createTestPki({ now });
  const node = await pki.issue({ role: "manager" });
  await assert.rejects(
    SigningCA.load({ certPem: node.certPem, keyPem: node.keyPem }),
    /do not mark it as a CA/,
  );
});
