/**
 * The managers' object store: an in-memory table per kind whose every write is a Raft proposal.
 *
 * Writers build a transaction (`update`), which is encoded and handed to the {@link Proposer}.
 * Nothing changes until Raft commits the entry and the shell calls {@link MemoryStore.apply},
 * which validates and applies the transaction deterministically on every manager: versions are
 * checked there (optimistic concurrency: `meta.version.index` is the Raft index of the write that
 * produced the object), names are checked for uniqueness, and times come from the proposer's
 * clock carried in the entry. A transaction applies completely or not at all.
 *
 * Reads return the stored objects themselves: treat them as read-only and `clone` before
 * changing one for a write.
 *
 * @module
 */
import { clone, create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { type Timestamp, timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  StoreAction_Kind,
  type StoreSnapshot,
  StoreSnapshotSchema,
  type StoreTransaction,
  StoreTransactionSchema,
} from "../../proto/gen/swarm/v1/store_pb.ts";
import { MetaSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  IdConflictError,
  NameConflictError,
  ObjectNotFoundError,
  SequenceConflictError,
} from "./errors.ts";
import {
  fromStoreObject,
  KIND_INFO,
  OBJECT_KINDS,
  type ObjectKind,
  type ObjectTypes,
  type TaggedObject,
  toStoreObject,
} from "./objects.ts";

/** The seam between the store and Raft. */
export interface Proposer {
  /** Replicate `data`; resolve once the entry has been applied locally through `apply`. */
  propose(data: Uint8Array): Promise<void>;
}

export type StoreEventAction = "create" | "update" | "remove";

export type StoreEvent =
  & { readonly action: StoreEventAction }
  & TaggedObject
  & { readonly old?: TaggedObject["object"] };

/** Called after each applied transaction with its changes; `reset` after a snapshot restore. */
export type StoreListener = (events: readonly StoreEvent[], reset: boolean) => void;

/** Thrown when one transaction would exceed what a Raft entry may carry. */
export class TransactionTooLargeError extends Error {
  override readonly name = "TransactionTooLargeError";
  constructor(bytes: number) {
    super(
      `Transaction of ${bytes} bytes exceeds the ${MAX_TRANSACTION_BYTES}-byte limit: split it`,
    );
  }
}

/** SwarmKit's limit for one serialized transaction. */
export const MAX_TRANSACTION_BYTES = 1.5 * 1024 * 1024;
const SNAPSHOT_FORMAT = 1;

interface PendingAction {
  readonly kind: StoreAction_Kind;
  readonly tagged: TaggedObject;
}

/** Records the writes of one transaction. Reads go to the store as it is. */
export class WriteTx {
  readonly #actions = new Map<string, PendingAction>();

  create<K extends ObjectKind>(kind: K, object: ObjectTypes[K]): void {
    this.#put(StoreAction_Kind.CREATE, kind, object);
  }
  /** `object.meta.version` must be the version read: the write fails if it changed since. */
  update<K extends ObjectKind>(kind: K, object: ObjectTypes[K]): void {
    this.#put(StoreAction_Kind.UPDATE, kind, object);
  }
  remove<K extends ObjectKind>(kind: K, object: ObjectTypes[K]): void {
    this.#put(StoreAction_Kind.REMOVE, kind, object);
  }
  get size(): number {
    return this.#actions.size;
  }
  /** @internal */
  actions(): Iterable<PendingAction> {
    return this.#actions.values();
  }
  #put<K extends ObjectKind>(kind: StoreAction_Kind, k: K, object: ObjectTypes[K]): void {
    const key = `${k}/${object.id}`;
    const earlier = this.#actions.get(key);
    // A create followed by an update in one transaction is still a create.
    const merged = earlier?.kind === StoreAction_Kind.CREATE && kind === StoreAction_Kind.UPDATE
      ? StoreAction_Kind.CREATE
      : kind;
    this.#actions.set(key, { kind: merged, tagged: { kind: k, object } as TaggedObject });
  }
}

export interface MemoryStoreOptions {
  readonly proposer: Proposer;
  /** The proposer-side clock written into transactions. */
  readonly now: () => Date;
  /** Source of request IDs that match applied entries to waiting callers. */
  readonly newRequestId: () => string;
}

type Tables = { [K in ObjectKind]: Map<string, ObjectTypes[K]> };

export class MemoryStore {
  readonly #options: MemoryStoreOptions;
  #tables: Tables = emptyTables();
  #names = new Map<string, string>(); // `${kind}/${lowercased name}` → id
  #tasksByService = new Map<string, Set<string>>();
  #tasksByNode = new Map<string, Set<string>>();
  #appliedIndex = 0n;
  readonly #pending = new Map<string, { resolve: () => void; reject: (e: Error) => void }>();
  readonly #listeners = new Set<StoreListener>();

  constructor(options: MemoryStoreOptions) {
    this.#options = options;
  }

  /** Raft index of the last applied write. */
  get appliedIndex(): bigint {
    return this.#appliedIndex;
  }

  get<K extends ObjectKind>(kind: K, id: string): ObjectTypes[K] | undefined {
    return this.#tables[kind].get(id);
  }

