import assert from "node:assert/strict";
import { CLIENT_COMMANDS, clientUsage, DEFAULT_SOCKET, runClient } from "./client_main.ts";
import { GrpcCode, RpcError } from "./control_api.ts";
import { FakeControlApi } from "./fake_control_api.ts";
import { assertUsageError, run } from "./_run_client.ts";

const UNREACHABLE = (path: string) =>
  `Error: cannot reach the swarm manager at ${path}: is a node running? Start one with 'swarm init', or point --socket/SWARM_SOCKET at its control socket\n`;

Deno.test("the socket comes from --socket, then SWARM_SOCKET, then the default", async () => {
  assert.equal(DEFAULT_SOCKET, ".swarm/swarm.sock");
  assert.deepEqual((await run(["service", "ls"])).connects, [DEFAULT_SOCKET]);
  const env = { SWARM_SOCKET: "/env.sock" };
  assert.deepEqual((await run(["service", "ls"], { env })).connects, ["/env.sock"]);
  assert.deepEqual((await run(["-s", "/a.sock", "service", "ls"], { env })).connects, ["/a.sock"]);
  assert.deepEqual((await run(["--socket=/b.sock", "node", "ls"], { env })).connects, ["/b.sock"]);
  assert.deepEqual((await run(["service", "ls", "--socket", "/c.sock"], { env })).connects, [
    "/c.sock",
  ]);
});

Deno.test("an unreachable manager gets a clear message and exit 1", async () => {
  const api = new FakeControlApi();
  api.unreachable = true;
  const r = await run(["-s", "/run/swarm.sock", "service", "ls"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, UNREACHABLE("/run/swarm.sock"));
  assert.equal(r.out, "");
});

Deno.test("a connection error from connect() or a call is reported as unreachable", async () => {
  let err = "";
  const io = {
    stdout: () => {},
    stderr: (s: string) => (err += s),
    env: () => undefined,
    connect: (): never => {
      throw Object.assign(new Error("connect ENOENT /x.sock"), { code: "ENOENT" });
    },
  };
  assert.equal(await runClient(["node", "ls"], io), 1);
  assert.equal(err, UNREACHABLE(DEFAULT_SOCKET));

  const api = new FakeControlApi();
  api.failNext(
    "listNodes",
    Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" }),
  );
  const r = await run(["node", "ls"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, UNREACHABLE(DEFAULT_SOCKET));
});

Deno.test("server errors print the server's message and exit 1", async () => {
  const api = new FakeControlApi();
  api.failNext("listServices", new RpcError(GrpcCode.INTERNAL, "raft: no leader"));
  const r = await run(["service", "ls"], { api });
  assert.equal(r.code, 1);
  assert.equal(r.err, "Error: raft: no leader\n");
  api.failNext("listServices", new Error("boom"));
  assert.equal((await run(["service", "ls"], { api })).err, "Error: boom\n");
});

Deno.test("usage errors never connect", async () => {
  for (
    const argv of [
      ["nope"],
      ["service", "nope"],
      ["service", "ls", "--nope"],
      ["service", "ls", "extra"],
      ["--nope"],
      ["--format", "xml", "service", "ls"],
      ["service", "create", "--name", "web"],
    ]
  ) {
    const r = await run(argv);
    assert.equal(r.code, 2, argv.join(" "));
    assert.deepEqual(r.connects, [], argv.join(" "));
    assert.deepEqual(r.api.calls, [], argv.join(" "));
  }
});

Deno.test("unknown commands suggest a close one", async () => {
  const r = await run(["servce", "ls"]);
  assertUsageError(r, 'unknown command "servce" for "swarm": did you mean "service"?');
  assert.match(r.err, /Run 'swarm --help' for usage\.\n$/);
  assertUsageError(
    await run(["service", "lss"]),
    'unknown command "lss" for "swarm service": did you mean "ls"?',
  );
  assertUsageError(await run(["frobnicate"]), 'unknown command "frobnicate" for "swarm"');
});

Deno.test("unknown global flags are usage errors", async () => {
  assertUsageError(
    await run(["--sockt", "x", "service", "ls"]),
    'unknown flag --sockt for "swarm": did you mean --socket?',
  );
  assertUsageError(await run(["-s"]), "flag -s needs a value");
  const r = await run(["--format", "xml", "service", "ls"]);
  assertUsageError(r, 'invalid value "xml" for --format: use one of table, json');
  assertUsageError(
    await run(["service", "ls", "--format", "yaml"]),
    /invalid value "yaml" for --format/,
  );
});

Deno.test("help is printed for no arguments, --help, help and groups", async () => {
  for (const argv of [[], ["--help"], ["-h"], ["help"]]) {
    const r = await run(argv);
    assert.equal(r.code, 0);
    assert.equal(r.out, clientUsage());
    assert.deepEqual(r.connects, []);
  }
  assert.match(
    clientUsage(),
    /default \$SWARM_STATE_DIR\/swarm\.sock,\s+else \.swarm\/swarm\.sock/,
  );
  for (const argv of [["service"], ["service", "--help"], ["svc", "help"], ["--help", "service"]]) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(" "));
    assert.match(r.out, /^Usage: {2}swarm service COMMAND\n/);
  }
  for (
    const argv of [["service", "create", "--help"], ["help", "service", "create"], [
      "service",
      "create",
      "-h",
    ]]
  ) {
    const r = await run(argv);
    assert.equal(r.code, 0, argv.join(" "));
    assert.match(r.out, /^Usage: {2}swarm service create --name NAME \[OPTIONS\] -- COMMAND/);
    assert.deepEqual(r.connects, []);
  }
});

