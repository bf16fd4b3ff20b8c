/**
 * The control API served by managers: reads come from the store, writes are store transactions
 * (and so go through Raft). Every spec is validated before anything is written, and store errors
 * become gRPC statuses a client can show as they are.
 *
 * Autolock (`../autolock.ts`): UpdateCluster turning `encryptionConfig.autoLockManagers` on
 * creates the managers' unlock key, turning it off removes it, and `rotation.managerUnlockKey`
 * replaces it; responses never carry it (`CA.GetUnlockKey` does, to managers).
 *
 * The cluster-topology rules (join token rotation, refused demotions, refused removals, the
 * certificate blacklist of removed nodes) are in `topology_rules.ts`, what UpdateService does to
 * a service (previous spec, update status, rollback) in `service_update.ts`, and the counts of
 * ListServiceStatuses in `service_status.ts`, all shared with the client's fake control API.
 * CreateService takes every mode; a job (replicated-job, global-job) starts at iteration 0,
 * and every UpdateService runs it again. Both refuse references to secrets or configs that do not
 * exist (`reference_check.ts`), and RemoveSecret/RemoveConfig refuse while a service uses one.
 *
 * @module
 */
import { clone, create } from "@bufbuild/protobuf";
import {
  type Cluster,
  ClusterSchema,
  ConfigSchema,
  type Node,
  NodeSchema,
  type Secret,
  SecretSchema,
  type Service,
  ServiceSchema,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  Control,
  ListServiceStatusesResponse_ServiceStatusSchema,
  UpdateServiceRequest_Rollback,
} from "../../proto/gen/swarm/v1/control_pb.ts";
import { RootCASchema, TaskState, VersionSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { ServiceImpl } from "../../proto/grpc_server.ts";
import {
  alreadyExists,
  failedPrecondition,
  GrpcStatusError,
  invalidArgument,
  notFound,
  unavailable,
  unimplemented,
} from "../../proto/grpc_status.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import type { RandomBytes } from "../../pki/mod.ts";
import { applyAutolock, AutolockOffError } from "../autolock.ts";
import {
  IdConflictError,
  NameConflictError,
  ObjectNotFoundError,
  SequenceConflictError,
} from "../store/errors.ts";
import { NotLeaderError } from "../../raft/types.ts";
import {
  insertServiceDefaults,
  isJobMode,
  validateClusterSpec,
  validateConfigSpec,
  validateNodeSpec,
  validateSecretSpec,
  validateServiceSpec,
  ValidationError,
} from "../validate/mod.ts";
import { filterByName, type NameFilters } from "./filters.ts";
import { missingReferences } from "./reference_check.ts";
import { serviceTaskCounts } from "./service_status.ts";
import { newJobStatus, serviceUpdateRefusal, updatedService } from "./service_update.ts";
import {
  blacklistEntry,
  demotionRefusal,
  isDemotion,
  removalRefusal,
  RootDigestError,
  rotateJoinTokens,
} from "./topology_rules.ts";

export interface ControlServerOptions {
  readonly store: MemoryStore;
  readonly newId: () => string;
  /** What GetVersion answers; `nodeId` is also the manager serving the API (always reachable). */
  readonly version: { readonly version: string; readonly nodeId: string };
  /** The clock for certificate blacklist expiries. @default the system clock */
  readonly now?: () => Date;
  /** Randomness of new unlock keys. @default Web Crypto */
  readonly randomBytes?: RandomBytes;
}

/** Map errors the store and validation raise to statuses the client shows. */
export function toStatus(e: unknown): unknown {
  if (e instanceof GrpcStatusError) return e;
  if (e instanceof ValidationError) return invalidArgument(e.message);
  if (e instanceof NameConflictError || e instanceof IdConflictError) {
    return alreadyExists(e.message);
  }
  if (e instanceof ObjectNotFoundError) return notFound(e.message);
  if (e instanceof SequenceConflictError) return failedPrecondition(e.message);
  if (e instanceof NotLeaderError) return unavailable(e.message);
  return e;
}

function wrap<A extends unknown[], R>(
  fn: (...args: A) => Promise<R> | R,
): (...args: A) => Promise<R> {
  return async (...args) => {
    try {
      return await fn(...args);
    } catch (e) {
      throw toStatus(e);
    }
  };
}

export function controlServer(o: ControlServerOptions): ServiceImpl<typeof Control> {
  const { store } = o;
  const now = o.now ?? (() => new Date());
  const must = <T>(value: T | undefined, kind: string, id: string): T => {
    if (value === undefined) throw notFound(`No such ${kind}: ${id}`);
    return value;
  };
  const lookup = {
    secret: (id: string) => store.get("secret", id),
    config: (id: string) => store.get("config", id),
  };
  /** A service may only reference secrets and configs that exist. */
  const checkReferences = (spec: Service["spec"]) => {
    const missing = missingReferences(spec, lookup);
    if (missing !== undefined) throw invalidArgument(missing);
  };
  const argument = (value: string, what: string) => {
    if (value === "") throw invalidArgument(`${what} must be given`);
    return value;
  };

  const impl: ServiceImpl<typeof Control> = {
    getVersion: () => ({
      version: o.version.version,
      denoVersion: Deno.version.deno,
      nodeId: o.version.nodeId,
    }),

    getNode: (req) => ({
      node: must(store.get("node", argument(req.nodeId, "node_id")), "node", req.nodeId),
    }),
    listNodes: (req) => ({
      nodes: filterByName(store.list("node"), nodeName, req.filters as NameFilters | undefined)
        .filter((n) => !req.filters?.roles.length || req.filters.roles.includes(n.role)),
    }),
    updateNode: async (req) => {
      const node = must(store.get("node", argument(req.nodeId, "node_id")), "node", req.nodeId);
      if (!req.spec) throw invalidArgument("spec must be given");
      validateNodeSpec(req.spec);
      if (isDemotion(node, req.spec.desiredRole)) {
        const refusal = demotionRefusal(store.list("node"), node, o.version.nodeId);
        if (refusal !== undefined) throw failedPrecondition(refusal);
      }
      // A promotion only records the wish: the leader's role reconciler changes the Raft
      // membership and the node's certificate, then sets `role`.
      const updated = clone(NodeSchema, node);
      updated.spec = req.spec;
      updated.meta = { ...updated.meta!, version: req.nodeVersion };
      await store.update((tx) => tx.update("node", updated));
      return { node: store.get("node", node.id) };
    },
    removeNode: async (req) => {
      const node = must(store.get("node", argument(req.nodeId, "node_id")), "node", req.nodeId);
      const refusal = removalRefusal(node, req.force);
      if (refusal !== undefined) throw failedPrecondition(refusal);
      const at = now();
      await store.update((tx) => {
        tx.remove("node", node);
        // From now on the node's certificate is refused (see manager/auth.ts).
        for (const cluster of store.list("cluster")) {
          const revoking = clone(ClusterSchema, cluster);
          revoking.blacklistedCertificates[node.id] = blacklistEntry(cluster, at);
          tx.update("cluster", revoking);
        }
        for (const t of store.tasksOfNode(node.id)) {
          if ((t.status?.state ?? 0) < TaskState.COMPLETE) {
            const orphan = clone(TaskSchema, t);
            orphan.status = {
              ...orphan.status!,
              state: TaskState.ORPHANED,
              message: "node was removed",
            };
            tx.update("task", orphan);
          }
        }
      });
      return {};
    },

    getTask: (req) => ({
      task: must(store.get("task", argument(req.taskId, "task_id")), "task", req.taskId),
    }),
    listTasks: (req) => {
      const f = req.filters;
      let tasks = filterByName(
        store.list("task"),
        (t: Task) => t.annotations?.name ?? "",
        f as NameFilters | undefined,
      );
      if (f?.serviceIds.length) tasks = tasks.filter((t) => f.serviceIds.includes(t.serviceId));
      if (f?.nodeIds.length) tasks = tasks.filter((t) => f.nodeIds.includes(t.nodeId));
      if (f?.desiredStates.length) {
        tasks = tasks.filter((t) => f.desiredStates.includes(t.desiredState));
      }
      return { tasks };
    },
    removeTask: async (req) => {
      const task = must(store.get("task", argument(req.taskId, "task_id")), "task", req.taskId);
      await store.update((tx) => tx.remove("task", task));
      return {};
    },

    getService: (req) => {
      const service = must(
        store.get("service", argument(req.serviceId, "service_id")),
        "service",
        req.serviceId,
      );
      if (!req.insertDefaults || !service.spec) return { service };
      const withDefaults = clone(ServiceSchema, service);
      withDefaults.spec = insertServiceDefaults(service.spec);
      return { service: withDefaults };
    },
    listServices: (req) => ({
      services: filterByName(
        store.list("service"),
        serviceName,
        req.filters as NameFilters | undefined,
      ),
    }),
    createService: async (req) => {
      if (!req.spec) throw invalidArgument("spec must be given");
      validateServiceSpec(req.spec);
      checkReferences(req.spec);
      const service = create(ServiceSchema, {
        id: o.newId(),
        spec: req.spec,
        specVersion: { index: 1n },
        ...(isJobMode(req.spec) ? { jobStatus: newJobStatus(now()) } : {}),
      });
      await store.update((tx) => tx.create("service", service));
      return { service: store.get("service", service.id) };
    },
    updateService: async (req) => {
      const current = must(
        store.get("service", argument(req.serviceId, "service_id")),
        "service",
        req.serviceId,
      );
      const rollback = req.rollback === UpdateServiceRequest_Rollback.PREVIOUS;
      if (!rollback) {
        if (!req.spec) throw invalidArgument("spec must be given");
        validateServiceSpec(req.spec);
      }
      const refusal = serviceUpdateRefusal(current, req);
      if (refusal !== undefined) {
        throw refusal.code === "FAILED_PRECONDITION"
          ? failedPrecondition(refusal.message)
          : refusal.code === "UNIMPLEMENTED"
          ? unimplemented(refusal.message)
          : invalidArgument(refusal.message);
      }
      const updated = updatedService(current, req, now());
      checkReferences(updated.spec);
      updated.meta = { ...updated.meta!, version: req.serviceVersion };
      updated.specVersion = create(VersionSchema, {
        index: (current.specVersion?.index ?? 0n) + 1n,
      });
      await store.update((tx) => tx.update("service", updated));
      return { service: store.get("service", current.id) };
    },
    removeService: async (req) => {
      const service = must(
        store.get("service", argument(req.serviceId, "service_id")),
        "service",
        req.serviceId,
      );
      await store.update((tx) => {
        tx.remove("service", service);
        for (const t of store.tasksOfService(service.id)) {
          if (t.desiredState !== TaskState.REMOVE) {
            const removed = clone(TaskSchema, t);
            removed.desiredState = TaskState.REMOVE;
            tx.update("task", removed);
          }
        }
      });
      return {};
    },
    listServiceStatuses: (req) => ({
      statuses: req.services.map((id) =>
        create(ListServiceStatusesResponse_ServiceStatusSchema, {
          serviceId: id,
          ...serviceTaskCounts(store.get("service", id), store.tasksOfService(id)),
        })
      ),
    }),

    getCluster: (req) => ({
      cluster: redact(
        must(store.get("cluster", argument(req.clusterId, "cluster_id")), "cluster", req.clusterId),
      ),
    }),
    listClusters: () => ({ clusters: store.list("cluster").map(redact) }),
    updateCluster: async (req) => {
      const current = must(
        store.get("cluster", argument(req.clusterId, "cluster_id")),
        "cluster",
        req.clusterId,
      );
      if (!req.spec) throw invalidArgument("spec must be given");
      validateClusterSpec(req.spec);
      if (req.spec.annotations?.name !== current.spec?.annotations?.name) {
        throw invalidArgument(`The cluster name must remain "${current.spec?.annotations?.name}"`);
      }
      const updated = clone(ClusterSchema, current);
      updated.spec = req.spec;
      updated.meta = { ...updated.meta!, version: req.clusterVersion };
      try {
        applyAutolock(updated, req.rotation, o.randomBytes);
      } catch (e) {
        if (e instanceof AutolockOffError) throw failedPrecondition(e.message);
        throw e;
      }
      if (req.rotation?.workerJoinToken || req.rotation?.managerJoinToken) {
        try {
          rotateJoinTokens(updated.rootCa ??= create(RootCASchema), req.rotation);
        } catch (e) {
          if (e instanceof RootDigestError) throw failedPrecondition(e.message);
          throw e;
        }
      }
      await store.update((tx) => tx.update("cluster", updated));
      return { cluster: redact(store.get("cluster", current.id)!) };
    },

    getSecret: (req) => ({
      secret: redactSecret(
        must(store.get("secret", argument(req.secretId, "secret_id")), "secret", req.secretId),
      ),
    }),
    listSecrets: (req) => ({
      secrets: filterByName(
        store.list("secret"),
        (s) => s.spec?.annotations?.name ?? "",
        req.filters as NameFilters | undefined,
      ).map(redactSecret),
    }),
    createSecret: async (req) => {
      if (!req.spec) throw invalidArgument("spec must be given");
      validateSecretSpec(req.spec);
      const secret = create(SecretSchema, { id: o.newId(), spec: req.spec });
      await store.update((tx) => tx.create("secret", secret));
      return { secret: redactSecret(store.get("secret", secret.id)!) };
    },
    removeSecret: async (req) => {
      const secret = must(
        store.get("secret", argument(req.secretId, "secret_id")),
        "secret",
        req.secretId,
      );
      const user = store.list("service").find((s) => referencesSecret(s, secret.id));
      if (user) {
        throw failedPrecondition(
          `Secret ${secret.spec?.annotations?.name} is in use by service ${user.spec?.annotations?.name}`,
        );
      }
      await store.update((tx) => tx.remove("secret", secret));
      return {};
    },

    getConfig: (req) => ({
      config: must(
        store.get("config", argument(req.configId, "config_id")),
        "config",
        req.configId,
      ),
    }),
    listConfigs: (req) => ({
      configs: filterByName(
        store.list("config"),
        (c) => c.spec?.annotations?.name ?? "",
        req.filters as NameFilters | undefined,
      ),
    }),
    createConfig: async (req) => {
      if (!req.spec) throw invalidArgument("spec must be given");
      validateConfigSpec(req.spec);
      const config = create(ConfigSchema, { id: o.newId(), spec: req.spec });
      await store.update((tx) => tx.create("config", config));
      return { config: store.get("config", config.id) };
    },
    removeConfig: async (req) => {
      const config = must(
        store.get("config", argument(req.configId, "config_id")),
        "config",
        req.configId,
      );
      const user = store.list("service").find((s) => referencesConfig(s, config.id));
      if (user) {
        throw failedPrecondition(
          `Config ${config.spec?.annotations?.name} is in use by service ${user.spec?.annotations?.name}`,
        );
      }
      await store.update((tx) => tx.remove("config", config));
      return {};
    },
  };
  const wrapped: Record<string, unknown> = {};
  for (const [name, fn] of Object.entries(impl)) {
    wrapped[name] = wrap(fn as (...a: unknown[]) => unknown);
  }
  return wrapped as ServiceImpl<typeof Control>;
}

const nodeName = (n: Node) => n.spec?.annotations?.name || n.description?.hostname || "";
const serviceName = (s: Service) => s.spec?.annotations?.name ?? "";

/** Private key material never leaves the managers. */
function redact(cluster: Cluster): Cluster {
  const c = clone(ClusterSchema, cluster);
  if (c.rootCa) c.rootCa.caKey = new Uint8Array();
  c.unlockKeys = [];
  c.networkBootstrapKeys = [];
  return c;
}

/** Secret data is never returned. */
function redactSecret(secret: Secret): Secret {
  const s = clone(SecretSchema, secret);
  if (s.spec) s.spec.data = new Uint8Array();
  return s;
}

function runtimeRefs(s: Service) {
  const rt = s.spec?.task?.runtime;
  return rt?.case === undefined ? { secrets: [], configs: [] } : rt.value;
}
const referencesSecret = (s: Service, id: string) =>
  runtimeRefs(s).secrets.some((r) => r.secretId === id);
const referencesConfig = (s: Service, id: string) =>
  runtimeRefs(s).configs.some((r) => r.configId === id);
