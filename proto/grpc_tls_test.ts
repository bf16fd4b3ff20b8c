/**
 * Shows how TLS credentials (made by pki/ in production) plug into the gRPC layer: mutual TLS
 * over TCP loopback, dialing the IP with `grpc.ssl_target_name_override`, and the peer's
 * certificate subject visible to handlers through `ctx.authContext()`.
 */
import "reflect-metadata";
import * as x509 from "@peculiar/x509";
import assert from "node:assert/strict";
import * as grpc from "@grpc/grpc-js";
import { ManagedChannel } from "./connection.ts";
import { startServer, stopServer } from "./grpc_listen.ts";
import { addService, type ServiceImpl } from "./grpc_server.ts";
import { unauthenticated } from "./grpc_status.ts";
import { Echo } from "./grpc_testing.ts";

const alg = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" };

function pemKey(der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der))).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`;
}

async function issue(ca: { cert: x509.X509Certificate; keys: CryptoKeyPair }, subject: string) {
  const keys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.create({
    subject,
    issuer: ca.cert.subject,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: alg,
    extensions: [
      new x509.SubjectAlternativeNameExtension([{ type: "dns", value: "swarm-manager" }]),
      new x509.ExtendedKeyUsageExtension([
        x509.ExtendedKeyUsage.serverAuth,
        x509.ExtendedKeyUsage.clientAuth,
      ]),
    ],
  });
  return {
    cert: Buffer.from(cert.toString("pem")),
    key: Buffer.from(pemKey(await crypto.subtle.exportKey("pkcs8", keys.privateKey))),
  };
}

Deno.test("grpc TLS: mutual TLS over TCP, IP dial with name override, peer identity", async () => {
  const caKeys = await crypto.subtle.generateKey(alg, true, ["sign", "verify"]);
  const caCert = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=swarm-root-ca",
    keys: caKeys,
    signingAlgorithm: alg,
    extensions: [
      new x509.BasicConstraintsExtension(true, 1, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign, true),
    ],
  });
  const ca = Buffer.from(caCert.toString("pem"));
  const server = await issue(
    { cert: caCert, keys: caKeys },
    "CN=manager-1,OU=swarm-manager,O=org1",
  );
  const client = await issue({ cert: caCert, keys: caKeys }, "CN=worker-7,OU=swarm-worker,O=org1");

  const running = await startServer({
    address: "127.0.0.1:0",
    credentials: grpc.ServerCredentials.createSsl(
      ca,
      [{ private_key: server.key, cert_chain: server.cert }],
      true,
    ),
    register: (s) =>
      addService(s, Echo, {
        say(_req, ctx) {
          const subject = ctx.authContext().sslPeerCertificate?.subject;
          if (subject === undefined) throw unauthenticated("no client certificate");
          return { value: `${subject.CN}/${subject.OU}/${subject.O}` };
        },
      } as ServiceImpl<typeof Echo>), // only `say` is needed here
  });
  const ch = new ManagedChannel({
    address: running.address,
    credentials: grpc.credentials.createSsl(ca, client.key, client.cert),
    channelOptions: { "grpc.ssl_target_name_override": "swarm-manager" },
  });
  try {
    const res = await ch.client(Echo).say({ value: "who am i" });
    assert.equal(res.value, "worker-7/swarm-worker/org1");
  } finally {
    ch.close();
    await stopServer(running, { mode: "force" });
  }
});