Deno.test("every command has help", async () => {
  const words: string[][] = [
    ["service", "create"],
    ["service", "ls"],
    ["service", "inspect"],
    ["service", "ps"],
    ["service", "scale"],
    ["service", "update"],
    ["service", "rm"],
    ["node", "ls"],
    ["node", "inspect"],
    ["node", "update"],
    ["node", "rm"],
    ["node", "drain"],
    ["node", "promote"],
    ["node", "demote"],
    ["task", "ls"],
    ["task", "inspect"],
    ["cluster", "inspect"],
    ["cluster", "ls"],
    ["secret", "create"],
    ["secret", "ls"],
    ["secret", "inspect"],
    ["secret", "rm"],
    ["config", "create"],
    ["config", "ls"],
    ["config", "inspect"],
    ["config", "rm"],
    ["join-token"],
    ["version"],
  ];
  for (const w of words) {
    const r = await run([...w, "--help"]);
    assert.equal(r.code, 0, w.join(" "));
    assert.match(r.out, new RegExp(`^Usage:  swarm ${w.join(" ")}`), w.join(" "));
    assert.match(r.out, /-h, --help/);
    assert.match(
      r.out,
      /--host HOST:PORT +A manager's remote API over mutual TLS \(env SWARM_HOST\)/,
    );
    assert.match(r.out, /--tls-cert FILE/);
  }
});

Deno.test("-v and --version run the version command", async () => {
  const r = await run(["-v"]);
  assert.equal(r.code, 0);
  assert.match(r.out, /^Client:\n Version: {6}0\.1\.0\n/);
});

Deno.test("CLIENT_COMMANDS lists what runClient handles", () => {
  for (
    const w of [
      "service",
      "svc",
      "node",
      "task",
      "cluster",
      "secret",
      "config",
      "join-token",
      "version",
      "help",
    ]
  ) {
    assert.ok(CLIENT_COMMANDS.includes(w), w);
  }
  assert.ok(!CLIENT_COMMANDS.includes("init"));
});

Deno.test("global --format json applies to commands", async () => {
  const r = await run(["--format", "json", "node", "ls"]);
  assert.equal(r.code, 0);
  assert.deepEqual(JSON.parse(r.out), []);
});

Deno.test("connection flags: --host needs TLS files, excludes --socket; usage errors never connect", async () => {
  const cases: [string[], Record<string, string>, RegExp][] = [
    [
      ["--host", "m:4242", "node", "ls"],
      {},
      /^Error: --host needs TLS material, missing --tls-cert/,
    ],
    [["node", "ls"], { SWARM_HOST: "m:4242" }, /^Error: --host needs TLS material/],
    [
      [
        "-s",
        "/x.sock",
        "node",
        "ls",
        "--host",
        "m:1",
        "--tls-cert",
        "c",
        "--tls-key",
        "k",
        "--tls-ca",
        "a",
      ],
      {},
      /^Error: give either --socket .* or --host .*, not both/,
    ],
    [["node", "ls", "--tls-ca", "a"], {}, /^Error: --tls-ca is only used with --host/],
    [
      ["--host", "nope", "--tls-cert", "c", "--tls-key", "k", "--tls-ca", "a", "node", "ls"],
      {},
      /invalid value "nope" for --host/,
    ],
    [
      ["--tls-crt", "x", "node", "ls"],
      {},
      /unknown flag --tls-crt for "swarm": did you mean --tls-cert\?/,
    ],
  ];
  for (const [argv, env, message] of cases) {
    const r = await run(argv, { env });
    assert.equal(r.code, 2, argv.join(" "));
    assert.match(r.err, message, argv.join(" "));
    assert.deepEqual(r.connects, [], argv.join(" "));
    assert.deepEqual(r.api.calls, [], argv.join(" "));
  }
  // The usage error points at the command's help.
  assert.match((await run(["node", "ls", "--host", "m:1"])).err, /Run 'swarm node ls --help'/);
});

Deno.test("the top-level help documents remote administration", () => {
  const text = clientUsage();
  assert.match(text, /--host HOST:PORT +Administer a manager remotely/);
  assert.match(
    text,
    /SWARM_CERT_PATH=DIR stands for DIR\/cert\.pem, DIR\/key\.pem and DIR\/ca\.pem/,
  );
});
