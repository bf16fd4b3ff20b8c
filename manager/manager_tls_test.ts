/**
 * Certificate renewal on a real manager over gRPC with mutual TLS: a manager certificate valid
 * for one hour is due at once, the renewer gets a new one from the manager's own CA (with the
 * cluster's certificate expiry), and the manager serves it to new connections while the ones
 * already open keep working.
 */
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { clone } from "@bufbuild/protobuf";
import { Health } from "../proto/gen/swarm/v1/health_pb.ts";
import { Control } from "../proto/gen/swarm/v1/control_pb.ts";
import { ClusterSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import {
  clientChannelOptions,
  clientCredentials,
  type NodeFiles,
  readNodeCertificate,
  readNodeFiles,
  renewNodeCertificate,
  writeNodeFiles,
} from "../pki/mod.ts";
import { createTestPki } from "../pki/testing.ts";
import { CertRenewer } from "../cli/cert_renewal.ts";
import { startTestManager } from "./testing.ts";
import { durationFromMs } from "./duration.ts";

const der = (pem: string) => pem.split("-----")[2]!.replace(/\s/g, "");

Deno.test("a manager renews a short-lived certificate and serves the new one", async () => {
  const pki = await createTestPki();
  const first = await pki.issue({ role: "manager", nodeId: "m1", validityMs: 3_600_000 });
  const dir = await Deno.makeTempDir();
  let tls: NodeFiles = first;
  await writeNodeFiles(dir, tls);
  const manager = await startTestManager(pki, { identity: first, stateDir: dir });
  /** The server certificate each new connection was shown. */
  const served: string[] = [];
  const channels: ManagedChannel[] = [];
  const dial = () => {
    const ch = new ManagedChannel({
      address: manager.remoteAddress,
      credentials: grpc.credentials.createSsl(
        Buffer.from(pki.root.certPem),
        Buffer.from(first.keyPem),
        Buffer.from(first.certPem),
        {
          checkServerIdentity: (_host, cert) => {
            served.push(Buffer.from(cert.raw).toString("base64"));
            return undefined;
          },
        },
      ),
      channelOptions: clientChannelOptions(),
      retry: false,
    });
    channels.push(ch);
    return ch;
  };
  let renewer: CertRenewer | undefined;
  try {
    // Certificates issued from now on are valid for two hours.
    const cluster = clone(ClusterSchema, manager.store.get("cluster", pki.clusterId)!);
    cluster.spec!.caConfig!.nodeCertExpiry = durationFromMs(2 * 3_600_000);
    await manager.store.update((tx) => tx.update("cluster", cluster));

    const before = dial();
    await before.client(Health).check({ service: "" });
    assert.deepEqual(served, [der(first.certPem)]);

    let renewed: (certPem: string) => void = () => {};
    const done = new Promise<string>((r) => renewed = r);
    renewer = new CertRenewer({
      certPem: tls.certPem,
      random: () => 0, // due at 50 % of two hours from one hour ago: now
      renew: async () => {
        const issued = await renewNodeCertificate({ addrs: manager.remoteAddress, current: tls });
        tls = { certPem: issued.certPem, keyPem: issued.keyPem, rootPem: issued.rootPem };
        await writeNodeFiles(dir, tls);
        manager.updateTls(tls);
        renewed(issued.certPem);
        return issued.certPem;
      },
    });
    renewer.start();
    const certPem = await done;

    const info = readNodeCertificate(certPem);
    assert.equal(info.nodeId, "m1");
    assert.equal(info.role, "manager");
    const validity = info.notAfter.getTime() - Date.now();
    assert.ok(validity > 1.9 * 3_600_000 && validity <= 2 * 3_600_000, `validity ${validity}`);
    assert.equal((await readNodeFiles(dir))?.certPem, certPem, "written to disk");

    // A new connection is shown the new certificate; the open one keeps working.
    await dial().client(Health).check({ service: "" });
    assert.deepEqual(served, [der(first.certPem), der(certPem)]);
    await before.client(Health).check({ service: "" });
    assert.equal(served.length, 2, "the open connection was not re-established");

    // The manager's own clients present the new certificate too: the control API accepts it.
    const own = new ManagedChannel({
      address: manager.remoteAddress,
      credentials: clientCredentials(tls),
      channelOptions: clientChannelOptions(),
      retry: false,
    });
    channels.push(own);
    assert.equal((await own.client(Control).getVersion({})).nodeId, "m1");
    assert.ok(renewer.nextRenewal!.getTime() > Date.now() + 30_000);
  } finally {
    renewer?.stop();
    for (const c of channels) c.close();
    await manager.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
