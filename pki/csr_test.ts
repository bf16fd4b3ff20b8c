import assert from "node:assert/strict";
import { x509 } from "./_x509.ts";
import { generateKeyAndCSR } from "./csr.ts";
import { importPrivateKeyPem } from "./keys.ts";

Deno.test("generateKeyAndCSR returns a PKCS#8 key and a CSR signed with it", async () => {
  const { keyPem, csrPem } = await generateKeyAndCSR();
  assert.match(csrPem, /^-----BEGIN CERTIFICATE REQUEST-----\n/);
  const csr = new x509.Pkcs10CertificateRequest(csrPem);
  assert.ok(await csr.verify());
  assert.equal((csr.publicKey.algorithm as EcKeyAlgorithm).namedCurve, "P-256");
  // The CSR's public key is the key's public half.
  const key = await importPrivateKeyPem(keyPem);
  const jwk = await crypto.subtle.exportKey("jwk", key);
  const pub = await crypto.subtle.exportKey("jwk", await csr.publicKey.export());
  assert.equal(pub.x, jwk.x);
  assert.equal(pub.y, jwk.y);
});

Deno.test("each call makes a new key", async () => {
  const a = await generateKeyAndCSR();
  const b = await generateKeyAndCSR();
  assert.notEqual(a.keyPem, b.keyPem);
});
