import assert from "node:assert/strict";
import {
  certificateDer,
  isCA,
  parseCertificate,
  parseCertificates,
  sameCertificate,
  signedBy,
  singleSubjectField,
} from "./_cert.ts";
import { MalformedCertificateError } from "./errors.ts";
import { encodePem } from "./pem.ts";
import { createTestPki } from "./testing.ts";

const pki = await createTestPki({ now: new Date("2026-06-01T00:00:00Z") });
const node = await pki.issue({ role: "worker", nodeId: "n1" });

Deno.test("parseCertificates keeps chain order; helpers read fields", async () => {
  const [leaf, root] = parseCertificates(node.certPem);
  assert.ok(leaf && root);
  assert.equal(singleSubjectField(leaf, "CN"), "n1");
  assert.equal(singleSubjectField(leaf, "OU"), "swarm-worker");
  assert.equal(singleSubjectField(root, "O"), null);
  assert.ok(isCA(root));
  assert.ok(!isCA(leaf));
  assert.ok(await signedBy(leaf, root));
  assert.ok(!(await signedBy(root, leaf)));
  assert.ok(sameCertificate(root, parseCertificate(pki.root.certPem)));
  assert.ok(!sameCertificate(leaf, root));
  assert.equal(certificateDer(leaf)[0], 0x30);
});

Deno.test("malformed certificates are MalformedCertificateError naming the input", () => {
  assert.throws(() => parseCertificates("junk", "peer certificate"), /Malformed peer certificate/);
  assert.throws(
    () => parseCertificate(encodePem("CERTIFICATE", new Uint8Array([1, 2, 3]))),
    MalformedCertificateError,
  );
  assert.throws(() => parseCertificate(pki.root.keyPem), /expected CERTIFICATE/);
});
