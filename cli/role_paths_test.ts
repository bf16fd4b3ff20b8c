import assert from "node:assert/strict";
import { rolePathsFor } from "./role_paths.ts";

const noEnv = () => undefined;

Deno.test("a node's paths come from --state-dir and --listen-control-api, made absolute", () => {
  assert.deepEqual(rolePathsFor("node", ["init", "-d", "data"], noEnv, "/home/op"), {
    stateDir: "/home/op/data",
    socket: "/home/op/data/swarm.sock",
  });
  assert.deepEqual(
    rolePathsFor(
      "node",
      ["init", "--state-dir=/var/lib/swarm", "--listen-control-api", "/run/s.sock"],
      noEnv,
      "/",
    ),
    { stateDir: "/var/lib/swarm", socket: "/run/s.sock" },
  );
});

Deno.test("a client's socket comes from --socket, then SWARM_SOCKET, then the default state dir", () => {
  assert.equal(
    rolePathsFor("client", ["-s", "/x.sock", "service", "ls"], noEnv, "/w").socket,
    "/x.sock",
  );
  const env = (n: string) => (n === "SWARM_SOCKET" ? "rel.sock" : undefined);
  assert.equal(rolePathsFor("client", ["service", "ls"], env, "/w").socket, "/w/rel.sock");
  assert.equal(
    rolePathsFor("client", ["service", "ls"], noEnv, "/w").socket,
    "/w/.swarm/swarm.sock",
  );
  // Arguments after "--" belong to the task's command, not to swarm.
  assert.equal(
    rolePathsFor("client", ["service", "create", "--", "cmd", "-s", "/no"], noEnv, "/w").socket,
    "/w/.swarm/swarm.sock",
  );
});

Deno.test("a client may read the file it was told to send", () => {
  assert.deepEqual(
    rolePathsFor("client", ["secret", "create", "db", "-f", "pw.txt"], noEnv, "/w").clientReads,
    ["/w/pw.txt"],
  );
});
