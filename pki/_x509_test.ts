import assert from "node:assert/strict";
import { x509 } from "./_x509.ts";

Deno.test("the x509 library is loaded with Web Crypto as its provider", () => {
  assert.equal(x509.cryptoProvider.get(), globalThis.crypto);
  assert.equal(typeof x509.X509CertificateGenerator.createSelfSigned, "function");
});
