import assert from "node:assert/strict";
import { chooseTarget, DEFAULT_SOCKET } from "./target.ts";
import { UsageError } from "./usage_error.ts";

const envOf = (vars: Record<string, string>) => (name: string) => vars[name];
const none = envOf({});
const TLS = { tlsCert: "c.pem", tlsKey: "k.pem", tlsCa: "ca.pem" };

Deno.test("the socket comes from --socket, then SWARM_SOCKET, then the default", () => {
  assert.deepEqual(chooseTarget({}, none), { kind: "socket", path: DEFAULT_SOCKET });
  assert.deepEqual(chooseTarget({}, envOf({ SWARM_SOCKET: "/e.sock" })), {
    kind: "socket",
    path: "/e.sock",
  });
  assert.deepEqual(chooseTarget({ socket: "/f.sock" }, envOf({ SWARM_SOCKET: "/e.sock" })), {
    kind: "socket",
    path: "/f.sock",
  });
});

Deno.test("with SWARM_STATE_DIR the default socket is the node's, as `swarm init` puts it", () => {
  assert.deepEqual(chooseTarget({}, envOf({ SWARM_STATE_DIR: "/var/lib/swarm/" })), {
    kind: "socket",
    path: "/var/lib/swarm/swarm.sock",
  });
  assert.deepEqual(
    chooseTarget({}, envOf({ SWARM_STATE_DIR: "/var/lib/swarm", SWARM_SOCKET: "/e.sock" })),
    { kind: "socket", path: "/e.sock" },
  );
});

Deno.test("--host with the three TLS files is a remote target", () => {
  assert.deepEqual(chooseTarget({ host: "10.0.0.5:4242", ...TLS }, none), {
    kind: "remote",
    host: "10.0.0.5:4242",
    tls: { cert: "c.pem", key: "k.pem", ca: "ca.pem" },
  });
  assert.equal(
    chooseTarget({ host: "[::1]:4242", ...TLS }, none).kind,
    "remote",
    "IPv6 in brackets",
  );
});

Deno.test("SWARM_HOST and SWARM_CERT_PATH work like DOCKER_HOST and DOCKER_CERT_PATH", () => {
  const env = envOf({ SWARM_HOST: "m1:4242", SWARM_CERT_PATH: "/certs/", SWARM_SOCKET: "/s" });
  assert.deepEqual(chooseTarget({}, env), {
    kind: "remote",
    host: "m1:4242",
    tls: { cert: "/certs/cert.pem", key: "/certs/key.pem", ca: "/certs/ca.pem" },
  });
  // A flag overrides one file; --host overrides SWARM_HOST; --socket overrides SWARM_HOST.
  const t = chooseTarget({ host: "m2:1", tlsKey: "/other/key.pem" }, env);
  assert.deepEqual(t, {
    kind: "remote",
    host: "m2:1",
    tls: { cert: "/certs/cert.pem", key: "/other/key.pem", ca: "/certs/ca.pem" },
  });
  assert.deepEqual(chooseTarget({ socket: "/x.sock" }, env), { kind: "socket", path: "/x.sock" });
  // SWARM_CERT_PATH without a host is ignored.
  assert.deepEqual(chooseTarget({}, envOf({ SWARM_CERT_PATH: "/certs" })), {
    kind: "socket",
    path: DEFAULT_SOCKET,
  });
});

Deno.test("contradicting or incomplete connection flags are usage errors", () => {
  const cases: [Parameters<typeof chooseTarget>[0], Record<string, string>, RegExp][] = [
    [{ socket: "/s", host: "h:1", ...TLS }, {}, /give either --socket .* or --host .*not both/],
    [{ host: "h:1" }, {}, /--host needs TLS material, missing --tls-cert, --tls-key, --tls-ca:/],
    [{ host: "h:1", tlsCert: "c" }, {}, /missing --tls-key, --tls-ca: give --tls-cert FILE/],
    [{}, { SWARM_HOST: "h:1" }, /--host needs TLS material.*SWARM_CERT_PATH/],
    [{ tlsCert: "c" }, {}, /--tls-cert is only used with --host HOST:PORT \(or SWARM_HOST\)/],
    [{ host: "h", ...TLS }, {}, /invalid value "h" for --host: expected HOST:PORT/],
    [{ host: "h:0", ...TLS }, {}, /invalid value "h:0" for --host/],
    [
      {},
      { SWARM_HOST: "h:99999", SWARM_CERT_PATH: "/c" },
      /invalid value "h:99999" for SWARM_HOST/,
    ],
    [{ host: "unix:/run/s.sock", ...TLS }, {}, /for a local control socket use --socket PATH/],
  ];
  for (const [flags, env, message] of cases) {
    assert.throws(
      () => chooseTarget(flags, envOf(env), "swarm node ls"),
      (e: unknown) => {
        assert.ok(e instanceof UsageError, String(e));
        assert.match(e.message, message);
        assert.equal(e.command, "swarm node ls");
        return true;
      },
      JSON.stringify(flags),
    );
  }
});
