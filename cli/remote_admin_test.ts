/**
 * Remote administration end to end: the real client (`runClient` with the real dialer) against a
 * real Control server over mutual TLS, authorized as `manager/manager.ts` authorizes it.
 */
import assert from "node:assert/strict";
import { runClient } from "./client_main.ts";
import { ControlDialer } from "./dial.ts";
import { startRemoteControl } from "./_remote_server.ts";

async function swarm(argv: string[], env: Record<string, string> = {}) {
  const dialer = new ControlDialer();
  let out = "";
  let err = "";
  try {
    const code = await runClient(argv, {
      stdout: (s) => (out += s),
      stderr: (s) => (err += s),
      env: (name) => env[name],
      connect: () => {
        throw new Error("the control socket must not be dialed");
      },
      connectRemote: (target) => dialer.connectRemote(target),
    });
    return { code, out, err };
  } finally {
    dialer.close();
  }
}

Deno.test("remote administration over mutual TLS: a manager certificate may, a worker's may not", async () => {
  const remote = await startRemoteControl();
  try {
    const { host, manager, worker } = remote;
    const tls = (f: typeof manager) => ["--tls-cert", f.cert, "--tls-key", f.key, "--tls-ca", f.ca];

    const ls = await swarm(["node", "ls", "-q", "--host", host, ...tls(manager)]);
    assert.equal(ls.code, 0, ls.err);
    assert.equal(ls.out, "mgr1\nwrk1\n");

    // Global flags and --format json work the same way.
    const json = await swarm(["--host", host, ...tls(manager), "--format", "json", "node", "ls"]);
    assert.equal(json.code, 0, json.err);
    assert.deepEqual(JSON.parse(json.out).map((n: { id: string }) => n.id), ["mgr1", "wrk1"]);

    // SWARM_HOST + SWARM_CERT_PATH, and a write: removing the worker blacklists its certificate.
    const env = { SWARM_HOST: host, SWARM_CERT_PATH: manager.dir };
    const rm = await swarm(["node", "rm", "--force", "worker-1"], env);
    assert.equal(rm.code, 0, rm.err);
    assert.ok(remote.store.list("cluster")[0]!.blacklistedCertificates["wrk1"]);

    const refused = await swarm(["node", "ls", "--host", host, ...tls(worker)]);
    assert.equal(refused.code, 1);
    assert.equal(refused.out, "");
    assert.match(
      refused.err,
      new RegExp(
        `^Error: the manager at ${host.replace(/\./g, "\\.")} refused the client certificate ` +
          `${worker.cert} \\(Permission denied: .*wrk1.*\\)\\. Remote administration needs a ` +
          "manager's certificate and key",
      ),
    );
  } finally {
    await remote.stop();
  }
});

Deno.test("remote administration: a missing TLS file is named, nothing is dialed", async () => {
  const remote = await startRemoteControl();
  try {
    const r = await swarm([
      "node",
      "ls",
      "--host",
      remote.host,
      "--tls-cert",
      remote.manager.cert,
      "--tls-key",
      `${remote.manager.dir}/nope.pem`,
      "--tls-ca",
      remote.manager.ca,
    ]);
    assert.equal(r.code, 1);
    assert.equal(
      r.err,
      `Error: cannot read the private key ${remote.manager.dir}/nope.pem (--tls-key): no such file\n`,
    );
    const usage = await swarm(["node", "ls", "--host", remote.host]);
    assert.equal(usage.code, 2);
    assert.match(usage.err, /^Error: --host needs TLS material, missing --tls-cert/);
    assert.match(usage.err, /Run 'swarm node ls --help' for usage\.\n$/);
  } finally {
    await remote.stop();
  }
});

Deno.test("remote administration: a manager that is not there is reported with its address", async () => {
  const remote = await startRemoteControl();
  // A port nothing listens on.
  const probe = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const host = `127.0.0.1:${(probe.addr as Deno.NetAddr).port}`;
  probe.close();
  try {
    const { cert, key, ca } = remote.manager;
    const r = await swarm([
      "node",
      "ls",
      "--host",
      host,
      "--tls-cert",
      cert,
      "--tls-key",
      key,
      "--tls-ca",
      ca,
    ]);
    assert.equal(r.code, 1);
    assert.match(
      r.err,
      new RegExp(`^Error: cannot reach the swarm manager at ${host.replace(/\./g, "\\.")} `),
    );
    assert.match(r.err, /check --host\/SWARM_HOST/);
  } finally {
    await remote.stop();
  }
});
