/**
 * The control server's topology rules (join token rotation, promote/demote, node removal) and
 * service rules (modes, updates and rollbacks, statuses) over a test store. The rules themselves
 * are tested in `topology_rules_test.ts`, `service_update_test.ts` and `service_status_test.ts`;
 * these tests check the server applies them, answers with the right status, and writes
 * everything in one transaction.
 */
import assert from "node:assert/strict";
import { clone, create } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import {
  ClusterSchema,
  type Node,
  NodeSchema,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  CreateSecretRequestSchema,
  CreateServiceRequestSchema,
  ListServiceStatusesRequestSchema,
  RemoveNodeRequestSchema,
  RemoveSecretRequestSchema,
  UpdateClusterRequestSchema,
  UpdateNodeRequestSchema,
  UpdateServiceRequest_Rollback,
  UpdateServiceRequestSchema,
} from "../../proto/gen/swarm/v1/control_pb.ts";
import {
  ConfigReferenceSchema,
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability as Reach,
  SecretReferenceSchema,
  TaskState,
  UpdateStatus_UpdateState,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { CallContext } from "../../proto/grpc_server.ts";
import { GrpcStatusError, Status } from "../../proto/grpc_status.ts";
import { parseJoinToken } from "../../pki/mod.ts";
import { newTestStore } from "../store/testing.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { durationFromMs } from "../duration.ts";
import { controlServer } from "./control_server.ts";
import { caService, nodeCertValidityMs } from "../ca/node_ca_server.ts";
import { GetUnlockKeyRequestSchema } from "../../proto/gen/swarm/v1/ca_pb.ts";
import { ClusterSpecSchema, EncryptionConfigSchema } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { testJob, testService } from "../orchestrator/testing.ts";

const NOW = new Date("2024-03-01T00:00:00Z");
const DIGEST = "0f".repeat(32);
const ctx = undefined as unknown as CallContext; // the handlers here don't read the call

async function setup(nodes: Node[], tasks: Task[] = []) {
  const store = newTestStore({ now: () => NOW });
  await store.update((tx) => {
    tx.create(
      "cluster",
      create(ClusterSchema, {
        id: "cluster1",
        spec: {
          annotations: { name: "default" },
          caConfig: { nodeCertExpiry: durationFromMs(24 * 3600_000) },
        },
        rootCa: {
          caCertHash: DIGEST,
          joinTokens: { worker: "SWMTKN-1-old-worker", manager: "SWMTKN-1-old-manager" },
        },
      }),
    );
    for (const n of nodes) tx.create("node", n);
    for (const t of tasks) tx.create("task", t);
  });
  let id = 0;
  const api = controlServer({
    store,
    newId: () => `id${++id}`,
    version: { version: "test", nodeId: "m1" },
    now: () => NOW,
  });
  return { store, api };
}

const manager = (id: string, reachability = Reach.REACHABLE) =>
  create(NodeSchema, {
    id,
    role: NodeRole.MANAGER,
    spec: { desiredRole: NodeRole.MANAGER },
    status: { state: NodeStatus_State.READY },
    managerStatus: { reachability, addr: `${id}:4242` },
  });
const worker = (id: string, state = NodeStatus_State.READY) =>
  create(NodeSchema, { id, status: { state } });

async function rejects(p: unknown, code: Status, message: RegExp) {
  await assert.rejects(Promise.resolve(p), (e: unknown) => {
    assert.ok(e instanceof GrpcStatusError, String(e));
    assert.equal(e.code, code);
    assert.match(e.message, message);
    return true;
  });
}

function setRole(store: MemoryStore, id: string, desiredRole: NodeRole) {
  const node = store.get("node", id)!;
  return create(UpdateNodeRequestSchema, {
    nodeId: id,
    nodeVersion: node.meta!.version!,
    spec: { ...node.spec!, desiredRole },
  });
}

Deno.test("UpdateCluster rotates the join tokens asked for, keeping the root digest", async () => {
  const { store, api } = await setup([manager("m1")]);
  const cluster = store.get("cluster", "cluster1")!;
  const before = store.appliedIndex;
  const { cluster: updated } = await api.updateCluster(
    create(UpdateClusterRequestSchema, {
      clusterId: "cluster1",
      clusterVersion: cluster.meta!.version!,
      spec: cluster.spec!,
      rotation: { workerJoinToken: true },
    }),
    ctx,
  );
  const stored = store.get("cluster", "cluster1")!.rootCa!.joinTokens!;
  assert.notEqual(stored.worker, "SWMTKN-1-old-worker");
  assert.equal(stored.manager, "SWMTKN-1-old-manager");
  assert.equal(updated?.rootCa?.joinTokens?.worker, stored.worker);
  const digest = parseJoinToken(stored.worker).rootDigest;
  assert.equal([...digest].map((b) => b.toString(16).padStart(2, "0")).join(""), DIGEST);
  assert.equal(store.appliedIndex, before + 1n, "one transaction for spec and tokens");

  const again = store.get("cluster", "cluster1")!;
  await api.updateCluster(
    create(UpdateClusterRequestSchema, {
      clusterId: "cluster1",
      clusterVersion: again.meta!.version!,
      spec: again.spec!,
      rotation: { managerJoinToken: true },
    }),
    ctx,
  );
  const after = store.get("cluster", "cluster1")!.rootCa!.joinTokens!;
  assert.equal(after.worker, stored.worker);
  assert.notEqual(after.manager, "SWMTKN-1-old-manager");
  await rejects(
    api.updateCluster(
      create(UpdateClusterRequestSchema, {
        clusterId: "cluster1",
        clusterVersion: store.get("cluster", "cluster1")!.meta!.version!,
        spec: again.spec!,
        rotation: { managerUnlockKey: true },
      }),
      ctx,
    ),
    Status.FAILED_PRECONDITION,
    /Autolock is not enabled: there is no unlock key to rotate/,
  );
});

Deno.test("UpdateCluster sets the node certificate expiry the CA signs with; at least 1h", async () => {
  const { store, api } = await setup([manager("m1")]);
  const cluster = store.get("cluster", "cluster1")!;
  const spec = clone(ClusterSpecSchema, cluster.spec!);
  spec.caConfig!.nodeCertExpiry = durationFromMs(2 * 3_600_000);
  await api.updateCluster(
    create(UpdateClusterRequestSchema, {
      clusterId: "cluster1",
      clusterVersion: cluster.meta!.version!,
      spec,
    }),
    ctx,
  );
  assert.equal(nodeCertValidityMs(store.get("cluster", "cluster1")!), 2 * 3_600_000);
  spec.caConfig!.nodeCertExpiry = durationFromMs(30 * 60_000);
  await rejects(
    api.updateCluster(
      create(UpdateClusterRequestSchema, {
        clusterId: "cluster1",
        clusterVersion: store.get("cluster", "cluster1")!.meta!.version!,
        spec,
      }),
      ctx,
    ),
    Status.INVALID_ARGUMENT,
    /invalid node certificate expiry 30m0s: must be at least 1h/,
  );
  assert.equal(nodeCertValidityMs(store.get("cluster", "cluster1")!), 2 * 3_600_000);
});

Deno.test("UpdateCluster makes, rotates and removes the unlock key with autolock", async () => {
  const { store } = await setup([manager("m1")]);
  let fill = 0;
  const keyed = controlServer({
    store,
    newId: () => "unused",
    version: { version: "test", nodeId: "m1" },
    randomBytes: (n) => new Uint8Array(n).fill(++fill),
  });
  const update = async (autolock: boolean, rotate = false) => {
    const current = store.get("cluster", "cluster1")!;
    const spec = clone(ClusterSpecSchema, current.spec!);
    spec.encryptionConfig = create(EncryptionConfigSchema, { autoLockManagers: autolock });
    return (await keyed.updateCluster(
      create(UpdateClusterRequestSchema, {
        clusterId: "cluster1",
        clusterVersion: current.meta!.version!,
        spec,
        rotation: { managerUnlockKey: rotate },
      }),
      ctx,
    )).cluster!;
  };
  const keys = () => store.get("cluster", "cluster1")!.unlockKeys.map((k) => [k.subsystem, k.key]);
  const response = await update(true);
  assert.deepEqual(keys(), [["manager", new Uint8Array(32).fill(1)]]);
  assert.deepEqual(response.unlockKeys, [], "responses never carry the key");
  await update(true);
  assert.deepEqual(keys(), [["manager", new Uint8Array(32).fill(1)]], "kept while on");
  await update(true, true);
  assert.deepEqual(keys(), [["manager", new Uint8Array(32).fill(2)]], "rotated");
  // The managers read it with CA.GetUnlockKey.
  const ca = caService({ store, clusterId: "cluster1", trustedCallers: true });
  assert.deepEqual(
    (await ca.getUnlockKey(create(GetUnlockKeyRequestSchema), ctx)).unlockKey,
    new Uint8Array(32).fill(2),
  );
  await update(false);
  assert.deepEqual(keys(), []);
  await rejects(
    (async () => await ca.getUnlockKey(create(GetUnlockKeyRequestSchema), ctx))(),
    Status.FAILED_PRECONDITION,
    /autolock is not enabled/,
  );
  await rejects(update(false, true), Status.FAILED_PRECONDITION, /no unlock key to rotate/);
});

Deno.test("UpdateCluster refuses to rotate tokens without a root CA digest", async () => {
  const { store, api } = await setup([manager("m1")]);
  const cluster = store.get("cluster", "cluster1")!;
  const broken = clone(ClusterSchema, cluster);
  broken.rootCa!.caCertHash = "";
  await store.update((tx) => tx.update("cluster", broken));
  const current = store.get("cluster", "cluster1")!;
  await rejects(
    api.updateCluster(
      create(UpdateClusterRequestSchema, {
        clusterId: "cluster1",
        clusterVersion: current.meta!.version!,
        spec: current.spec!,
        rotation: { workerJoinToken: true },
      }),
      ctx,
    ),
    Status.FAILED_PRECONDITION,
    /root CA digest \(root_ca.ca_cert_hash\) is missing/,
  );
});

Deno.test("UpdateNode promotes by setting the desired role only", async () => {
  const { store, api } = await setup([manager("m1"), worker("w1")]);
  await api.updateNode(setRole(store, "w1", NodeRole.MANAGER), ctx);
  const w1 = store.get("node", "w1")!;
  assert.equal(w1.spec?.desiredRole, NodeRole.MANAGER);
  assert.equal(w1.role, NodeRole.WORKER, "the role reconciler changes the observed role");
});

Deno.test("UpdateNode refuses to demote the last manager", async () => {
  const { store, api } = await setup([manager("m1"), worker("w1")]);
  await rejects(
    api.updateNode(setRole(store, "m1", NodeRole.WORKER), ctx),
    Status.FAILED_PRECONDITION,
    /m1 is the last manager of the swarm and can't be demoted: promote another node first/,
  );
  assert.equal(store.get("node", "m1")!.spec?.desiredRole, NodeRole.MANAGER);
});

Deno.test("UpdateNode refuses a demotion that would lose quorum, allows one that keeps it", async () => {
  const { store, api } = await setup([
    manager("m1"),
    manager("m2"),
    manager("m3", Reach.UNREACHABLE),
  ]);
  await rejects(
    api.updateNode(setRole(store, "m2", NodeRole.WORKER), ctx),
    Status.FAILED_PRECONDITION,
    /would lose the managers' quorum: 1 of the 2 remaining managers is reachable/,
  );
  // Demoting the unreachable one leaves m1 and m2, both reachable.
  await api.updateNode(setRole(store, "m3", NodeRole.WORKER), ctx);
  assert.equal(store.get("node", "m3")!.spec?.desiredRole, NodeRole.WORKER);
});

Deno.test("UpdateNode counts the serving manager as reachable", async () => {
  // m1 serves the API; its object says unreachable (stale), m2 is down.
  const { store, api } = await setup([
    manager("m1", Reach.UNREACHABLE),
    manager("m2", Reach.UNREACHABLE),
    manager("m3"),
  ]);
  await api.updateNode(setRole(store, "m2", NodeRole.WORKER), ctx);
});

Deno.test("RemoveNode refuses managers and nodes that are not down unless forced", async () => {
  const { store, api } = await setup([manager("m1"), worker("w1"), worker("w2")]);
  await rejects(
    api.removeNode(create(RemoveNodeRequestSchema, { nodeId: "m1", force: true }), ctx),
    Status.FAILED_PRECONDITION,
    /Node m1 is a manager: demote it first: swarm node demote m1/,
  );
  await rejects(
    api.removeNode(create(RemoveNodeRequestSchema, { nodeId: "w1" }), ctx),
    Status.FAILED_PRECONDITION,
    /Node w1 is not down \(status ready\) and can't be removed: stop it first, or use --force/,
  );
  assert.ok(store.get("node", "w1"));
  await api.removeNode(create(RemoveNodeRequestSchema, { nodeId: "w1", force: true }), ctx);
  assert.equal(store.get("node", "w1"), undefined);
  await rejects(
    api.removeNode(create(RemoveNodeRequestSchema, { nodeId: "w1" }), ctx),
    Status.NOT_FOUND,
    /No such node: w1/,
  );
});

Deno.test("RemoveNode blacklists the certificate and orphans tasks in the same transaction", async () => {
  const task = (id: string, state: TaskState) =>
    create(TaskSchema, { id, nodeId: "w1", serviceId: "s", status: { state } });
  const { store, api } = await setup(
    [manager("m1"), worker("w1", NodeStatus_State.DOWN)],
    [task("t1", TaskState.RUNNING), task("t2", TaskState.FAILED)],
  );
  const before = store.appliedIndex;
  await api.removeNode(create(RemoveNodeRequestSchema, { nodeId: "w1" }), ctx);
  assert.equal(store.appliedIndex, before + 1n, "one transaction");
  assert.equal(store.get("node", "w1"), undefined);
  const entry = store.get("cluster", "cluster1")!.blacklistedCertificates["w1"];
  assert.ok(entry, "w1's certificate is blacklisted");
  assert.equal(timestampDate(entry.expiry!).getTime(), NOW.getTime() + 24 * 3600_000);
  assert.equal(store.get("task", "t1")!.status?.state, TaskState.ORPHANED);
  assert.equal(store.get("task", "t2")!.status?.state, TaskState.FAILED);
});

Deno.test("CreateService takes every mode; a job starts at iteration 0", async () => {
  const { store, api } = await setup([manager("m1")]);
  await api.createService(
    create(CreateServiceRequestSchema, { spec: testService("agent", "global").spec! }),
    ctx,
  );
  const [service] = store.list("service");
  assert.equal(service?.spec?.mode.case, "global");
  assert.equal(service?.specVersion?.index, 1n);
  assert.equal(service?.jobStatus, undefined);
  for (
    const job of [
      testJob("batch", { maxConcurrent: 2, totalCompletions: 5 }),
      testJob("once", "global"),
    ]
  ) {
    await api.createService(create(CreateServiceRequestSchema, { spec: job.spec! }), ctx);
    const created = store.list("service").find((s) => s.spec?.annotations?.name === job.id)!;
    assert.equal(created.spec?.mode.case, job.spec?.mode.case);
    assert.equal(created.jobStatus?.jobIteration, 0n);
    assert.equal(timestampDate(created.jobStatus!.lastExecution!).getTime(), NOW.getTime());
  }
  const bad = testJob("bad", { maxConcurrent: 0, totalCompletions: 5 });
  await rejects(
    api.createService(create(CreateServiceRequestSchema, { spec: bad.spec! }), ctx),
    Status.INVALID_ARGUMENT,
    /invalid replicated-job service: max concurrent must be at least 1/,
  );
});

Deno.test("UpdateService runs a job again; a job is not rolled back", async () => {
  const { store, api } = await setup([manager("m1")]);
  await api.createService(
    create(CreateServiceRequestSchema, {
      spec: testJob("batch", { maxConcurrent: 1, totalCompletions: 3 }).spec!,
    }),
    ctx,
  );
  const id = store.list("service")[0]!.id;
  const update = (rollback = false) =>
    api.updateService(
      create(UpdateServiceRequestSchema, {
        serviceId: id,
        serviceVersion: store.get("service", id)!.meta!.version!,
        spec: store.get("service", id)!.spec!,
        rollback: rollback ? UpdateServiceRequest_Rollback.PREVIOUS : 0,
      }),
      ctx,
    );
  await update();
  await update();
  assert.equal(store.get("service", id)?.jobStatus?.jobIteration, 2n);
  await rejects(
    update(true),
    Status.FAILED_PRECONDITION,
    /Service batch is a job: rolling back does not apply/,
  );
});

Deno.test("UpdateService clears the update status; a rollback starts one; the mode stays", async () => {
  const { store, api } = await setup([manager("m1")]);
  await api.createService(
    create(CreateServiceRequestSchema, { spec: testService("web", 2).spec! }),
    ctx,
  );
  const id = store.list("service")[0]!.id;
  const update = (o: { spec?: ReturnType<typeof testService>["spec"]; rollback?: boolean }) =>
    api.updateService(
      create(UpdateServiceRequestSchema, {
        serviceId: id,
        serviceVersion: store.get("service", id)!.meta!.version!,
        ...(o.spec ? { spec: o.spec } : {}),
        rollback: o.rollback ? UpdateServiceRequest_Rollback.PREVIOUS : 0,
      }),
      ctx,
    );
  await rejects(
    update({ rollback: true }),
    Status.FAILED_PRECONDITION,
    /Service web has no previous spec/,
  );
  await update({ spec: testService("web", 5).spec! });
  let stored = store.get("service", id)!;
  assert.equal(stored.specVersion?.index, 2n);
  assert.equal(stored.updateStatus, undefined);
  const { service: rolled } = await update({ rollback: true });
  assert.equal(rolled?.updateStatus?.state, UpdateStatus_UpdateState.ROLLBACK_STARTED);
  assert.equal(rolled?.updateStatus?.message, "manually requested rollback");
  stored = store.get("service", id)!;
  assert.ok(stored.spec?.mode.case === "replicated" && stored.spec.mode.value.replicas === 2);
  assert.equal(stored.specVersion?.index, 3n);
  await rejects(
    update({ spec: testService("web", "global").spec! }),
    Status.UNIMPLEMENTED,
    /Changing a service's mode is not supported/,
  );
});

Deno.test("ListServiceStatuses counts a global service's nodes", async () => {
  const task = (id: string, nodeId: string, state: TaskState) =>
    create(TaskSchema, {
      id,
      nodeId,
      serviceId: "agent",
      desiredState: TaskState.RUNNING,
      status: { state },
    });
  const { store, api } = await setup(
    [manager("m1")],
    [task("t1", "n1", TaskState.RUNNING), task("t2", "n2", TaskState.PENDING)],
  );
  await store.update((tx) => tx.create("service", testService("agent", "global")));
  const { statuses } = await api.listServiceStatuses(
    create(ListServiceStatusesRequestSchema, { services: ["agent"] }),
    ctx,
  );
  assert.deepEqual(statuses!.map((s) => [s.runningTasks, s.desiredTasks]), [[1n, 2n]]);
});

Deno.test("CreateService and UpdateService refuse references to secrets and configs that do not exist", async () => {
  const { store, api } = await setup([manager("m1")]);
  await api.createSecret(
    create(CreateSecretRequestSchema, {
      spec: { annotations: { name: "db-pass" }, data: new TextEncoder().encode("s3cret") },
    }),
    ctx,
  );
  const secretId = store.list("secret")[0]!.id;
  const withRefs = (secrets: [string, string][], configs: [string, string][] = []) =>
    testService("web", 1, (spec) => {
      const p = spec.task!.runtime.value!;
      p.secrets = secrets.map(([secretId, secretName]) =>
        create(SecretReferenceSchema, { secretId, secretName, file: { name: secretName } })
      );
      p.configs = configs.map(([configId, configName]) =>
        create(ConfigReferenceSchema, { configId, configName, file: { name: configName } })
      );
    }).spec!;
  await rejects(
    api.createService(
      create(CreateServiceRequestSchema, {
        spec: withRefs([[secretId, "db-pass"], ["nope", "ghost"]], [["c9", "app.conf"]]),
      }),
      ctx,
    ),
    Status.INVALID_ARGUMENT,
    /Secret not found: ghost: create it first \(swarm secret create ghost FILE\), or leave it out of the service; Config not found: app\.conf/,
  );
  // A reference whose name is not the secret's own is refused too.
  await rejects(
    api.createService(
      create(CreateServiceRequestSchema, { spec: withRefs([[secretId, "x"]]) }),
      ctx,
    ),
    Status.INVALID_ARGUMENT,
    /Secret not found: x/,
  );
  assert.equal(store.list("service").length, 0);

  await api.createService(
    create(CreateServiceRequestSchema, { spec: withRefs([[secretId, "db-pass"]]) }),
    ctx,
  );
  const service = store.list("service")[0]!;
  await rejects(
    api.updateService(
      create(UpdateServiceRequestSchema, {
        serviceId: service.id,
        serviceVersion: service.meta!.version!,
        spec: withRefs([[secretId, "db-pass"], ["gone1", "a"], ["gone2", "b"]]),
      }),
      ctx,
    ),
    Status.INVALID_ARGUMENT,
    /Secrets not found: a, b: create them first/,
  );
  await rejects(
    api.removeSecret(create(RemoveSecretRequestSchema, { secretId }), ctx),
    Status.FAILED_PRECONDITION,
    /Secret db-pass is in use by service web/,
  );
});
