/**
 * An in-memory {@linkcode ControlApi} for tests. It behaves like the manager's control API for
 * what the client relies on: IDs and versions, case-insensitive unique names, optimistic
 * concurrency, spec validation (INVALID_ARGUMENT), NOT_FOUND, filters, and service statuses
 * counted from its tasks. It records every call and can pretend to be unreachable.
 *
 * ```ts
 * const api = new FakeControlApi({ now: () => new Date("2024-01-01T00:00:00Z") });
 * const node = api.addNode({ description: { hostname: "n1" } });
 * await api.createService(create(CreateServiceRequestSchema, { spec }));
 * assert.deepEqual(api.mutatingCalls(), []);
 * ```
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import * as pb from "../proto/gen/swarm/v1/control_pb.ts";
import {
  ClusterSchema,
  ConfigSchema,
  NodeSchema,
  SecretSchema,
  ServiceSchema,
  TaskSchema,
} from "../proto/gen/swarm/v1/objects_pb.ts";
import type {
  Cluster,
  Config,
  Node,
  Secret,
  Service,
  Task,
} from "../proto/gen/swarm/v1/objects_pb.ts";
import {
  MetaSchema,
  NodeStatus_State,
  TaskState,
  VersionSchema,
} from "../proto/gen/swarm/v1/types_pb.ts";
import type { Meta, Version } from "../proto/gen/swarm/v1/types_pb.ts";
import {
  insertServiceDefaults,
  validateClusterSpec,
  validateConfigSpec,
  validateNodeSpec,
  validateSecretSpec,
  validateServiceSpec,
  ValidationError,
} from "../manager/validate/mod.ts";
import type { ControlApi, ControlMethod } from "./control_api.ts";
import { GrpcCode, MUTATING_METHODS, RpcError } from "./control_api.ts";

/** One recorded call. */
export interface FakeCall {
  method: ControlMethod;
  request: unknown;
}

/** Options of {@linkcode FakeControlApi}. */
export interface FakeControlApiOptions {
  /** The clock for meta timestamps. @default the system clock */
  now?: () => Date;
  /** Seed of the ID generator. @default 1 */
  seed?: number;
  /** Create the "default" cluster object. @default true */
  cluster?: boolean;
  /** GetVersion's answer. */
  version?: { version: string; denoVersion: string; nodeId: string };
}

type Init<S extends Parameters<typeof create>[0]> = MessageInitShape<S>;

/** An in-memory control API. */
export class FakeControlApi implements ControlApi {
  readonly nodes = new Map<string, Node>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly clusters = new Map<string, Cluster>();
  readonly secrets = new Map<string, Secret>();
  readonly configs = new Map<string, Config>();
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  /** When true every call fails with UNAVAILABLE, as when no manager listens on the socket. */
  unreachable = false;

  readonly #now: () => Date;
  readonly #version: { version: string; denoVersion: string; nodeId: string };
  readonly #failures = new Map<ControlMethod, Error>();
  #index = 0n;
  #seed: number;

  constructor(options: FakeControlApiOptions = {}) {
    this.#now = options.now ?? (() => new Date());
    this.#seed = options.seed ?? 1;
    this.#version = options.version ??
      { version: "0.1.0", denoVersion: "2.9.3", nodeId: "fakenode" };
    if (options.cluster ?? true) {
      this.addCluster({ spec: { annotations: { name: "default" } } });
    }
  }

  // ---- test helpers ----

  /** The recorded calls that change state (create, update, remove). */
  mutatingCalls(): FakeCall[] {
    return this.calls.filter((c) => MUTATING_METHODS.includes(c.method));
  }

  /** Makes the next call of `method` fail with `error`. */
  failNext(method: ControlMethod, error: Error): void {
    this.#failures.set(method, error);
  }

  /** A new random-looking 25-character base-36 ID (deterministic per seed). */
  newId(): string {
    let id = "";
    while (id.length < 25) {
      // mulberry32
      this.#seed = (this.#seed + 0x6d2b79f5) | 0;
      let t = this.#seed;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      id += (((t ^ (t >>> 14)) >>> 0) % 36).toString(36);
    }
    return id;
  }

  /** Stores a node as given (no validation); fills id and meta. */
  addNode(init: Init<typeof NodeSchema> = {}): Node {
    const node = create(NodeSchema, init);
    node.id ||= this.newId();
    node.meta = this.#meta(node.meta);
    this.nodes.set(node.id, node);
    return node;
  }

