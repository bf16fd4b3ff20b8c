import assert from "node:assert/strict";
import {
  assertKeyMatchesCertificate,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  keyMatchesCertificate,
} from "./keys.ts";
import { createRootCA } from "./root_ca.ts";
import { KeyMismatchError, MalformedCertificateError, MalformedPemError } from "./errors.ts";
import { encodePem } from "./pem.ts";

const now = new Date("2026-06-01T00:00:00Z");

Deno.test("a generated key exports as PKCS#8 PEM and imports back for signing", async () => {
  const { privateKey } = await generateKeyPair();
  const pem = await exportPrivateKeyPem(privateKey);
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  const imported = await importPrivateKeyPem(pem);
  assert.equal(imported.algorithm.name, "ECDSA");
  assert.deepEqual(imported.usages, ["sign"]);
  assert.equal(await exportPrivateKeyPem(imported), pem);
});

Deno.test("importPrivateKeyPem refuses other PEM and garbage DER", async () => {
  await assert.rejects(importPrivateKeyPem("nope"), MalformedPemError);
  await assert.rejects(
    importPrivateKeyPem(encodePem("PRIVATE KEY", new Uint8Array([1, 2, 3]))),
    /PKCS#8 ECDSA P-256/,
  );
  await assert.rejects(
    importPrivateKeyPem(encodePem("EC PRIVATE KEY", new Uint8Array([1]))),
    MalformedPemError,
  );
});

Deno.test("keyMatchesCertificate tells the certified key from another one", async () => {
  const root = await createRootCA({ now });
  const other = await createRootCA({ now });
  assert.equal(await keyMatchesCertificate(root.keyPem, root.certPem), true);
  assert.equal(await keyMatchesCertificate(other.keyPem, root.certPem), false);
  await assertKeyMatchesCertificate(root.keyPem, root.certPem);
  await assert.rejects(assertKeyMatchesCertificate(other.keyPem, root.certPem), KeyMismatchError);
  await assert.rejects(keyMatchesCertificate(root.keyPem, "junk"), MalformedCertificateError);
});
