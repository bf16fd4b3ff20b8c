/**
 * The `swarm init` / `swarm join` flow through the public face only, and timings of the
 * expensive steps (printed, not asserted beyond a generous bound).
 */

import assert from "node:assert/strict";
import * as pki from "./mod.ts";

Deno.test("init then join through mod.ts", async () => {
  const now = new Date("2026-06-01T00:00:00Z");
  // swarm init
  const root = await pki.createRootCA({ now });
  const ca = await pki.SigningCA.load(root);
  const workerToken = pki.generateJoinToken(ca.digest);
  const managerToken = pki.generateJoinToken(ca.digest);
  const clusterId = "cluster1";

  // swarm join --token <workerToken>: check the downloaded root against the token first.
  const parsed = pki.parseJoinToken(workerToken);
  const downloadedRoot = root.certPem; // from the insecure GetRootCACertificate RPC
  assert.ok(pki.tokenMatchesRoot(parsed, await pki.rootCADigest(downloadedRoot)));
  const { keyPem, csrPem } = await pki.generateKeyAndCSR();

  // The CA: which token was presented decides the role.
  const role: pki.NodeRole | null = pki.joinTokenEquals(parsed.token, managerToken)
    ? "manager"
    : pki.joinTokenEquals(parsed.token, workerToken)
    ? "worker"
    : null;
  assert.equal(role, "worker");
  const issued = await pki.signNodeCSR({ ca, csrPem, nodeId: "n1", role: role!, clusterId, now });

  // The joiner checks what it got and stores it.
  const info = await pki.verifyNodeCertificate({
    certPem: issued.chainPem,
    rootPem: downloadedRoot,
    now,
    clusterId,
  });
  assert.deepEqual([info.nodeId, info.role], ["n1", "worker"]);
  const dir = await Deno.makeTempDir({ prefix: "swarm-pki-mod-" });
  try {
    const unlockKey = pki.parseUnlockKey(pki.formatUnlockKey(pki.generateUnlockKey()));
    await pki.writeNodeFiles(dir, { certPem: issued.chainPem, keyPem, rootPem: downloadedRoot }, {
      kek: unlockKey,
    });
    const stored = await pki.readNodeFiles(dir, { kek: unlockKey });
    assert.equal(stored?.keyPem, keyPem);
    // Renewal scheduling from the stored certificate.
    const own = pki.readNodeCertificate(stored!.certPem);
    const at = pki.renewalTime({ ...own, random: () => 0.5 });
    assert.ok(at > own.notBefore && at < own.notAfter);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("timings of root CA creation, CSR + signing and verification", async () => {
  const now = new Date();
  const rounds = 20;
  const time = async (fn: () => Promise<unknown>): Promise<number[]> => {
    await fn(); // warm-up
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const start = performance.now();
      await fn();
      samples.push(performance.now() - start);
    }
    return samples.sort((a, b) => a - b);
  };
  const root = await pki.createRootCA({ now });
  const ca = await pki.SigningCA.load(root);
  const { csrPem } = await pki.generateKeyAndCSR();
  const node = await pki.signNodeCSR({
    ca,
    csrPem,
    nodeId: "n",
    role: "worker",
    clusterId: "c",
    now,
  });
  const results = {
    "createRootCA": await time(() => pki.createRootCA({ now })),
    "SigningCA.load": await time(() => pki.SigningCA.load(root)),
    "generateKeyAndCSR": await time(() => pki.generateKeyAndCSR()),
    "signNodeCSR": await time(() =>
      pki.signNodeCSR({ ca, csrPem, nodeId: "n", role: "worker", clusterId: "c", now })
    ),
    "generateKeyAndCSR + signNodeCSR": await time(async () => {
      const fresh = await pki.generateKeyAndCSR();
      await pki.signNodeCSR({
        ca,
        csrPem: fresh.csrPem,
        nodeId: "n",
        role: "worker",
        clusterId: "c",
        now,
      });
    }),
    "verifyNodeCertificate": await time(() =>
      pki.verifyNodeCertificate({ certPem: node.chainPem, rootPem: root.certPem, now })
    ),
  };
  for (const [name, samples] of Object.entries(results)) {
    const median = samples[Math.floor(samples.length / 2)]!;
    const max = samples[samples.length - 1]!;
    console.log(
      `${name}: median ${median.toFixed(2)} ms, max ${max.toFixed(2)} ms (${rounds} runs)`,
    );
    assert.ok(median < 1000, `${name} is far slower than expected`);
  }
});