  /** Stores a service as given (no validation); fills id, meta and spec_version. */
  addService(init: Init<typeof ServiceSchema> = {}): Service {
    const svc = create(ServiceSchema, init);
    svc.id ||= this.newId();
    svc.meta = this.#meta(svc.meta);
    svc.specVersion ??= clone(VersionSchema, svc.meta.version!);
    this.services.set(svc.id, svc);
    return svc;
  }

  /** Stores a task as given; fills id and meta. */
  addTask(init: Init<typeof TaskSchema> = {}): Task {
    const task = create(TaskSchema, init);
    task.id ||= this.newId();
    task.meta = this.#meta(task.meta);
    this.tasks.set(task.id, task);
    return task;
  }

  /** Stores a cluster as given; fills id and meta. */
  addCluster(init: Init<typeof ClusterSchema> = {}): Cluster {
    const cluster = create(ClusterSchema, init);
    cluster.id ||= this.newId();
    cluster.meta = this.#meta(cluster.meta);
    this.clusters.set(cluster.id, cluster);
    return cluster;
  }

  /** Stores a secret as given; fills id and meta. */
  addSecret(init: Init<typeof SecretSchema> = {}): Secret {
    const secret = create(SecretSchema, init);
    secret.id ||= this.newId();
    secret.meta = this.#meta(secret.meta);
    this.secrets.set(secret.id, secret);
    return secret;
  }

  /** Stores a config as given; fills id and meta. */
  addConfig(init: Init<typeof ConfigSchema> = {}): Config {
    const config = create(ConfigSchema, init);
    config.id ||= this.newId();
    config.meta = this.#meta(config.meta);
    this.configs.set(config.id, config);
    return config;
  }

  // ---- ControlApi ----

  getVersion(req: pb.GetVersionRequest): Promise<pb.GetVersionResponse> {
    return this.#call("getVersion", req, () => create(pb.GetVersionResponseSchema, this.#version));
  }

  getNode(req: pb.GetNodeRequest): Promise<pb.GetNodeResponse> {
    return this.#call("getNode", req, () =>
      create(pb.GetNodeResponseSchema, {
        node: clone(NodeSchema, this.#get(this.nodes, "node", req.nodeId)),
      }));
  }

