/**
 * An in-memory {@linkcode ControlApi} for tests. It behaves like the manager's control API for
 * what the client relies on: IDs and versions, case-insensitive unique names, optimistic
 * concurrency, spec validation (INVALID_ARGUMENT), NOT_FOUND, filters, service statuses counted
 * from its tasks, and the managers' topology rules (join token rotation, refused demotions and
 * removals, removed nodes' certificates blacklisted), autolock and its unlock key, and a locked
 * node (`locked`: every call but `unlock` fails as on a locked manager). It records every call
 * and can pretend to be unreachable.
 *
 * The handlers live in `fake_control_api/` by kind; this class puts them behind the API.
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

import { create } from "@bufbuild/protobuf";
import type * as pb from "../proto/gen/swarm/v1/control_pb.ts";
import { GetVersionResponseSchema } from "../proto/gen/swarm/v1/control_pb.ts";
import type * as ca from "../proto/gen/swarm/v1/ca_pb.ts";
import type * as logs from "../proto/gen/swarm/v1/logs_pb.ts";
import {
  type UnlockRequest,
  type UnlockResponse,
  UnlockResponseSchema,
} from "../proto/gen/swarm/v1/nodelock_pb.ts";
import { LOCKED_MESSAGE, WRONG_KEY_MESSAGE } from "./locked_node.ts";
import type { ControlApi, ControlMethod } from "./control_api.ts";
import { GrpcCode, MUTATING_METHODS, RpcError } from "./control_api.ts";
import { FakeObjects } from "./fake_control_api/objects.ts";
import * as cluster from "./fake_control_api/cluster.ts";
import * as nodes from "./fake_control_api/nodes.ts";
import * as stored from "./fake_control_api/secrets_configs.ts";
import * as services from "./fake_control_api/services.ts";

/** One recorded call. */
export interface FakeCall {
  method: ControlMethod;
  request: unknown;
}

/** Options of {@linkcode FakeControlApi}. */
export interface FakeControlApiOptions {
  /** The clock for meta timestamps and blacklist expiries. @default the system clock */
  now?: () => Date;
  /** Seed of the ID generator. @default 1 */
  seed?: number;
  /** Create the "default" cluster object. @default true */
  cluster?: boolean;
  /**
   * GetVersion's answer. Its `nodeId` is the manager the fake pretends to be, which counts as
   * reachable when a demotion is checked.
   */
  version?: { version: string; denoVersion: string; nodeId: string };
}

/** An in-memory control API. */
export class FakeControlApi extends FakeObjects implements ControlApi {
  /** Every call, in order. */
  readonly calls: FakeCall[] = [];
  /** When true every call fails with UNAVAILABLE, as when no manager listens on the socket. */
  unreachable = false;
  /** When set, the fake is a locked manager waiting for this unlock key: every call but
   * `unlock` fails with FAILED_PRECONDITION, and `unlock` with this key unlocks it. */
  locked: Uint8Array | undefined;

  readonly #version: { version: string; denoVersion: string; nodeId: string };
  readonly #failures = new Map<ControlMethod, Error>();

  constructor(options: FakeControlApiOptions = {}) {
    super({
      ...(options.now ? { now: options.now } : {}),
      ...(options.seed === undefined ? {} : { seed: options.seed }),
    });
    this.#version = options.version ??
      { version: "0.1.0", denoVersion: "2.9.3", nodeId: "fakenode" };
    if (options.cluster ?? true) {
      this.addCluster({ spec: { annotations: { name: "default" } } });
    }
  }

  // ---- test helpers (the `add*` helpers and the tables come from FakeObjects) ----

  /** The recorded calls that change state (create, update, remove). */
  mutatingCalls(): FakeCall[] {
    return this.calls.filter((c) => MUTATING_METHODS.includes(c.method));
  }

  /** Makes the next call of `method` fail with `error`. */
  failNext(method: ControlMethod, error: Error): void {
    this.#failures.set(method, error);
  }

  // ---- ControlApi ----

  /** What `subscribeLogs` streams, one batch per entry (set by tests). */
  logBatches: logs.SubscribeLogsMessage[] = [];

