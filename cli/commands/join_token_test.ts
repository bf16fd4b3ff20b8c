import assert from "node:assert/strict";
import type { UpdateClusterRequest } from "../../proto/gen/swarm/v1/control_pb.ts";
import { create } from "@bufbuild/protobuf";
import { NodeRole, RootCASchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { generateJoinToken, parseJoinToken } from "../../pki/mod.ts";
import { fixture } from "../_fixture.ts";
import { FakeControlApi } from "../fake_control_api.ts";
import { assertUsageError, run } from "../_run_client.ts";

const DIGEST = new Uint8Array(32).fill(7);
const HEX = [...DIGEST].map((b) => b.toString(16).padStart(2, "0")).join("");
const WORKER = generateJoinToken(DIGEST);
const MANAGER = generateJoinToken(DIGEST);

/** The fixture's cluster with a root CA and tokens; manager1 (leader) at 10.0.0.1:4242. */
function withTokens(api: FakeControlApi = fixture()): FakeControlApi {
  const cluster = [...api.clusters.values()][0]!;
  cluster.rootCa = create(RootCASchema, {
    caCertHash: HEX,
    joinTokens: { worker: WORKER, manager: MANAGER },
  });
  return api;
}

Deno.test("join-token prints the join command with the leader's address", async () => {
  const api = withTokens();
  const worker = await run(["join-token", "worker"], { api });
  assert.equal(worker.code, 0, worker.err);
  assert.equal(
    worker.out,
    "To add a worker to this swarm, run the following command:\n\n" +
      `    swarm join --token ${WORKER} 10.0.0.1:4242\n`,
  );
  const manager = await run(["join-token", "manager"], { api });
  assert.equal(
    manager.out,
    "To add a manager to this swarm, run the following command:\n\n" +
      `    swarm join --token ${MANAGER} 10.0.0.1:4242\n`,
  );
  assert.deepEqual(api.mutatingCalls(), []);
});

Deno.test("join-token -q prints only the token; --format json prints token and address", async () => {
  const api = withTokens();
  assert.equal((await run(["join-token", "-q", "worker"], { api })).out, `${WORKER}\n`);
  assert.equal((await run(["join-token", "manager", "--quiet"], { api })).out, `${MANAGER}\n`);
  const json = await run(["join-token", "worker", "--format", "json"], { api });
  assert.deepEqual(JSON.parse(json.out), {
    role: "worker",
    token: WORKER,
    managerAddr: "10.0.0.1:4242",
  });
});

Deno.test("join-token picks the leader, else any manager, else says the address is unknown", async () => {
  const api = withTokens();
  api.addNode({
    role: NodeRole.MANAGER,
    description: { hostname: "a-manager" },
    managerStatus: { addr: "10.0.0.9:4242" },
  });
  assert.match((await run(["join-token", "worker"], { api })).out, / 10\.0\.0\.1:4242\n$/);
  api.nodes.get("node1aaaaaaaaaaaaaaaaaaaa")!.managerStatus!.leader = false;
  const any = await run(["join-token", "worker"], { api });
  assert.match(any.out, / 10\.0\.0\.(1|9):4242\n$/);
  const bare = withTokens(new FakeControlApi());
  const unknown = await run(["join-token", "worker"], { api: bare });
  assert.equal(unknown.code, 0);
  assert.match(unknown.out, /swarm join --token \S+ MANAGER-ADDR\n$/);
  assert.match(unknown.err, /no manager has reported its address yet/);
});

Deno.test("join-token --rotate replaces the token, keeping the root digest", async () => {
  const api = withTokens();
  const r = await run(["join-token", "--rotate", "worker"], { api });
  assert.equal(r.code, 0, r.err);
  const tokens = [...api.clusters.values()][0]!.rootCa!.joinTokens!;
  assert.notEqual(tokens.worker, WORKER);
  assert.equal(tokens.manager, MANAGER, "only the worker token is rotated");
  assert.deepEqual(parseJoinToken(tokens.worker).rootDigest, DIGEST);
  assert.equal(
    r.out,
    "Successfully rotated worker join token.\n\n" +
      "To add a worker to this swarm, run the following command:\n\n" +
      `    swarm join --token ${tokens.worker} 10.0.0.1:4242\n`,
  );
  const req = api.mutatingCalls()[0]!.request as UpdateClusterRequest;
  assert.equal(req.rotation?.workerJoinToken, true);
  assert.equal(req.rotation?.managerJoinToken, false);
  assert.equal(req.spec?.annotations?.name, "default", "the spec is sent back unchanged");

  const quiet = await run(["join-token", "-q", "--rotate", "manager"], { api });
  const rotated = [...api.clusters.values()][0]!.rootCa!.joinTokens!.manager;
  assert.notEqual(rotated, MANAGER);
  assert.equal(quiet.out, `${rotated}\n`);
});

Deno.test("join-token --rotate shows the manager's refusal", async () => {
  const api = withTokens();
  [...api.clusters.values()][0]!.rootCa!.caCertHash = "";
  const r = await run(["join-token", "--rotate", "worker"], { api });
  assert.equal(r.code, 1);
  assert.match(r.err, /^Error: The cluster's root CA digest \(root_ca\.ca_cert_hash\) is missing/);
  assert.equal(r.out, "");
});

Deno.test("join-token needs worker or manager", async () => {
  assertUsageError(await run(["join-token"], { api: withTokens() }), /needs worker or manager/);
  assertUsageError(
    await run(["join-token", "boss"], { api: withTokens() }),
    'invalid role "boss": use worker or manager',
  );
  const help = await run(["join-token", "--help"]);
  assert.match(help.out, /^Usage: {2}swarm join-token \[OPTIONS\] worker\|manager\n/);
  assert.match(help.out, /--rotate/);
});