  list<K extends ObjectKind>(kind: K): ObjectTypes[K][] {
    return [...this.#tables[kind].values()];
  }

  /** Case-insensitive lookup for kinds with unique names. */
  getByName<K extends ObjectKind>(kind: K, name: string): ObjectTypes[K] | undefined {
    const id = this.#names.get(`${kind}/${name.toLowerCase()}`);
    return id === undefined ? undefined : this.#tables[kind].get(id);
  }

  tasksOfService(serviceId: string): Task[] {
    return this.#tasksIn(this.#tasksByService.get(serviceId));
  }

  tasksOfNode(nodeId: string): Task[] {
    return this.#tasksIn(this.#tasksByNode.get(nodeId));
  }

  watch(listener: StoreListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /**
   * Build a transaction with `build` and replicate it. Resolves once applied; rejects with
   * {@link SequenceConflictError}, {@link NameConflictError} and friends when it did not apply.
   */
  async update(build: (tx: WriteTx) => void): Promise<void> {
    const tx = new WriteTx();
    build(tx);
    if (tx.size === 0) return;
    const requestId = this.#options.newRequestId();
    const message = create(StoreTransactionSchema, {
      requestId,
      proposedAt: timestampFromDate(this.#options.now()),
      actions: [...tx.actions()].map((a) => ({
        kind: a.kind,
        object: { object: toStoreObject(a.tagged) },
      })),
    });
    const data = toBinary(StoreTransactionSchema, message);
    if (data.length > MAX_TRANSACTION_BYTES) throw new TransactionTooLargeError(data.length);
    const applied = new Promise<void>((resolve, reject) => {
      this.#pending.set(requestId, { resolve, reject });
    });
    try {
      await this.#options.proposer.propose(data);
    } catch (e) {
      this.#pending.delete(requestId);
      throw e;
    }
    const stillPending = this.#pending.get(requestId);
    if (stillPending) {
      this.#pending.delete(requestId);
      stillPending.reject(new Error("The write was committed but not applied: retry it"));
    }
    return applied;
  }

  /** Apply a committed Raft entry. Deterministic: every manager reaches the same state. */
  apply(data: Uint8Array, index: bigint): void {
    let tx: StoreTransaction;
    try {
      tx = fromBinary(StoreTransactionSchema, data);
    } catch {
      // A malformed entry cannot have come from a store; skip it rather than stop applying.
      this.#appliedIndex = index;
      return;
    }
    const waiter = this.#pending.get(tx.requestId);
    this.#pending.delete(tx.requestId);
    let events: StoreEvent[];
    try {
      events = this.#applyTransaction(tx, index);
    } catch (e) {
      this.#appliedIndex = index;
      waiter?.reject(e instanceof Error ? e : new Error(String(e)));
      return;
    }
    this.#appliedIndex = index;
    waiter?.resolve();
    this.#emit(events, false);
  }

  snapshot(): Uint8Array {
    const t = this.#tables;
    return toBinary(StoreSnapshotSchema, {
      $typeName: "swarm.v1.StoreSnapshot",
      formatVersion: SNAPSHOT_FORMAT,
      nodes: [...t.node.values()],
      services: [...t.service.values()],
      tasks: [...t.task.values()],
      clusters: [...t.cluster.values()],
      secrets: [...t.secret.values()],
      configs: [...t.config.values()],
    });
  }

  restore(data: Uint8Array, index: bigint): void {
    const s: StoreSnapshot = fromBinary(StoreSnapshotSchema, data);
    if (s.formatVersion !== SNAPSHOT_FORMAT) {
      throw new Error(
        `Store snapshot format ${s.formatVersion} is not supported (expected ${SNAPSHOT_FORMAT}): upgrade swarm`,
      );
    }
    this.#tables = emptyTables();
    this.#names.clear();
    this.#tasksByService.clear();
    this.#tasksByNode.clear();
    const load = <K extends ObjectKind>(kind: K, objects: ObjectTypes[K][]) => {
      for (const o of objects) this.#set({ kind, object: o } as TaggedObject, undefined);
    };
    load("node", s.nodes);
    load("service", s.services);
    load("task", s.tasks);
    load("cluster", s.clusters);
    load("secret", s.secrets);
    load("config", s.configs);
    this.#appliedIndex = index;
    this.#emit([], true);
  }

  #applyTransaction(tx: StoreTransaction, index: bigint): StoreEvent[] {
    const at: Timestamp | undefined = tx.proposedAt;
    // Stage every change against the current state plus the earlier changes of this transaction.
    const staged = new Map<string, TaggedObject | null>();
    const current = (kind: ObjectKind, id: string): TaggedObject["object"] | undefined => {
      const key = `${kind}/${id}`;
      if (staged.has(key)) return staged.get(key)?.object;
      return this.#tables[kind].get(id);
    };
    const events: StoreEvent[] = [];
    for (const action of tx.actions) {
      const tagged = action.object ? fromStoreObject(action.object.object) : undefined;
      if (!tagged || tagged.object.id === "") throw new Error("Malformed store action");
      const { kind } = tagged;
      const id = tagged.object.id;
      const old = current(kind, id);
      const key = `${kind}/${id}`;
      if (action.kind === StoreAction_Kind.CREATE) {
        if (old) throw new IdConflictError(kind, id);
      } else {
        if (!old) throw new ObjectNotFoundError(kind, id);
        const want = tagged.object.meta?.version?.index ?? 0n;
        if (want !== (old.meta?.version?.index ?? 0n)) throw new SequenceConflictError(kind, id);
      }
      if (action.kind === StoreAction_Kind.REMOVE) {
        staged.set(key, null);
        events.push({ action: "remove", ...tagged, object: old } as StoreEvent);
        continue;
      }
      const object = clone(KIND_INFO[kind].schema, tagged.object) as TaggedObject["object"];
      object.meta = create(MetaSchema, {
        version: { index },
        ...(action.kind === StoreAction_Kind.CREATE ? { createdAt: at } : {
          ...(old?.meta?.createdAt ? { createdAt: old.meta.createdAt } : {}),
        }),
        ...(at ? { updatedAt: at } : {}),
      });
      staged.set(key, { kind, object } as TaggedObject);
      events.push(
        (action.kind === StoreAction_Kind.CREATE
          ? { action: "create", kind, object }
          : { action: "update", kind, object, old }) as StoreEvent,
      );
    }
    this.#checkNames(staged);
    for (const [key, value] of staged) {
      const slash = key.indexOf("/");
      const kind = key.slice(0, slash) as ObjectKind;
      const id = key.slice(slash + 1);
      if (value === null) this.#delete(kind, id);
      else this.#set(value, this.#tables[kind].get(id));
    }
    return events;
  }

  #checkNames(staged: Map<string, TaggedObject | null>): void {
    const claimed = new Map<string, string>();
    for (const [key, value] of staged) {
      if (!value) continue;
      const nameOf = KIND_INFO[value.kind].uniqueName as
        | ((o: TaggedObject["object"]) => string)
        | undefined;
      if (!nameOf) continue;
      const name = nameOf(value.object);
      if (name === "") continue;
      const nameKey = `${value.kind}/${name.toLowerCase()}`;
      const holder = this.#names.get(nameKey);
      const holderStillHasIt = holder !== undefined && holder !== value.object.id &&
        !(staged.has(`${value.kind}/${holder}`) &&
          nameKeyOf(staged.get(`${value.kind}/${holder}`) ?? null) !== nameKey);
      const claimedBy = claimed.get(nameKey);
      if (holderStillHasIt || (claimedBy !== undefined && claimedBy !== key)) {
        throw new NameConflictError(value.kind, name);
      }
      claimed.set(nameKey, key);
    }
  }

  #set(tagged: TaggedObject, old: TaggedObject["object"] | undefined): void {
    const { kind, object } = tagged;
    if (old) this.#unindex(kind, old);
    (this.#tables[kind] as Map<string, TaggedObject["object"]>).set(object.id, object);
    const nameKey = nameKeyOf(tagged);
    if (nameKey) this.#names.set(nameKey, object.id);
    if (kind === "task") {
      addTo(this.#tasksByService, object.serviceId, object.id);
      addTo(this.#tasksByNode, object.nodeId, object.id);
    }
  }

  #delete(kind: ObjectKind, id: string): void {
    const old = this.#tables[kind].get(id);
    if (!old) return;
    this.#unindex(kind, old);
    this.#tables[kind].delete(id);
  }

  #unindex(kind: ObjectKind, object: TaggedObject["object"]): void {
    const nameKey = nameKeyOf({ kind, object } as TaggedObject);
    if (nameKey && this.#names.get(nameKey) === object.id) this.#names.delete(nameKey);
    if (kind === "task") {
      const task = object as Task;
      removeFrom(this.#tasksByService, task.serviceId, task.id);
      removeFrom(this.#tasksByNode, task.nodeId, task.id);
    }
  }

  #tasksIn(ids: Set<string> | undefined): Task[] {
    if (!ids) return [];
    const out: Task[] = [];
    for (const id of ids) {
      const t = this.#tables.task.get(id);
      if (t) out.push(t);
    }
    return out;
  }

  #emit(events: readonly StoreEvent[], reset: boolean): void {
    for (const listener of this.#listeners) {
      try {
        listener(events, reset);
      } catch (e) {
        console.error("store listener failed:", e);
      }
    }
  }
}

function emptyTables(): Tables {
  const t = {} as Record<ObjectKind, Map<string, unknown>>;
  for (const k of OBJECT_KINDS) t[k] = new Map();
  return t as Tables;
}

function nameKeyOf(tagged: TaggedObject | null): string | undefined {
  if (!tagged) return undefined;
  const nameOf = KIND_INFO[tagged.kind].uniqueName as
    | ((o: TaggedObject["object"]) => string)
    | undefined;
  const name = nameOf?.(tagged.object) ?? "";
  return name === "" ? undefined : `${tagged.kind}/${name.toLowerCase()}`;
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  if (key === "") return;
  let set = index.get(key);
  if (!set) index.set(key, set = new Set());
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
