import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { ListNodesRequestSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import { createTestPki } from "../pki/testing.ts";
import { remoteContext } from "./_remote_context.ts";
import { readTlsMaterial, TlsMaterialError } from "./tls_material.ts";

const ISSUED = new Date("2030-01-01T00:00:00Z");
const pki = await createTestPki({ now: ISSUED });
// Valid from 2029-12-31T23:00Z (backdated one hour) to 2030-01-01T02:00Z.
const manager = await pki.issue({ role: "manager", validityMs: 2 * 3_600_000 });
const FILES = { cert: "/tls/cert.pem", key: "/tls/key.pem", ca: "/tls/ca.pem" };
const CONTENT: Record<string, string> = {
  [FILES.cert]: manager.certPem,
  [FILES.key]: manager.keyPem,
  [FILES.ca]: manager.rootPem,
};
const readFile = (path: string) => Promise.resolve(new TextEncoder().encode(CONTENT[path]));

Deno.test("a client certificate valid now is read", async () => {
  const material = await readTlsMaterial(FILES, readFile, new Date("2030-01-01T01:00:00Z"));
  assert.equal(material.certPem, manager.certPem);
});

Deno.test("an expired or not yet valid client certificate is refused by name", async () => {
  await assert.rejects(
    readTlsMaterial(FILES, readFile, new Date("2030-01-02T00:00:00Z")),
    (e: unknown) => {
      assert.ok(e instanceof TlsMaterialError);
      assert.equal(e.file, FILES.cert);
      assert.equal(
        e.message,
        "the client certificate /tls/cert.pem (--tls-cert) expired at 2030-01-01T02:00:00.000Z: " +
          "managers renew their certificates on their own, so copy the current one again from " +
          "a manager (<state-dir>/certificates/swarm-node.crt, with swarm-node.key)",
      );
      return true;
    },
  );
  await assert.rejects(
    readTlsMaterial(FILES, readFile, new Date("2029-12-31T00:00:00Z")),
    /not valid before 2029-12-31T23:00:00.000Z: check this machine's clock/,
  );
});

Deno.test("the client refuses an expired --tls-cert before dialing", async () => {
  const { ctx, dialed } = remoteContext(CONTENT, { now: () => new Date("2030-02-01T00:00:00Z") });
  await assert.rejects(
    ctx.api().listNodes(create(ListNodesRequestSchema)),
    /client certificate \/tls\/cert\.pem \(--tls-cert\) expired at 2030-01-01T02:00:00\.000Z/,
  );
  assert.deepEqual(dialed, []);
});
