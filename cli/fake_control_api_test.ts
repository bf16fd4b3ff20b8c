import assert from "node:assert/strict";
import { create } from "@bufbuild/protobuf";
import * as pb from "../proto/gen/swarm/v1/control_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RootCASchema,
  TaskState,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { GrpcCode, RpcError } from "./control_api.ts";
import { FakeControlApi } from "./fake_control_api.ts";

const spec = (name: string, replicas = 1) => ({
  annotations: { name },
  task: { runtime: { case: "process" as const, value: { command: "sleep" } } },
  mode: { case: "replicated" as const, value: { replicas } },
});

async function rejectsWith(p: Promise<unknown>, code: number, message: RegExp) {
  await assert.rejects(p, (err: unknown) => {
    assert.ok(err instanceof RpcError, String(err));
    assert.equal(err.code, code);
    assert.match(err.details, message);
    return true;
  });
}

Deno.test("FakeControlApi creates services with IDs, versions and unique names", async () => {
  const api = new FakeControlApi({ now: () => new Date("2024-01-01T00:00:00Z") });
  const { service } = await api.createService(
    create(pb.CreateServiceRequestSchema, { spec: spec("web") }),
  );
  assert.equal(service?.id.length, 25);
  assert.match(service!.id, /^[0-9a-z]{25}$/);
  assert.equal(service?.meta?.version?.index, service?.specVersion?.index);
  assert.equal(service?.meta?.createdAt?.seconds, 1704067200n);
  await rejectsWith(
    api.createService(create(pb.CreateServiceRequestSchema, { spec: spec("WEB") })),
    GrpcCode.ALREADY_EXISTS,
    /service WEB already exists/,
  );
  await rejectsWith(
    api.createService(create(pb.CreateServiceRequestSchema, { spec: spec("bad name") })),
    GrpcCode.INVALID_ARGUMENT,
    /invalid service name "bad name"/,
  );
  assert.deepEqual(api.mutatingCalls().map((c) => c.method), [
    "createService",
    "createService",
    "createService",
  ]);
});

Deno.test("FakeControlApi updates with optimistic concurrency and keeps the previous spec", async () => {
  const api = new FakeControlApi();
  const svc = api.addService({ spec: spec("web", 1) });
  const v1 = svc.meta!.version!;
  const { service } = await api.updateService(create(pb.UpdateServiceRequestSchema, {
    serviceId: svc.id,
    serviceVersion: v1,
    spec: spec("web", 3),
  }));
  assert.ok(service?.previousSpec?.mode.case === "replicated");
  assert.equal(service.previousSpec.mode.value.replicas, 1);
  await rejectsWith(
    api.updateService(
      create(pb.UpdateServiceRequestSchema, {
        serviceId: svc.id,
        serviceVersion: v1,
        spec: spec("web", 4),
      }),
    ),
    GrpcCode.FAILED_PRECONDITION,
    /update out of sequence/,
  );
  const current = api.services.get(svc.id)!.meta!.version!;
  await rejectsWith(
    api.updateService(
      create(pb.UpdateServiceRequestSchema, {
        serviceId: svc.id,
        serviceVersion: current,
        spec: spec("api"),
      }),
    ),
    GrpcCode.UNIMPLEMENTED,
    /Renaming a service is not supported/,
  );
  const { service: rolled } = await api.updateService(create(pb.UpdateServiceRequestSchema, {
    serviceId: svc.id,
    serviceVersion: current,
    spec: spec("web", 3),
    rollback: pb.UpdateServiceRequest_Rollback.PREVIOUS,
  }));
  assert.ok(rolled?.spec?.mode.case === "replicated" && rolled.spec.mode.value.replicas === 1);
  await rejectsWith(
    api.getService(create(pb.GetServiceRequestSchema, { serviceId: "nope" })),
    GrpcCode.NOT_FOUND,
    /service nope not found/,
  );
});

