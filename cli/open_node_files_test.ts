import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import { NodeLock, UnlockRequestSchema } from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import { generateUnlockKey, writeNodeFiles } from "../pki/mod.ts";
import { createTestPki } from "../pki/testing.ts";
import { NodeCertificateExpiredError, openNodeFiles } from "./open_node_files.ts";
import { StateDirError } from "./node_state.ts";

const ISSUED = new Date("2030-01-01T00:00:00Z");
const pki = await createTestPki({ now: ISSUED });
// Valid until 2030-01-01T01:00:00Z.
const node = await pki.issue({ role: "manager", validityMs: 3_600_000 });
const files = { certPem: node.certPem, keyPem: node.keyPem, rootPem: node.rootPem };

async function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = await Deno.makeTempDir();
  try {
    await fn(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

const options = (dir: string, now: string, createdBy: "init" | "join" = "join") => ({
  stateDir: dir,
  createdBy,
  controlSocket: `${dir}/swarm.sock`,
  shutdown: new Promise<void>(() => {}),
  log: () => {},
  now: () => new Date(now),
});

Deno.test("a node whose certificate expired refuses to start and says what to do", async () => {
  await withDir(async (dir) => {
    await writeNodeFiles(dir, files);
    for (const createdBy of ["join", "init"] as const) {
      await assert.rejects(
        openNodeFiles(options(dir, "2030-01-03T01:00:00Z", createdBy)),
        (e: unknown) => {
          assert.ok(e instanceof NodeCertificateExpiredError);
          assert.equal(e.notAfter.toISOString(), "2030-01-01T01:00:00.000Z");
          assert.match(
            e.message,
            /^This node's certificate expired at 2030-01-01T01:00:00.000Z \(2 days ago\): the cluster no longer accepts it/,
          );
          assert.match(e.message, /fresh state directory and a current token/);
          assert.match(e.message, /swarm join --token TOKEN -d NEW_STATE_DIR MANAGER_HOST:PORT/);
          if (createdBy === "init") assert.match(e.message, /only manager.*swarm init/);
          return true;
        },
      );
    }
  });
});

Deno.test("valid files are read as they are; missing ones are reported", async () => {
  await withDir(async (dir) => {
    await assert.rejects(openNodeFiles(options(dir, "2030-01-01T00:30:00Z")), StateDirError);
    await writeNodeFiles(dir, files);
    assert.deepEqual(await openNodeFiles(options(dir, "2030-01-01T00:30:00Z")), { files });
  });
});

Deno.test("an encrypted key waits for `swarm unlock`, then is opened with its key", async () => {
  await withDir(async (dir) => {
    const key = generateUnlockKey();
    await writeNodeFiles(dir, files, { kek: key });
    const opening = openNodeFiles(options(dir, "2030-01-01T00:30:00Z"));
    const channel = new ManagedChannel({ address: `unix:${dir}/swarm.sock`, retry: false });
    try {
      for (let i = 0;; i++) {
        try {
          await channel.client(NodeLock).unlock(create(UnlockRequestSchema, { unlockKey: key }));
          break;
        } catch (e) {
          if (i > 100) throw e; // the socket is not up yet
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      assert.deepEqual(await opening, { files, unlockKey: key });
    } finally {
      channel.close();
    }
  });
});
