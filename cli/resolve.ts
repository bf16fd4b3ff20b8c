/**
 * Turning what the user typed into an object, like Docker: an exact ID wins, then an exact
 * name (case-insensitive for names; an exact-case match is preferred), then a unique ID prefix.
 * Several matches give an error that lists them; none gives "no such service: X".
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import {
  ListClustersRequestSchema,
  ListConfigsRequestSchema,
  ListNodesRequestSchema,
  ListSecretsRequestSchema,
  ListServicesRequestSchema,
  ListTasksRequestSchema,
} from "../proto/gen/swarm/v1/control_pb.ts";
import type {
  Cluster,
  Config,
  Node,
  Secret,
  Service,
  Task,
} from "../proto/gen/swarm/v1/objects_pb.ts";
import type { ControlApi } from "./control_api.ts";

/** A reference that matched no object, or more than one. */
export class ResolveError extends Error {
  override name = "ResolveError";
  /** "not-found" or "ambiguous". */
  readonly reason: "not-found" | "ambiguous";
  /** The IDs that matched (empty when not found). */
  readonly candidates: readonly string[];

  constructor(message: string, reason: "not-found" | "ambiguous", candidates: string[] = []) {
    super(message);
    this.reason = reason;
    this.candidates = candidates;
  }
}

/** How to match one object: its ID and the names it may be called by. */
export interface Identity {
  id: string;
  names: readonly string[];
}

/**
 * Picks the object `ref` refers to among `items`.
 *
 * @param kind the object kind for messages, e.g. "service".
 * @throws {ResolveError}
 */
export function resolveRef<T>(
  kind: string,
  ref: string,
  items: readonly T[],
  identify: (item: T) => Identity,
): T {
  const all = items.map((item) => ({ item, ...identify(item) }));
  const byId = all.find((x) => x.id === ref);
  if (byId !== undefined) return byId.item;
  if (ref === "") throw new ResolveError(`no such ${kind}: ""`, "not-found");

  const exact = all.filter((x) => x.names.includes(ref));
  const named = exact.length > 0
    ? exact
    : all.filter((x) => x.names.some((n) => n.toLowerCase() === ref.toLowerCase()));
  if (named.length === 1) return named[0]!.item;
  if (named.length > 1) {
    throw new ResolveError(
      `ambiguous ${kind} name ${JSON.stringify(ref)}: ${named.length} ${kind}s have it (${
        named.map((x) => x.id).join(", ")
      }); use the ID instead`,
      "ambiguous",
      named.map((x) => x.id),
    );
  }

  const lowerRef = ref.toLowerCase();
  const prefixed = all.filter((x) => x.id.toLowerCase().startsWith(lowerRef));
  if (prefixed.length === 1) return prefixed[0]!.item;
  if (prefixed.length > 1) {
    const list = prefixed.map((x) => x.names[0] ? `${x.id} (${x.names[0]})` : x.id).join(", ");
    throw new ResolveError(
      `ambiguous ${kind} ID prefix ${
        JSON.stringify(ref)
      }: it matches ${prefixed.length} ${kind}s: ${list}; give more of the ID`,
      "ambiguous",
      prefixed.map((x) => x.id),
    );
  }
  throw new ResolveError(`no such ${kind}: ${ref}`, "not-found");
}

/** The identity of a service: ID and name. */
export function serviceIdentity(s: Service): Identity {
  return { id: s.id, names: nonEmpty(s.spec?.annotations?.name) };
}

/** The identity of a node: ID, node name and hostname. */
export function nodeIdentity(n: Node): Identity {
  return { id: n.id, names: nonEmpty(n.spec?.annotations?.name, n.description?.hostname) };
}

/** The identity of a task: ID and its name if it has one. */
export function taskIdentity(t: Task): Identity {
  return { id: t.id, names: nonEmpty(t.annotations?.name) };
}

function nonEmpty(...names: (string | undefined)[]): string[] {
  return [...new Set(names.filter((n): n is string => n !== undefined && n !== ""))];
}

/** Resolves services, listing them once. @throws {ResolveError} */
export async function resolveServices(
  api: ControlApi,
  refs: readonly string[],
): Promise<Service[]> {
  const { services } = await api.listServices(create(ListServicesRequestSchema));
  return refs.map((ref) => resolveRef("service", ref, services, serviceIdentity));
}

/** Resolves one service. @throws {ResolveError} */
export async function resolveService(api: ControlApi, ref: string): Promise<Service> {
  const [svc] = await resolveServices(api, [ref]);
  return svc!;
}

/** Resolves one node by ID, name or hostname. @throws {ResolveError} */
export async function resolveNode(api: ControlApi, ref: string): Promise<Node> {
  const { nodes } = await api.listNodes(create(ListNodesRequestSchema));
  return resolveRef("node", ref, nodes, nodeIdentity);
}

/** Resolves one task by ID, ID prefix or name. @throws {ResolveError} */
export async function resolveTask(api: ControlApi, ref: string): Promise<Task> {
  const { tasks } = await api.listTasks(create(ListTasksRequestSchema));
  return resolveRef("task", ref, tasks, taskIdentity);
}

/** Resolves one secret. @throws {ResolveError} */
export async function resolveSecret(api: ControlApi, ref: string): Promise<Secret> {
  const { secrets } = await api.listSecrets(create(ListSecretsRequestSchema));
  return resolveRef("secret", ref, secrets, (s) => ({
    id: s.id,
    names: nonEmpty(s.spec?.annotations?.name),
  }));
}

/** Resolves one config. @throws {ResolveError} */
export async function resolveConfig(api: ControlApi, ref: string): Promise<Config> {
  const { configs } = await api.listConfigs(create(ListConfigsRequestSchema));
  return resolveRef("config", ref, configs, (c) => ({
    id: c.id,
    names: nonEmpty(c.spec?.annotations?.name),
  }));
}

/** Resolves the cluster; with no reference, the only cluster. @throws {ResolveError} */
export async function resolveCluster(api: ControlApi, ref?: string): Promise<Cluster> {
  const { clusters } = await api.listClusters(create(ListClustersRequestSchema));
  if (ref === undefined) {
    if (clusters.length === 1) return clusters[0]!;
    if (clusters.length === 0) throw new ResolveError("no cluster found", "not-found");
    throw new ResolveError(
      `there are ${clusters.length} clusters: name one, e.g. swarm cluster inspect default`,
      "ambiguous",
      clusters.map((c) => c.id),
    );
  }
  return resolveRef("cluster", ref, clusters, (c) => ({
    id: c.id,
    names: nonEmpty(c.spec?.annotations?.name),
  }));
}