  listNodes(req: pb.ListNodesRequest): Promise<pb.ListNodesResponse> {
    return this.#call("listNodes", req, () => {
      const f = req.filters;
      const nodes = [...this.nodes.values()].filter((n) =>
        matches(n.id, n.spec?.annotations?.name || n.description?.hostname || "", f) &&
        labelsMatch(n.spec?.annotations?.labels, f?.labels) &&
        (f === undefined || f.roles.length === 0 || f.roles.includes(n.role))
      );
      return create(pb.ListNodesResponseSchema, { nodes: nodes.map((n) => clone(NodeSchema, n)) });
    });
  }

  updateNode(req: pb.UpdateNodeRequest): Promise<pb.UpdateNodeResponse> {
    return this.#call("updateNode", req, () => {
      const node = this.#get(this.nodes, "node", req.nodeId);
      validate(() => validateNodeSpec(req.spec));
      this.#checkVersion(node.meta, req.nodeVersion);
      node.spec = clone(pb.UpdateNodeRequestSchema, req).spec;
      node.meta = this.#touch(node.meta);
      return create(pb.UpdateNodeResponseSchema, { node: clone(NodeSchema, node) });
    });
  }

  removeNode(req: pb.RemoveNodeRequest): Promise<pb.RemoveNodeResponse> {
    return this.#call("removeNode", req, () => {
      const node = this.#get(this.nodes, "node", req.nodeId);
      if (node.managerStatus !== undefined) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          `node ${node.id} is a cluster manager and is a member of the raft cluster. It must be demoted to worker before removal`,
        );
      }
      if (!req.force && node.status?.state === NodeStatus_State.READY) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          `node ${node.id} is not down and can't be removed`,
        );
      }
      this.nodes.delete(node.id);
      return create(pb.RemoveNodeResponseSchema);
    });
  }

  getTask(req: pb.GetTaskRequest): Promise<pb.GetTaskResponse> {
    return this.#call("getTask", req, () =>
      create(pb.GetTaskResponseSchema, {
        task: clone(TaskSchema, this.#get(this.tasks, "task", req.taskId)),
      }));
  }

  listTasks(req: pb.ListTasksRequest): Promise<pb.ListTasksResponse> {
    return this.#call("listTasks", req, () => {
      const f = req.filters;
      const tasks = [...this.tasks.values()].filter((t) =>
        matches(t.id, t.annotations?.name ?? "", f) &&
        labelsMatch(t.annotations?.labels, f?.labels) &&
        (f === undefined || f.serviceIds.length === 0 || f.serviceIds.includes(t.serviceId)) &&
        (f === undefined || f.nodeIds.length === 0 || f.nodeIds.includes(t.nodeId)) &&
        (f === undefined || f.desiredStates.length === 0 ||
          f.desiredStates.includes(t.desiredState))
      );
      return create(pb.ListTasksResponseSchema, { tasks: tasks.map((t) => clone(TaskSchema, t)) });
    });
  }

  getService(req: pb.GetServiceRequest): Promise<pb.GetServiceResponse> {
    return this.#call("getService", req, () => {
      const svc = clone(ServiceSchema, this.#get(this.services, "service", req.serviceId));
      if (req.insertDefaults && svc.spec !== undefined) svc.spec = insertServiceDefaults(svc.spec);
      return create(pb.GetServiceResponseSchema, { service: svc });
    });
  }

  listServices(req: pb.ListServicesRequest): Promise<pb.ListServicesResponse> {
    return this.#call("listServices", req, () => {
      const f = req.filters;
      const services = [...this.services.values()].filter((s) =>
        matches(s.id, s.spec?.annotations?.name ?? "", f) &&
        labelsMatch(s.spec?.annotations?.labels, f?.labels)
      );
      return create(pb.ListServicesResponseSchema, {
        services: services.map((s) => clone(ServiceSchema, s)),
      });
    });
  }

  createService(req: pb.CreateServiceRequest): Promise<pb.CreateServiceResponse> {
    return this.#call("createService", req, () => {
      validate(() => validateServiceSpec(req.spec));
      const spec = clone(pb.CreateServiceRequestSchema, req).spec!;
      this.#checkNameFree(
        this.services,
        "service",
        spec.annotations?.name ?? "",
        (s) => s.spec?.annotations?.name,
      );
      const svc = this.addService({ spec });
      return create(pb.CreateServiceResponseSchema, { service: clone(ServiceSchema, svc) });
    });
  }

  updateService(req: pb.UpdateServiceRequest): Promise<pb.UpdateServiceResponse> {
    return this.#call("updateService", req, () => {
      const svc = this.#get(this.services, "service", req.serviceId);
      validate(() => validateServiceSpec(req.spec));
      this.#checkVersion(svc.meta, req.serviceVersion);
      let spec = clone(pb.UpdateServiceRequestSchema, req).spec!;
      if (spec.annotations?.name !== svc.spec?.annotations?.name) {
        throw new RpcError(GrpcCode.UNIMPLEMENTED, "renaming services is not supported");
      }
      if (spec.mode.case !== svc.spec?.mode.case) {
        throw new RpcError(GrpcCode.UNIMPLEMENTED, "service mode change is not allowed");
      }
      if (req.rollback === pb.UpdateServiceRequest_Rollback.PREVIOUS) {
        if (svc.previousSpec === undefined) {
          throw new RpcError(
            GrpcCode.FAILED_PRECONDITION,
            `service ${svc.id} does not have a previous spec`,
          );
        }
        spec = svc.previousSpec;
      }
      svc.previousSpec = svc.spec;
      svc.previousSpecVersion = svc.specVersion;
      svc.spec = spec;
      svc.meta = this.#touch(svc.meta);
      svc.specVersion = clone(VersionSchema, svc.meta.version!);
      return create(pb.UpdateServiceResponseSchema, { service: clone(ServiceSchema, svc) });
    });
  }

  removeService(req: pb.RemoveServiceRequest): Promise<pb.RemoveServiceResponse> {
    return this.#call("removeService", req, () => {
      const svc = this.#get(this.services, "service", req.serviceId);
      this.services.delete(svc.id);
      return create(pb.RemoveServiceResponseSchema);
    });
  }

  listServiceStatuses(
    req: pb.ListServiceStatusesRequest,
  ): Promise<pb.ListServiceStatusesResponse> {
    return this.#call("listServiceStatuses", req, () => {
      const statuses = req.services.map((id) => {
        const svc = this.services.get(id);
        const tasks = [...this.tasks.values()].filter((t) => t.serviceId === id);
        const running = tasks.filter((t) =>
          t.desiredState === TaskState.RUNNING && t.status?.state === TaskState.RUNNING
        ).length;
        const completed = tasks.filter((t) =>
          t.status?.state === TaskState.COMPLETE
        ).length;
        const mode = svc?.spec?.mode;
        let desired = 0;
        if (mode?.case === "replicated") desired = mode.value.replicas;
        else if (mode?.case === "replicatedJob") {
          desired = Math.min(
            mode.value.maxConcurrent,
            Math.max(0, mode.value.totalCompletions - completed),
          );
        } else if (mode?.case !== undefined) {
          desired = tasks.filter((t) => t.desiredState === TaskState.RUNNING).length;
        }
        return {
          serviceId: id,
          desiredTasks: BigInt(desired),
          runningTasks: BigInt(running),
          completedTasks: BigInt(completed),
        };
      });
      return create(pb.ListServiceStatusesResponseSchema, { statuses });
    });
  }

  getCluster(req: pb.GetClusterRequest): Promise<pb.GetClusterResponse> {
    return this.#call("getCluster", req, () =>
      create(pb.GetClusterResponseSchema, {
        cluster: redactCluster(this.#get(this.clusters, "cluster", req.clusterId)),
      }));
  }

  listClusters(req: pb.ListClustersRequest): Promise<pb.ListClustersResponse> {
    return this.#call("listClusters", req, () =>
      create(pb.ListClustersResponseSchema, {
        clusters: [...this.clusters.values()].map(redactCluster),
      }));
  }

  updateCluster(req: pb.UpdateClusterRequest): Promise<pb.UpdateClusterResponse> {
    return this.#call("updateCluster", req, () => {
      const cluster = this.#get(this.clusters, "cluster", req.clusterId);
      validate(() => validateClusterSpec(req.spec));
      this.#checkVersion(cluster.meta, req.clusterVersion);
      cluster.spec = clone(pb.UpdateClusterRequestSchema, req).spec;
      cluster.meta = this.#touch(cluster.meta);
      return create(pb.UpdateClusterResponseSchema, { cluster: redactCluster(cluster) });
    });
  }

  getSecret(req: pb.GetSecretRequest): Promise<pb.GetSecretResponse> {
    return this.#call("getSecret", req, () =>
      create(pb.GetSecretResponseSchema, {
        secret: redactSecret(this.#get(this.secrets, "secret", req.secretId)),
      }));
  }

  listSecrets(req: pb.ListSecretsRequest): Promise<pb.ListSecretsResponse> {
    return this.#call("listSecrets", req, () =>
      create(pb.ListSecretsResponseSchema, {
        secrets: [...this.secrets.values()]
          .filter((s) => matches(s.id, s.spec?.annotations?.name ?? "", req.filters))
          .map(redactSecret),
      }));
  }

  createSecret(req: pb.CreateSecretRequest): Promise<pb.CreateSecretResponse> {
    return this.#call("createSecret", req, () => {
      validate(() => validateSecretSpec(req.spec));
      const spec = clone(pb.CreateSecretRequestSchema, req).spec!;
      this.#checkNameFree(
        this.secrets,
        "secret",
        spec.annotations?.name ?? "",
        (s) => s.spec?.annotations?.name,
      );
      const secret = this.addSecret({ spec });
      return create(pb.CreateSecretResponseSchema, { secret: redactSecret(secret) });
    });
  }

  removeSecret(req: pb.RemoveSecretRequest): Promise<pb.RemoveSecretResponse> {
    return this.#call("removeSecret", req, () => {
      const secret = this.#get(this.secrets, "secret", req.secretId);
      const users = [...this.services.values()].filter((s) => {
        const rt = s.spec?.task?.runtime;
        return rt?.case !== undefined && rt.value.secrets.some((r) => r.secretId === secret.id);
      });
      if (users.length > 0) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          `secret '${secret.spec?.annotations?.name}' is in use by the following service${
            users.length > 1 ? "s" : ""
          }: ${users.map((s) => s.spec?.annotations?.name).join(", ")}`,
        );
      }
      this.secrets.delete(secret.id);
      return create(pb.RemoveSecretResponseSchema);
    });
  }

  getConfig(req: pb.GetConfigRequest): Promise<pb.GetConfigResponse> {
    return this.#call("getConfig", req, () =>
      create(pb.GetConfigResponseSchema, {
        config: clone(ConfigSchema, this.#get(this.configs, "config", req.configId)),
      }));
  }

  listConfigs(req: pb.ListConfigsRequest): Promise<pb.ListConfigsResponse> {
    return this.#call("listConfigs", req, () =>
      create(pb.ListConfigsResponseSchema, {
        configs: [...this.configs.values()]
          .filter((c) => matches(c.id, c.spec?.annotations?.name ?? "", req.filters))
          .map((c) => clone(ConfigSchema, c)),
      }));
  }

  createConfig(req: pb.CreateConfigRequest): Promise<pb.CreateConfigResponse> {
    return this.#call("createConfig", req, () => {
      validate(() => validateConfigSpec(req.spec));
      const spec = clone(pb.CreateConfigRequestSchema, req).spec!;
      this.#checkNameFree(
        this.configs,
        "config",
        spec.annotations?.name ?? "",
        (c) => c.spec?.annotations?.name,
      );
      const config = this.addConfig({ spec });
      return create(pb.CreateConfigResponseSchema, { config: clone(ConfigSchema, config) });
    });
  }

  removeConfig(req: pb.RemoveConfigRequest): Promise<pb.RemoveConfigResponse> {
    return this.#call("removeConfig", req, () => {
      const config = this.#get(this.configs, "config", req.configId);
      const users = [...this.services.values()].filter((s) => {
        const rt = s.spec?.task?.runtime;
        return rt?.case !== undefined && rt.value.configs.some((r) => r.configId === config.id);
      });
      if (users.length > 0) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          `config '${config.spec?.annotations?.name}' is in use by the following service${
            users.length > 1 ? "s" : ""
          }: ${users.map((s) => s.spec?.annotations?.name).join(", ")}`,
        );
      }
      this.configs.delete(config.id);
      return create(pb.RemoveConfigResponseSchema);
    });
  }

  // ---- internals ----

  #call<T>(method: ControlMethod, request: unknown, fn: () => T): Promise<T> {
    this.calls.push({ method, request });
    if (this.unreachable) {
      return Promise.reject(
        new RpcError(GrpcCode.UNAVAILABLE, "No connection established"),
      );
    }
    const failure = this.#failures.get(method);
    if (failure !== undefined) {
      this.#failures.delete(method);
      return Promise.reject(failure);
    }
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  }

  #get<T>(map: Map<string, T>, kind: string, id: string): T {
    const value = map.get(id);
    if (value === undefined) throw new RpcError(GrpcCode.NOT_FOUND, `${kind} ${id} not found`);
    return value;
  }

  #checkNameFree<T>(
    map: Map<string, T>,
    kind: string,
    name: string,
    nameOf: (t: T) => string | undefined,
  ): void {
    for (const t of map.values()) {
      if ((nameOf(t) ?? "").toLowerCase() === name.toLowerCase()) {
        throw new RpcError(
          GrpcCode.ALREADY_EXISTS,
          `${kind} ${name} already exists: pick another name, or remove the existing ${kind} first`,
        );
      }
    }
  }

  #checkVersion(meta: Meta | undefined, given: Version | undefined): void {
    if ((meta?.version?.index ?? 0n) !== (given?.index ?? 0n)) {
      throw new RpcError(
        GrpcCode.FAILED_PRECONDITION,
        "update out of sequence: the object changed since it was read; try again",
      );
    }
  }

  #meta(meta: Meta | undefined): Meta {
    const now = timestampFromDate(this.#now());
    return create(MetaSchema, {
      version: { index: ++this.#index },
      createdAt: meta?.createdAt ?? now,
      updatedAt: meta?.updatedAt ?? now,
    });
  }

  #touch(meta: Meta | undefined): Meta {
    return create(MetaSchema, {
      version: { index: ++this.#index },
      createdAt: meta?.createdAt ?? timestampFromDate(this.#now()),
      updatedAt: timestampFromDate(this.#now()),
    });
  }
}

interface NameFilters {
  names: string[];
  idPrefixes: string[];
  namePrefixes: string[];
}

function matches(id: string, name: string, f: NameFilters | undefined): boolean {
  if (f === undefined) return true;
  const lower = name.toLowerCase();
  return (f.names.length === 0 || f.names.some((n) => n.toLowerCase() === lower)) &&
    (f.idPrefixes.length === 0 || f.idPrefixes.some((p) => id.startsWith(p))) &&
    (f.namePrefixes.length === 0 || f.namePrefixes.some((p) => lower.startsWith(p.toLowerCase())));
}

function labelsMatch(
  labels: Record<string, string> | undefined,
  wanted: Record<string, string> | undefined,
): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([k, v]) =>
    labels !== undefined && Object.hasOwn(labels, k) && (v === "" || labels[k] === v)
  );
}

function validate(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) {
      throw new RpcError(GrpcCode.INVALID_ARGUMENT, err.message, { cause: err });
    }
    throw err;
  }
}

function redactSecret(secret: Secret): Secret {
  const copy = clone(SecretSchema, secret);
  if (copy.spec !== undefined) copy.spec.data = new Uint8Array();
  return copy;
}

function redactCluster(cluster: Cluster): Cluster {
  const copy = clone(ClusterSchema, cluster);
  if (copy.rootCa !== undefined) copy.rootCa.caKey = new Uint8Array();
  return copy;
}