  subscribeLogs(req: logs.SubscribeLogsRequest): Promise<AsyncIterable<logs.SubscribeLogsMessage>> {
    const batches = this.logBatches;
    return this.#call("subscribeLogs", req, () =>
      (async function* () {
        yield* batches;
      })());
  }

  getVersion(req: pb.GetVersionRequest): Promise<pb.GetVersionResponse> {
    return this.#call("getVersion", req, () => create(GetVersionResponseSchema, this.#version));
  }

  getNode(req: pb.GetNodeRequest): Promise<pb.GetNodeResponse> {
    return this.#call("getNode", req, () => nodes.getNode(this, req));
  }
  listNodes(req: pb.ListNodesRequest): Promise<pb.ListNodesResponse> {
    return this.#call("listNodes", req, () => nodes.listNodes(this, req));
  }
  updateNode(req: pb.UpdateNodeRequest): Promise<pb.UpdateNodeResponse> {
    return this.#call("updateNode", req, () => nodes.updateNode(this, req, this.#version.nodeId));
  }
  removeNode(req: pb.RemoveNodeRequest): Promise<pb.RemoveNodeResponse> {
    return this.#call("removeNode", req, () => nodes.removeNode(this, req));
  }

  getTask(req: pb.GetTaskRequest): Promise<pb.GetTaskResponse> {
    return this.#call("getTask", req, () => services.getTask(this, req));
  }
  listTasks(req: pb.ListTasksRequest): Promise<pb.ListTasksResponse> {
    return this.#call("listTasks", req, () => services.listTasks(this, req));
  }

  getService(req: pb.GetServiceRequest): Promise<pb.GetServiceResponse> {
    return this.#call("getService", req, () => services.getService(this, req));
  }
  listServices(req: pb.ListServicesRequest): Promise<pb.ListServicesResponse> {
    return this.#call("listServices", req, () => services.listServices(this, req));
  }
  createService(req: pb.CreateServiceRequest): Promise<pb.CreateServiceResponse> {
    return this.#call("createService", req, () => services.createService(this, req));
  }
  updateService(req: pb.UpdateServiceRequest): Promise<pb.UpdateServiceResponse> {
    return this.#call("updateService", req, () => services.updateService(this, req));
  }
  removeService(req: pb.RemoveServiceRequest): Promise<pb.RemoveServiceResponse> {
    return this.#call("removeService", req, () => services.removeService(this, req));
  }
  listServiceStatuses(
    req: pb.ListServiceStatusesRequest,
  ): Promise<pb.ListServiceStatusesResponse> {
    return this.#call("listServiceStatuses", req, () => services.listServiceStatuses(this, req));
  }

  getCluster(req: pb.GetClusterRequest): Promise<pb.GetClusterResponse> {
    return this.#call("getCluster", req, () => cluster.getCluster(this, req));
  }
  listClusters(req: pb.ListClustersRequest): Promise<pb.ListClustersResponse> {
    return this.#call("listClusters", req, () => cluster.listClusters(this));
  }
  updateCluster(req: pb.UpdateClusterRequest): Promise<pb.UpdateClusterResponse> {
    return this.#call("updateCluster", req, () => cluster.updateCluster(this, req));
  }

  getSecret(req: pb.GetSecretRequest): Promise<pb.GetSecretResponse> {
    return this.#call("getSecret", req, () => stored.getSecret(this, req));
  }
  listSecrets(req: pb.ListSecretsRequest): Promise<pb.ListSecretsResponse> {
    return this.#call("listSecrets", req, () => stored.listSecrets(this, req));
  }
  createSecret(req: pb.CreateSecretRequest): Promise<pb.CreateSecretResponse> {
    return this.#call("createSecret", req, () => stored.createSecret(this, req));
  }
  removeSecret(req: pb.RemoveSecretRequest): Promise<pb.RemoveSecretResponse> {
    return this.#call("removeSecret", req, () => stored.removeSecret(this, req));
  }

  getConfig(req: pb.GetConfigRequest): Promise<pb.GetConfigResponse> {
    return this.#call("getConfig", req, () => stored.getConfig(this, req));
  }
  listConfigs(req: pb.ListConfigsRequest): Promise<pb.ListConfigsResponse> {
    return this.#call("listConfigs", req, () => stored.listConfigs(this, req));
  }
  createConfig(req: pb.CreateConfigRequest): Promise<pb.CreateConfigResponse> {
    return this.#call("createConfig", req, () => stored.createConfig(this, req));
  }
  removeConfig(req: pb.RemoveConfigRequest): Promise<pb.RemoveConfigResponse> {
    return this.#call("removeConfig", req, () => stored.removeConfig(this, req));
  }

  getUnlockKey(req: ca.GetUnlockKeyRequest): Promise<ca.GetUnlockKeyResponse> {
    return this.#call("getUnlockKey", req, () => cluster.getUnlockKey(this));
  }
  unlock(req: UnlockRequest): Promise<UnlockResponse> {
    return this.#call("unlock", req, () => {
      const want = this.locked;
      if (want === undefined) {
        throw new RpcError(
          GrpcCode.FAILED_PRECONDITION,
          "This node is not locked: it is running and serving (nothing to unlock)",
        );
      }
      const key = req.unlockKey;
      if (key.length !== want.length || !key.every((b, i) => b === want[i])) {
        throw new RpcError(GrpcCode.INVALID_ARGUMENT, WRONG_KEY_MESSAGE);
      }
      this.locked = undefined;
      return create(UnlockResponseSchema);
    });
  }

  #call<T>(method: ControlMethod, request: unknown, fn: () => T): Promise<T> {
    this.calls.push({ method, request });
    if (this.unreachable) {
      return Promise.reject(new RpcError(GrpcCode.UNAVAILABLE, "No connection established"));
    }
    if (this.locked !== undefined && method !== "unlock") {
      return Promise.reject(new RpcError(GrpcCode.FAILED_PRECONDITION, LOCKED_MESSAGE));
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
}
