/**
 * The object tables of the fake control API and what every handler shares: IDs, versions,
 * optimistic concurrency, NOT_FOUND, unique names, filters and redaction. Handlers for each kind
 * live next to this file; `../fake_control_api.ts` puts them together.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  ClusterSchema,
  ConfigSchema,
  NodeSchema,
  SecretSchema,
  ServiceSchema,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import type {
  Cluster,
  Config,
  Node,
  Secret,
  Service,
  Task,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import { MetaSchema, VersionSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { Meta, Version } from "../../proto/gen/swarm/v1/types_pb.ts";
import { ValidationError } from "../../manager/validate/mod.ts";
import { GrpcCode, RpcError } from "../control_api.ts";

type Init<S extends Parameters<typeof create>[0]> = MessageInitShape<S>;

/** Options of {@link FakeObjects}. */
export interface FakeObjectsOptions {
  /** The clock for meta timestamps. @default the system clock */
  now?: () => Date;
  /** Seed of the ID generator. @default 1 */
  seed?: number;
}

/** The fake's tables, with helpers to fill them and to answer like the manager does. */
export class FakeObjects {
  readonly nodes = new Map<string, Node>();
  readonly services = new Map<string, Service>();
  readonly tasks = new Map<string, Task>();
  readonly clusters = new Map<string, Cluster>();
  readonly secrets = new Map<string, Secret>();
  readonly configs = new Map<string, Config>();
  /** The clock of meta timestamps and blacklist expiries. */
  readonly now: () => Date;

  #index = 0n;
  #seed: number;

  constructor(options: FakeObjectsOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.#seed = options.seed ?? 1;
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
    node.meta = this.meta(node.meta);
    this.nodes.set(node.id, node);
    return node;
  }

  /** Stores a service as given (no validation); fills id, meta and spec_version. */
  addService(init: Init<typeof ServiceSchema> = {}): Service {
    const svc = create(ServiceSchema, init);
    svc.id ||= this.newId();
    svc.meta = this.meta(svc.meta);
    svc.specVersion ??= clone(VersionSchema, svc.meta.version!);
    this.services.set(svc.id, svc);
    return svc;
  }

  /** Stores a task as given; fills id and meta. */
  addTask(init: Init<typeof TaskSchema> = {}): Task {
    const task = create(TaskSchema, init);
    task.id ||= this.newId();
    task.meta = this.meta(task.meta);
    this.tasks.set(task.id, task);
    return task;
  }

  /** Stores a cluster as given; fills id and meta. */
  addCluster(init: Init<typeof ClusterSchema> = {}): Cluster {
    const cluster = create(ClusterSchema, init);
    cluster.id ||= this.newId();
    cluster.meta = this.meta(cluster.meta);
    this.clusters.set(cluster.id, cluster);
    return cluster;
  }

  /** Stores a secret as given; fills id and meta. */
  addSecret(init: Init<typeof SecretSchema> = {}): Secret {
    const secret = create(SecretSchema, init);
    secret.id ||= this.newId();
    secret.meta = this.meta(secret.meta);
    this.secrets.set(secret.id, secret);
    return secret;
  }

  /** Stores a config as given; fills id and meta. */
  addConfig(init: Init<typeof ConfigSchema> = {}): Config {
    const config = create(ConfigSchema, init);
    config.id ||= this.newId();
    config.meta = this.meta(config.meta);
    this.configs.set(config.id, config);
    return config;
  }

  /** The object with `id`, or NOT_FOUND. */
  get<T>(map: Map<string, T>, kind: string, id: string): T {
    const value = map.get(id);
    if (value === undefined) throw new RpcError(GrpcCode.NOT_FOUND, `${kind} ${id} not found`);
    return value;
  }

  /** ALREADY_EXISTS when another object of the kind has `name` (case-insensitively). */
  checkNameFree<T>(
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

  /** FAILED_PRECONDITION when `given` is not the object's current version. */
  checkVersion(meta: Meta | undefined, given: Version | undefined): void {
    if ((meta?.version?.index ?? 0n) !== (given?.index ?? 0n)) {
      throw new RpcError(
        GrpcCode.FAILED_PRECONDITION,
        "update out of sequence: the object changed since it was read; try again",
      );
    }
  }

  /** A meta for a new object: the next version, keeping given timestamps. */
  meta(meta: Meta | undefined): Meta {
    const now = timestampFromDate(this.now());
    return create(MetaSchema, {
      version: { index: ++this.#index },
      createdAt: meta?.createdAt ?? now,
      updatedAt: meta?.updatedAt ?? now,
    });
  }

  /** A meta for an updated object: the next version, updated now. */
  touch(meta: Meta | undefined): Meta {
    return create(MetaSchema, {
      version: { index: ++this.#index },
      createdAt: meta?.createdAt ?? timestampFromDate(this.now()),
      updatedAt: timestampFromDate(this.now()),
    });
  }
}

/** The name/ID filters every List request shares. */
export interface NameFilters {
  names: string[];
  idPrefixes: string[];
  namePrefixes: string[];
}

/** Whether an object matches the name/ID filters (names case-insensitively). */
export function matches(id: string, name: string, f: NameFilters | undefined): boolean {
  if (f === undefined) return true;
  const lower = name.toLowerCase();
  return (f.names.length === 0 || f.names.some((n) => n.toLowerCase() === lower)) &&
    (f.idPrefixes.length === 0 || f.idPrefixes.some((p) => id.startsWith(p))) &&
    (f.namePrefixes.length === 0 || f.namePrefixes.some((p) => lower.startsWith(p.toLowerCase())));
}

/** Whether `labels` has every wanted key (and value, when one is given). */
export function labelsMatch(
  labels: Record<string, string> | undefined,
  wanted: Record<string, string> | undefined,
): boolean {
  if (wanted === undefined) return true;
  return Object.entries(wanted).every(([k, v]) =>
    labels !== undefined && Object.hasOwn(labels, k) && (v === "" || labels[k] === v)
  );
}

/** Runs a spec validation; a {@link ValidationError} becomes INVALID_ARGUMENT. */
export function validate(fn: () => void): void {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) {
      throw new RpcError(GrpcCode.INVALID_ARGUMENT, err.message, { cause: err });
    }
    throw err;
  }
}

/** A copy of a secret without its data, as the manager answers. */
export function redactSecret(secret: Secret): Secret {
  const copy = clone(SecretSchema, secret);
  if (copy.spec !== undefined) copy.spec.data = new Uint8Array();
  return copy;
}

/** A copy of a cluster without private key material, as the manager answers. */
export function redactCluster(cluster: Cluster): Cluster {
  const copy = clone(ClusterSchema, cluster);
  if (copy.rootCa !== undefined) copy.rootCa.caKey = new Uint8Array();
  copy.unlockKeys = [];
  copy.networkBootstrapKeys = [];
  return copy;
}
