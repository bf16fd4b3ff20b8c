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

Deno.test("secret/config create NAME FILE may read FILE; NAME - reads standard input", () => {
  const reads = (...argv: string[]) => rolePathsFor("client", argv, noEnv, "/w").clientReads;
  assert.deepEqual(reads("config", "create", "app.conf", "conf/app.conf"), ["/w/conf/app.conf"]);
  assert.deepEqual(
    reads("-s", "/x.sock", "secret", "create", "--label", "a=b", "db", "/pw.txt"),
    ["/pw.txt"],
  );
  assert.deepEqual(reads("secret", "create", "db", "-"), []);
  assert.deepEqual(reads("secret", "create", "db"), []);
  assert.deepEqual(reads("secret", "ls", "a", "b"), []);
});

Deno.test("only secret/config create read their -f file; node rm -f is --force", () => {
  assert.deepEqual(
    rolePathsFor("client", ["config", "create", "--file=c.txt", "cfg"], noEnv, "/w").clientReads,
    ["/w/c.txt"],
  );
  assert.deepEqual(
    rolePathsFor("client", ["node", "rm", "-f", "worker1"], noEnv, "/w").clientReads,
    [],
  );
});

Deno.test("a client with --host may read exactly its TLS files and no socket", () => {
  const argv = [
    "node",
    "ls",
    "--host",
    "10.0.0.5:4242",
    "--tls-cert",
    "certs/cert.pem",
    "--tls-key=/abs/key.pem",
    "--tls-ca",
    "certs/ca.pem",
  ];
  assert.deepEqual(rolePathsFor("client", argv, noEnv, "/w"), {
    clientReads: ["/w/certs/cert.pem", "/abs/key.pem", "/w/certs/ca.pem"],
  });
  const env = (n: string) =>
    ({ SWARM_HOST: "m:1", SWARM_CERT_PATH: "/etc/swarm" } as Record<string, string>)[n];
  assert.deepEqual(rolePathsFor("client", ["--tls-ca", "ca.crt", "node", "ls"], env, "/w"), {
    clientReads: ["/etc/swarm/cert.pem", "/etc/swarm/key.pem", "/w/ca.crt"],
  });
  // --socket beats SWARM_HOST: the socket, no TLS files.
  assert.deepEqual(rolePathsFor("client", ["-s", "/s.sock", "node", "ls"], env, "/w"), {
    socket: "/s.sock",
    clientReads: [],
  });
  // Incomplete flags: the client reports a usage error and dials nothing; no TLS file is readable.
  assert.deepEqual(rolePathsFor("client", ["--host", "m:1", "node", "ls"], noEnv, "/w"), {
    socket: "/w/.swarm/swarm.sock",
    clientReads: [],
  });
});
