import assert from "node:assert/strict";
import { roleOf, rolePermissions } from "./roles.ts";
import { rolePathsFor } from "./role_paths.ts";
import { runInWorker } from "./role_worker.ts";
import { startRemoteControl } from "./_remote_server.ts";

Deno.test("node commands run as the node role, everything else as a client", () => {
  assert.equal(roleOf(["init", "--state-dir", "x"]), "node");
  assert.equal(roleOf(["up"]), "node");
  assert.equal(roleOf(["join", "--token", "T", "127.0.0.1:4242"]), "node");
  assert.equal(roleOf(["leave", "--force"]), "node");
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

Deno.test("a client-role worker given --tls-* reads exactly those files, and still may not write or spawn", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const tls = ["cert.pem", "key.pem", "ca.pem"].map((f) => `${dir}/${f}`);
    for (const f of [...tls, `${dir}/other.txt`]) await Deno.writeTextFile(f, "pem");
    const argv = ["node", "ls", "--host", "10.0.0.5:4242"];
    argv.push("--tls-cert", tls[0]!, "--tls-key", tls[1]!, "--tls-ca", tls[2]!);
    const permissions = rolePermissions(
      "client",
      rolePathsFor("client", argv, () => undefined, dir),
    );
    const result = await runInWorker(
      new URL("./testdata/try_tls_client.ts", import.meta.url),
      permissions,
      { tls, other: `${dir}/other.txt`, write: `${dir}/written.txt` },
    );
    assert.deepEqual(result, {
      readTls: ["allowed", "allowed", "allowed"],
      readOther: "NotCapable",
      writeTls: "NotCapable",
      write: "NotCapable",
      spawn: "NotCapable",
    });
    assert.equal(await Deno.readTextFile(tls[0]!), "pem");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a client-role worker administers a manager remotely with the permissions its flags give", async () => {
  const remote = await startRemoteControl();
  try {
    const { cert, key, ca } = remote.manager;
    const argv = ["node", "ls", "-q", "--host", remote.host];
    argv.push("--tls-cert", cert, "--tls-key", key, "--tls-ca", ca);
    const permissions = rolePermissions(
      "client",
      rolePathsFor("client", argv, () => undefined, Deno.cwd()),
    );
    const result = await runInWorker(
      new URL("./testdata/remote_client.ts", import.meta.url),
      permissions,
      { argv },
    );
    assert.deepEqual(result, { code: 0, out: "mgr1\nwrk1\n", err: "" });
  } finally {
    await remote.stop();
  }
});
