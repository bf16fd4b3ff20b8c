/**
 * `GrpcRaftTransport.setCredentials`: after a certificate renewal the transport dials its peers
 * with the new certificate, keeping their queues. Real gRPC with mutual TLS on 127.0.0.1; the
 * server is force-stopped only after the transport (its only client) was closed.
 */
import assert from "node:assert/strict";
import { Raft } from "../proto/gen/swarm/v1/raft_pb.ts";
import { addService } from "../proto/grpc_server.ts";
import { startServer } from "../proto/grpc_listen.ts";
import { clientChannelOptions, clientCredentials, createServerTls } from "../pki/mod.ts";
import { createTestPki } from "../pki/testing.ts";
import { forceStopServer, managerAuthorizer, waitFor } from "./_grpc_testing.ts";
import { GrpcRaftTransport } from "./grpc_transport.ts";
import { raftService } from "./grpc_service.ts";
import { newMessage } from "./message.ts";

Deno.test("grpc transport: setCredentials dials peers with the renewed certificate", async () => {
  const pki = await createTestPki({ clusterId: "c1" });
  const m2 = await pki.issue({ role: "manager", nodeId: "m2" });
  const before = await pki.issue({ role: "manager", nodeId: "m1" });
  const after = await pki.issue({ role: "manager", nodeId: "m1" });
  /** The certificate (PEM body prefix) each received message was sent with. */
  const seen: string[] = [];
  const authorize = managerAuthorizer("c1");
  const server = await startServer({
    address: "127.0.0.1:0",
    credentials: createServerTls(m2).credentials,
    register: (s) =>
      addService(
        s,
        Raft,
        raftService({
          selfId: "m2",
          receive: () => {},
          authorize: (ctx) => {
            const raw = ctx.authContext().sslPeerCertificate?.raw;
            seen.push(raw === undefined ? "none" : Buffer.from(raw).toString("base64"));
            return authorize(ctx);
          },
        }),
      ),
  });
  const der = (pem: string) => pem.split("-----")[2]!.replace(/\s/g, "");
  const t = new GrpcRaftTransport({
    selfId: "m1",
    credentials: clientCredentials(before),
    channelOptions: clientChannelOptions(),
  });
  const heartbeat = () =>
    newMessage({ type: "heartbeat", from: "m1", to: "m2", term: 1, commit: 0 });
  try {
    t.setPeer("m2", server.address);
    t.send([heartbeat()]);
    await waitFor("the first message", () => t.stats().calls === 1);
    t.setCredentials(clientCredentials(after));
    t.send([heartbeat()]);
    await waitFor("the second message", () => t.stats().calls === 2);
    assert.deepEqual(seen, [der(before.certPem), der(after.certPem)]);
    assert.deepEqual(t.peers().map((p) => [p.id, p.addr, p.reachable]), [
      ["m2", server.address, true],
    ]);
  } finally {
    t.close();
    await forceStopServer(server);
  }
});
