import assert from "node:assert/strict";
import { roleOf, rolePermissions } from "./roles.ts";
import { runInWorker } from "./role_worker.ts";

Deno.test("node commands run as the node role, everything else as a client", () => {
  assert.equal(roleOf(["init", "--state-dir", "x"]), "node");
  assert.equal(roleOf(["up"]), "node");
  assert.equal(roleOf(["-s", "/tmp/s.sock", "service", "ls"]), "client");
  assert.equal(roleOf(["version"]), "client");
  assert.equal(roleOf([]), "client");
});

Deno.test("a client-role worker gets NotCapable for spawning a process and for writing a file", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const socket = `${dir}/swarm.sock`;
    const fixture = new URL("./testdata/try_forbidden.ts", import.meta.url);
    const result = await runInWorker(fixture, rolePermissions("client", { socket }), {
      file: `${dir}/written.txt`,
    });
    assert.deepEqual(result, { spawn: "NotCapable", write: "NotCapable", socketWrite: "allowed" });
    await assert.rejects(Deno.stat(`${dir}/written.txt`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a node-role worker may read its tasks' /proc entries, which Deno grants only with every permission", async () => {
  const result = await runInWorker<string>(
    new URL("./testdata/read_proc.ts", import.meta.url),
    rolePermissions("node", { stateDir: "/tmp", socket: "/tmp/s.sock" }),
    {},
  );
  assert.equal(result, "readable");
});