Deno.test("FakeControlApi counts service statuses from tasks", async () => {
  const api = new FakeControlApi();
  const svc = api.addService({ spec: spec("web", 3) });
  api.addTask({
    serviceId: svc.id,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.RUNNING },
  });
  api.addTask({
    serviceId: svc.id,
    desiredState: TaskState.RUNNING,
    status: { state: TaskState.PENDING },
  });
  api.addTask({
    serviceId: svc.id,
    desiredState: TaskState.SHUTDOWN,
    status: { state: TaskState.COMPLETE },
  });
  const { statuses } = await api.listServiceStatuses(
    create(pb.ListServiceStatusesRequestSchema, { services: [svc.id, "unknown"] }),
  );
  assert.deepEqual(
    statuses.map((s) => [s.serviceId, s.desiredTasks, s.runningTasks, s.completedTasks]),
    [[svc.id, 3n, 1n, 1n], ["unknown", 0n, 0n, 0n]],
  );
});

Deno.test("FakeControlApi filters lists with AND semantics", async () => {
  const api = new FakeControlApi();
  api.addTask({ id: "t1", serviceId: "s1", nodeId: "n1", desiredState: TaskState.RUNNING });
  api.addTask({ id: "t2", serviceId: "s1", nodeId: "n2", desiredState: TaskState.SHUTDOWN });
  api.addTask({ id: "t3", serviceId: "s2", nodeId: "n1", desiredState: TaskState.RUNNING });
  const ids = async (
    filters: Parameters<typeof create<typeof pb.ListTasksRequest_FiltersSchema>>[1],
  ) => (await api.listTasks(create(pb.ListTasksRequestSchema, { filters }))).tasks.map((t) => t.id);
  assert.deepEqual(await ids({ serviceIds: ["s1"] }), ["t1", "t2"]);
  assert.deepEqual(await ids({ serviceIds: ["s1"], nodeIds: ["n1"] }), ["t1"]);
  assert.deepEqual(await ids({ desiredStates: [TaskState.RUNNING] }), ["t1", "t3"]);
  assert.deepEqual(await ids({ idPrefixes: ["t3"] }), ["t3"]);
  api.addService({ id: "svc", spec: { annotations: { name: "Web", labels: { a: "1" } } } });
  const names = async (
    filters: Parameters<typeof create<typeof pb.ListServicesRequest_FiltersSchema>>[1],
  ) => (await api.listServices(create(pb.ListServicesRequestSchema, { filters }))).services.length;
  assert.equal(await names({ names: ["web"] }), 1);
  assert.equal(await names({ namePrefixes: ["we"] }), 1);
  assert.equal(await names({ labels: { a: "" } }), 1);
  assert.equal(await names({ labels: { a: "2" } }), 0);
});

Deno.test("FakeControlApi redacts secret data and the CA key, but not config data", async () => {
  const api = new FakeControlApi();
  const data = new TextEncoder().encode("pw");
  const { secret } = await api.createSecret(
    create(pb.CreateSecretRequestSchema, { spec: { annotations: { name: "db" }, data } }),
  );
  assert.equal(secret?.spec?.data.length, 0);
  assert.equal(api.secrets.get(secret!.id)?.spec?.data.length, 2);
  const { config } = await api.createConfig(
    create(pb.CreateConfigRequestSchema, { spec: { annotations: { name: "c" }, data } }),
  );
  assert.equal(config?.spec?.data.length, 2);
  api.addCluster({ id: "c2", rootCa: { caKey: data } });
  const { cluster } = await api.getCluster(create(pb.GetClusterRequestSchema, { clusterId: "c2" }));
  assert.equal(cluster?.rootCa?.caKey.length, 0);
  await rejectsWith(
    api.createSecret(
      create(pb.CreateSecretRequestSchema, { spec: { annotations: { name: "e" } } }),
    ),
    GrpcCode.INVALID_ARGUMENT,
    /invalid secret data of 0 bytes/,
  );
});

