import assert from "node:assert/strict";
import { createTestPki } from "./testing.ts";
import { verifyNodeCertificate } from "./verify.ts";

Deno.test("createTestPki issues verifiable certificates with default and explicit IDs", async () => {
  const now = new Date("2026-06-01T00:00:00Z");
  const pki = await createTestPki({ now });
  assert.equal(pki.clusterId, "test-cluster");
  assert.equal(pki.rootDigest.length, 32);
  const a = await pki.issue({ role: "worker" });
  const b = await pki.issue({ role: "manager", nodeId: "boss", clusterId: "other" });
  assert.equal(a.nodeId, "node-1");
  const info = await verifyNodeCertificate({ certPem: b.certPem, rootPem: pki.root.certPem, now });
  assert.deepEqual([info.nodeId, info.role, info.clusterId], ["boss", "manager", "other"]);
  const short = await pki.issue({ role: "worker", validityMs: 3_600_000 });
  const shortInfo = await verifyNodeCertificate({
    certPem: short.certPem,
    rootPem: a.rootPem,
    now,
  });
  assert.equal(shortInfo.notAfter.getTime(), now.getTime() + 3_600_000);
});