Deno.test("FakeControlApi can be unreachable or fail once", async () => {
  const api = new FakeControlApi();
  api.failNext("getVersion", new Error("once"));
  await assert.rejects(api.getVersion(create(pb.GetVersionRequestSchema)), { message: "once" });
  assert.equal((await api.getVersion(create(pb.GetVersionRequestSchema))).version, "0.1.0");
  api.unreachable = true;
  await rejectsWith(
    api.getVersion(create(pb.GetVersionRequestSchema)),
    GrpcCode.UNAVAILABLE,
    /No connection/,
  );
  assert.equal(api.calls.length, 3);
});

Deno.test("FakeControlApi updates clusters and nodes with validation", async () => {
  const api = new FakeControlApi();
  const cluster = [...api.clusters.values()][0]!;
  await rejectsWith(
    api.updateCluster(create(pb.UpdateClusterRequestSchema, {
      clusterId: cluster.id,
      clusterVersion: cluster.meta!.version!,
      spec: { annotations: { name: "other" } },
    })),
    GrpcCode.INVALID_ARGUMENT,
    /always named "default"/,
  );
  const { cluster: updated } = await api.updateCluster(create(pb.UpdateClusterRequestSchema, {
    clusterId: cluster.id,
    clusterVersion: cluster.meta!.version!,
    spec: { annotations: { name: "default" }, orchestration: { taskHistoryRetentionLimit: 2n } },
  }));
  assert.equal(updated?.spec?.orchestration?.taskHistoryRetentionLimit, 2n);
  const node = api.addNode({ description: { hostname: "h" } });
  const { node: n } = await api.updateNode(create(pb.UpdateNodeRequestSchema, {
    nodeId: node.id,
    nodeVersion: node.meta!.version!,
    spec: { annotations: { labels: { a: "b" } } },
  }));
  assert.deepEqual(n?.spec?.annotations?.labels, { a: "b" });
});

Deno.test("FakeControlApi applies the managers' topology rules", async () => {
  const api = new FakeControlApi({ now: () => new Date("2024-01-01T00:00:00Z") });
  const cluster = [...api.clusters.values()][0]!;
  cluster.rootCa = create(RootCASchema, {
    caCertHash: "12".repeat(32),
    joinTokens: { worker: "old-w", manager: "old-m" },
  });
  const { cluster: rotated } = await api.updateCluster(create(pb.UpdateClusterRequestSchema, {
    clusterId: cluster.id,
    clusterVersion: cluster.meta!.version!,
    spec: { annotations: { name: "default" } },
    rotation: { managerJoinToken: true },
  }));
  assert.equal(rotated?.rootCa?.joinTokens?.worker, "old-w");
  assert.match(rotated!.rootCa!.joinTokens!.manager, /^SWMTKN-1-/);

  const m = api.addNode({
    role: NodeRole.MANAGER,
    spec: { desiredRole: NodeRole.MANAGER },
    status: { state: NodeStatus_State.READY },
  });
  await rejectsWith(
    api.updateNode(create(pb.UpdateNodeRequestSchema, {
      nodeId: m.id,
      nodeVersion: m.meta!.version!,
      spec: { desiredRole: NodeRole.WORKER },
    })),
    GrpcCode.FAILED_PRECONDITION,
    /is the last manager of the swarm/,
  );
  await rejectsWith(
    api.removeNode(create(pb.RemoveNodeRequestSchema, { nodeId: m.id, force: true })),
    GrpcCode.FAILED_PRECONDITION,
    /demote it first/,
  );
  const w = api.addNode({ status: { state: NodeStatus_State.DOWN } });
  await api.removeNode(create(pb.RemoveNodeRequestSchema, { nodeId: w.id }));
  assert.ok(!api.nodes.has(w.id));
  assert.ok(api.clusters.get(cluster.id)!.blacklistedCertificates[w.id]?.expiry);
});
