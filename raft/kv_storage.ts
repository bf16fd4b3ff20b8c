/**
 * Durable Raft storage on Deno KV: the log, the hard state and the latest snapshot of one member.
 *
 * Key layout (a range read over `["e"]` returns the log in order):
 *
 * | Key | Value |
 * |---|---|
 * | `["m"]` | the meta record: format version, member and cluster ID, first/last index, hard state, snapshot descriptor |
 * | `["e", start, chunk]` | one chunk (≤ 64 KiB) of a *record*: consecutive entries from index `start` |
 * | `["s", generation, chunk]` | one chunk of the snapshot whose descriptor in the meta names `generation` |
 *
 * A save packs its entries into records of up to 64 KiB (one KV row for a typical Ready; an entry
 * larger than that is a record of its own, split into chunks). A record supersedes whatever
 * records earlier in key order hold at or after its `start`: replacing a conflicting suffix
 * writes new records from the conflict index and deletes the records that start after it, and the
 * record that straddles the conflict keeps serving only its head. Entries outside
 * `firstIndex..lastIndex` of the meta record are never served.
 *
 * Every value is a `Uint8Array` that starts with a CRC-32 of the rest of it; chunks repeat their
 * own key (start/generation and chunk number) inside the checksummed part, so a value that is
 * damaged, lost or moved is detected on {@link KvRaftStorage.load}, as are gaps and truncated
 * records or snapshots.
 *
 * With `encryption` given when the store is created, entry data and snapshots are sealed with
 * AES-256-GCM under a random data-encryption key kept in the meta record, wrapped by a
 * key-encryption key when one is set (`kv_cipher.ts`, applied by `kv_encryption.ts`): such a
 * store then opens only with that key ({@link StorageKeyError} otherwise), and
 * {@link KvRaftStorage.setKek} rewraps it. A store created without `encryption` stays unencrypted.
 *
 * Each `save` is one `kv.atomic()` commit (one fsync) unless it exceeds Deno KV's limits (1,000
 * mutations, 800 KiB); then it is split into several commits, each of which leaves a consistent
 * log behind: the meta record is written in every commit and is the only authority on which
 * entries are live, and records that a truncation removes are deleted before the last index
 * passes their start. Keys that can never be written again (compacted records, an older snapshot
 * generation) are deleted a few hundred at a time by the writes that follow, so that `compact`
 * is one small commit; whatever is left when the store closes is deleted by the next `load`.
 * Reading the store back and verifying it is in `kv_load.ts`.
 *
 * @module
 */
import type { ConfState, Entry, HardState, MemberId, Snapshot } from "./types.ts";
import {
  CorruptStorageError,
  decodeMeta,
  describe,
  encodeMeta,
  encodeRecord,
  ENTRY_PREFIX,
  KEY_BYTES,
  KV_STORAGE_FORMAT_VERSION,
  MAX_COMMIT_BYTES,
  MAX_MUTATIONS,
  type Meta,
  META_KEY,
  type Mutation,
  packRecords,
  recordKeys,
  snapshotKeys,
  snapshotUnits,
  SWEEP_PER_WRITE,
  type Unit,
} from "./kv_codec.ts";
import type { EncryptionMeta } from "./kv_cipher.ts";
import { StoreEncryption } from "./kv_encryption.ts";
import { checkLog, readLog, readSnapshot, type RecordInfo } from "./kv_load.ts";
export { StorageKeyError } from "./kv_cipher.ts";
export {
  CorruptStorageError,
  crc32,
  KV_CHUNK_BYTES,
  KV_STORAGE_FORMAT_VERSION,
} from "./kv_codec.ts";

/** A write did not become durable (disk full, I/O error, concurrent writer). The storage then
 * refuses every later write: the member must stop acknowledging and be restarted. */
export class StorageWriteError extends Error {
  override readonly name = "StorageWriteError";
  readonly path: string;
  constructor(path: string, detail: string, options?: ErrorOptions) {
    super(
      `Raft storage ${path} could not write durably: ${detail}. This member stops acknowledging; ` +
        `fix the disk (space, permissions) and restart it`,
      options,
    );
    this.path = path;
  }
}

/** The subset of `Deno.Kv` the storage uses; tests wrap it to inject faults. */
export interface KvLike {
  get(key: Deno.KvKey): Promise<Deno.KvEntryMaybe<unknown>>;
  list(selector: Deno.KvListSelector, options?: Deno.KvListOptions): AsyncIterable<
    Deno.KvEntry<unknown>
  >;
  atomic(): KvAtomicLike;
  close(): void;
}

/** The subset of `Deno.AtomicOperation` the storage uses. */
export interface KvAtomicLike {
  check(...checks: Deno.AtomicCheck[]): KvAtomicLike;
  set(key: Deno.KvKey, value: unknown): KvAtomicLike;
  delete(key: Deno.KvKey): KvAtomicLike;
  commit(): Promise<Deno.KvCommitResult | Deno.KvCommitError>;
}

export interface KvRaftStorageOptions {
  /** This member's ID. A store written by another member is refused. */
  readonly memberId: MemberId;
  /** The cluster's ID. A store of another cluster is refused. */
  readonly clusterId: string;
  /** Opens the Deno KV database (tests pass a fault-injecting wrapper).
   * @default Deno.openKv */
  readonly openKv?: (path: string) => Promise<KvLike>;
  /**
   * Encryption at rest (see the module doc). A new store is created encrypted, its data key
   * wrapped by `kek` (32 bytes; null keeps it unwrapped); a store whose data key is wrapped
   * opens only with that `kek`. A store created unencrypted stays so (see
   * {@link KvRaftStorage.encrypted}).
   * @default undefined (a new store is not encrypted)
   */
  readonly encryption?: { readonly kek: Uint8Array | null };
}

/** What one Ready asks to make durable (see `types.ts` for the order). */
export interface SaveBatch {
  readonly hardState?: HardState;
  /** Contiguous entries; those overlapping the stored log replace it from their first index. */
  readonly entries: readonly Entry[];
  /** A snapshot received from the leader: it replaces the whole log. */
  readonly snapshot?: Snapshot;
}

/** Everything needed to rebuild the in-memory log after a restart. */
export interface KvRaftState {
  readonly hardState: HardState;
  /** The snapshot's membership (none without a snapshot: a new cluster's membership is in its
   * first entries, see `bootstrapLog`). */
  readonly conf: ConfState;
  /** The latest snapshot; index 0 and empty data when there is none. */
  readonly snapshot: Snapshot;
  /** The stored log, in order: indices `firstIndex..lastIndex` (some may precede the snapshot). */
  readonly entries: readonly Entry[];
  readonly firstIndex: number;
  readonly lastIndex: number;
}

const EMPTY_HARD_STATE: HardState = { term: 0, vote: "", commit: 0 };

/** Durable Raft log, hard state and snapshot of one member in one Deno KV file. */
export class KvRaftStorage {
  readonly path: string;
  readonly #kv: KvLike;
  #meta: Meta;
  #versionstamp: string;
  /** Live records in key order. */
  #records: RecordInfo[] = [];
  #initial: KvRaftState | undefined;
  /** Dead keys that can never be written again (below the first index, older snapshot
   * generations), deleted a few at a time by later writes; `load` deletes any left over. */
  #dead: Deno.KvKey[] = [];
  #failure: StorageWriteError | undefined;
  #queue: Promise<unknown> = Promise.resolve();
  #closed = false;
  /** Seals entry data and snapshots; undefined for an unencrypted store. */
  #encryption: StoreEncryption | undefined;

  private constructor(path: string, kv: KvLike, meta: Meta, versionstamp: string) {
    this.path = path;
    this.#kv = kv;
    this.#meta = meta;
    this.#versionstamp = versionstamp;
  }

  /** Opens (creating if needed) the store at `path` and verifies all of it.
   * @throws {CorruptStorageError} when anything stored is damaged or belongs elsewhere. */
  static async open(path: string, options: KvRaftStorageOptions): Promise<KvRaftStorage> {
    const slash = path.lastIndexOf("/");
    if (slash > 0) await Deno.mkdir(path.slice(0, slash), { recursive: true });
    const kv = await (options.openKv ?? Deno.openKv)(path);
    try {
      let got = await kv.get(META_KEY);
      if (got.value === null) {
        for await (const _ of kv.list({ prefix: [] }, { limit: 1 })) {
          throw new CorruptStorageError(path, "the meta record is missing but data is present");
        }
        const encryption: EncryptionMeta | undefined = options.encryption === undefined
          ? undefined
          : await StoreEncryption.create(options.encryption.kek, options);
        const meta: Meta = {
          format: KV_STORAGE_FORMAT_VERSION,
          memberId: options.memberId,
          clusterId: options.clusterId,
          firstIndex: 1,
          lastIndex: 0,
          hardState: EMPTY_HARD_STATE,
          snapshot: null,
          nextGen: 1,
          ...(encryption === undefined ? {} : { encryption }),
        };
        const res = await kv.atomic().check({ key: META_KEY, versionstamp: null })
          .set(META_KEY, encodeMeta(meta)).commit();
        if (!res.ok) throw new StorageWriteError(path, "another process created the store");
        got = await kv.get(META_KEY);
      }
      const meta = decodeMeta(path, got.value);
      if (meta.memberId !== options.memberId || meta.clusterId !== options.clusterId) {
        throw new CorruptStorageError(
          path,
          `it belongs to member ${meta.memberId} of cluster ${meta.clusterId}, ` +
            `not to member ${options.memberId} of cluster ${options.clusterId}`,
        );
      }
      const storage = new KvRaftStorage(path, kv, meta, got.versionstamp ?? "");
      if (meta.encryption !== undefined) {
        const kek = options.encryption?.kek ?? null;
        storage.#encryption = await StoreEncryption.open(path, meta.encryption, kek, meta);
      }
      storage.#initial = await storage.#scan();
      return storage;
    } catch (e) {
      kv.close();
      throw e;
    }
  }

  /** The stored state, verified (the first call returns what `open` verified). */
  load(): Promise<KvRaftState> {
    const initial = this.#initial;
    this.#initial = undefined;
    if (initial !== undefined) return Promise.resolve(initial);
    return this.#serial(() => this.#scan());
  }

  get firstIndex(): number {
    return this.#meta.firstIndex;
  }

  get lastIndex(): number {
    return this.#meta.lastIndex;
  }

  /** Whether entry data and snapshots are encrypted at rest. */
  get encrypted(): boolean {
    return this.#encryption !== undefined;
  }

  /**
   * Rewraps the data key with a new key-encryption key (`null`: keep it unwrapped), in one
   * commit. The previous wrapping keeps opening the store until {@link dropPreviousKek}, so a
   * caller that also re-encrypts other files with the new key can crash in between and still
   * start with the old key.
   *
   * @throws {TypeError} when the store is not encrypted.
   */
  setKek(kek: Uint8Array | null): Promise<void> {
    return this.#serial(async () => {
      const current = this.#meta.encryption;
      const keys = this.#encryption;
      if (current === undefined || keys === undefined) {
        throw new TypeError(`Raft storage ${this.path} is not encrypted: it has no key to rewrap`);
      }
      const encryption: EncryptionMeta = await keys.rewrap(current, kek, this.#meta);
      await this.#write([{ ops: [], meta: { ...this.#meta, encryption } }]);
    });
  }

  /** Forgets the wrapping {@link setKek} kept: only the current key opens the store now. */
  dropPreviousKek(): Promise<void> {
    return this.#serial(async () => {
      const current = this.#meta.encryption;
      if (current?.previous === undefined) return;
      await this.#write([{ ops: [], meta: { ...this.#meta, encryption: { dek: current.dek } } }]);
    });
  }

  /** Makes one Ready durable: snapshot (replacing the log), then entries (replacing a
   * conflicting suffix), then hard state. Resolves once all of it is synced.
   * @throws {StorageWriteError} when it could not; every later write then fails too. */
  save(batch: SaveBatch): Promise<void> {
    const keys = this.#encryption;
    if (keys === undefined) return this.#serial(() => this.#write(this.#planSave(batch)));
    return this.#serial(async () => {
      const sealed: SaveBatch = {
        ...batch,
        entries: await keys.sealEntries(batch.entries),
        ...(batch.snapshot === undefined
          ? {}
          : { snapshot: await keys.sealSnapshot(batch.snapshot) }),
      };
      return await this.#write(this.#planSave(sealed));
    });
  }

  /** Stores a snapshot taken locally at an index of the log, keeping the log. */
  saveSnapshot(snapshot: Snapshot): Promise<void> {
    const keys = this.#encryption;
    if (keys === undefined) {
      return this.#serial(() => this.#write(this.#planLocalSnapshot(snapshot)));
    }
    return this.#serial(async () =>
      await this.#write(this.#planLocalSnapshot(await keys.sealSnapshot(snapshot)))
    );
  }

  /** Deletes entries up to and including `index`, which the stored snapshot must cover. */
  compact(index: number): Promise<void> {
    return this.#serial(() => this.#write(this.#planCompact(index)));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#kv.close();
  }

  #serial<T>(op: () => Promise<T>): Promise<T> {
    const run = this.#queue.then(() => {
      if (this.#closed) throw new Error(`Raft storage ${this.path} is closed`);
      if (this.#failure !== undefined) {
        throw new StorageWriteError(this.path, "an earlier write failed", {
          cause: this.#failure,
        });
      }
      return op();
    });
    this.#queue = run.catch(() => {});
    return run;
  }

  // ---- planning: turn a request into units; each unit leaves the store consistent ----

  #planSave(batch: SaveBatch): Unit[] {
    const units: Unit[] = [];
    let meta = this.#meta;
    /** Records replaced by this save: deleted before the last index passes their start. */
    const removed: RecordInfo[] = [];
    const snap = batch.snapshot;
    if (snap !== undefined && snap.meta.index > 0) {
      if (meta.snapshot !== null && snap.meta.index <= meta.snapshot.index) {
        throw new RangeError(
          `Snapshot at index ${snap.meta.index} is not newer than the stored one at ` +
            `${meta.snapshot.index}`,
        );
      }
      const { descriptor, units: chunkUnits } = snapshotUnits(snap, meta.nextGen);
      units.push(...chunkUnits);
      for (const r of this.#records) {
        // Records starting at or below the snapshot index can never be rewritten: sweep them
        // later. Those after it must go now, as the entries after the snapshot reuse their keys.
        if (r.start <= snap.meta.index) this.#dead.push(...recordKeys(r.start, r.chunks));
        else removed.push(r);
      }
      this.#records = [];
      const old = meta.snapshot;
      meta = {
        ...meta,
        firstIndex: snap.meta.index + 1,
        lastIndex: snap.meta.index,
        snapshot: descriptor,
        nextGen: meta.nextGen + 1,
        hardState: {
          ...meta.hardState,
          commit: Math.max(meta.hardState.commit, snap.meta.index),
        },
      };
      units.push({ ops: [], meta });
      if (old !== null) this.#dead.push(...snapshotKeys(old));
    }
    const hs = batch.hardState;
    if (hs !== undefined && (hs.term !== meta.hardState.term || hs.vote !== meta.hardState.vote)) {
      // Term and vote first: an entry must never be durable with a term the hard state lacks.
      meta = { ...meta, hardState: { ...hs, commit: meta.hardState.commit } };
      units.push({ ops: [], meta });
    }
    const entries = batch.entries;
    const first = entries[0];
    const writes: { start: number; end: number; values: Uint8Array[] }[] = [];
    if (first !== undefined) {
      if (first.index < meta.firstIndex || first.index > meta.lastIndex + 1) {
        throw new RangeError(
          `Entries from index ${first.index} do not attach to the stored log ` +
            `${meta.firstIndex}..${meta.lastIndex}`,
        );
      }
      const last = entries[entries.length - 1] as Entry;
      if (last.index !== first.index + entries.length - 1) {
        throw new RangeError(`Entries ${first.index}..${last.index} are not contiguous`);
      }
      if (first.index <= meta.lastIndex) {
        // A conflicting suffix: truncate first, so that every later commit is a valid log.
        meta = { ...meta, lastIndex: first.index - 1 };
        units.push({ ops: [], meta });
      }
      // Records are in start order with non-decreasing ends: only the tail can be affected.
      const records = this.#records;
      while (
        records.length > 0 && (records[records.length - 1] as RecordInfo).start >= first.index
      ) {
        removed.push(records.pop() as RecordInfo);
      }
      const straddling = records[records.length - 1];
      if (straddling !== undefined && straddling.end >= first.index) {
        straddling.end = first.index - 1;
      }
      for (const group of packRecords(entries)) {
        const start = (group[0] as Entry).index;
        const end = start + group.length - 1;
        writes.push({ start, end, values: encodeRecord(start, group) });
      }
      meta = { ...meta, lastIndex: last.index };
    }
    // Deletions of replaced records, before any new record can make them look live again.
    const rewritten = new Set(
      removed.length === 0 ? [] : writes.flatMap((w) => w.values.map((_, c) => `${w.start}/${c}`)),
    );
    let dels: Mutation[] = [];
    for (const r of removed) {
      for (let c = 0; c < r.chunks; c++) {
        if (rewritten.has(`${r.start}/${c}`)) continue;
        dels.push({ key: [ENTRY_PREFIX, r.start, c] });
        if (dels.length === 900) {
          units.push({ ops: dels });
          dels = [];
        }
      }
    }
    if (dels.length > 0) units.push({ ops: dels });
    for (const w of writes) {
      const ops = w.values.map((value, c): Mutation => ({
        key: [ENTRY_PREFIX, w.start, c],
        value,
      }));
      // Chunks after the first go in units of their own so that huge records can span commits.
      if (ops.length === 1) units.push({ ops, lastIndex: w.end });
      else {
        for (const op of ops) units.push({ ops: [op] });
        units.push({ ops: [], lastIndex: w.end });
      }
      this.#records.push({ start: w.start, end: w.end, chunks: w.values.length });
    }
    if (hs !== undefined) {
      meta = { ...meta, hardState: hs };
      units.push({ ops: [], meta });
    }
    this.#sweep(units, 2 * writes.length);
    return units;
  }

  /** Adds deletions of dead keys to a write: at least {@link SWEEP_PER_WRITE}, and `more` when a
   * write is large, so that deletion keeps pace with the log. */
  #sweep(units: Unit[], more: number): void {
    const n = Math.min(this.#dead.length, Math.max(SWEEP_PER_WRITE, Math.min(more, 900)));
    if (n === 0) return;
    const ops: Mutation[] = [];
    for (let i = 0; i < n; i++) ops.push({ key: this.#dead.pop() as Deno.KvKey });
    units.push({ ops });
  }

  #planLocalSnapshot(snap: Snapshot): Unit[] {
    const meta = this.#meta;
    const index = snap.meta.index;
    if (index < meta.firstIndex - 1 || index > meta.lastIndex) {
      throw new RangeError(
        `Snapshot index ${index} is outside the stored log ${meta.firstIndex}..${meta.lastIndex}`,
      );
    }
    if (meta.snapshot !== null && index <= meta.snapshot.index) {
      throw new RangeError(
        `Snapshot at index ${index} is not newer than the stored one at ${meta.snapshot.index}`,
      );
    }
    const { descriptor, units } = snapshotUnits(snap, meta.nextGen);
    units.push({ ops: [], meta: { ...meta, snapshot: descriptor, nextGen: meta.nextGen + 1 } });
    if (meta.snapshot !== null) this.#dead.push(...snapshotKeys(meta.snapshot));
    this.#sweep(units, 0);
    return units;
  }

  #planCompact(index: number): Unit[] {
    const meta = this.#meta;
    const covered = meta.snapshot?.index ?? 0;
    if (index > covered) {
      throw new RangeError(
        `Cannot compact the log to ${index}: the stored snapshot covers only up to ${covered}`,
      );
    }
    if (index < meta.firstIndex) return [];
    // One small commit; the keys of records wholly below the new first index are swept later.
    const units: Unit[] = [{ ops: [], meta: { ...meta, firstIndex: index + 1 } }];
    let drop = 0;
    for (const r of this.#records) {
      if (r.end > index) break;
      this.#dead.push(...recordKeys(r.start, r.chunks));
      drop++;
    }
    this.#records.splice(0, drop);
    this.#sweep(units, 0);
    return units;
  }

  // ---- writing: pack units into as few commits as Deno KV allows ----

  async #write(units: Unit[]): Promise<void> {
    let ops: Mutation[] = [];
    let bytes = 0;
    let meta: Meta | undefined; // the latest full meta of a unit in this commit
    let last: number | undefined; // a later last index on top of it
    const current = () =>
      meta === undefined && last === undefined
        ? undefined
        : last === undefined
        ? meta
        : { ...(meta ?? this.#meta), lastIndex: last };
    for (const unit of units) {
      let unitBytes = 0;
      for (const op of unit.ops) unitBytes += KEY_BYTES + (op.value?.byteLength ?? 0);
      if (
        ops.length > 0 &&
        (ops.length + unit.ops.length > MAX_MUTATIONS || bytes + unitBytes > MAX_COMMIT_BYTES)
      ) {
        await this.#commit(ops, current());
        ops = [];
        bytes = 0;
        meta = last = undefined;
      }
      for (const op of unit.ops) ops.push(op);
      bytes += unitBytes;
      if (unit.meta !== undefined) {
        meta = unit.meta;
        last = undefined;
      }
      if (unit.lastIndex !== undefined) last = unit.lastIndex;
    }
    const final = current();
    if (ops.length > 0 || final !== undefined) await this.#commit(ops, final);
  }

  async #commit(ops: Mutation[], meta: Meta | undefined): Promise<void> {
    const atomic = this.#kv.atomic().check({ key: META_KEY, versionstamp: this.#versionstamp });
    for (const op of ops) {
      if (op.value === undefined) atomic.delete(op.key);
      else atomic.set(op.key, op.value);
    }
    // The meta record is written in every commit so that its versionstamp fences other writers.
    atomic.set(META_KEY, encodeMeta(meta ?? this.#meta));
    let result: Deno.KvCommitResult | Deno.KvCommitError;
    try {
      result = await atomic.commit();
    } catch (e) {
      this.#failure = new StorageWriteError(this.path, describe(e), { cause: e });
      throw this.#failure;
    }
    if (!result.ok) {
      this.#failure = new StorageWriteError(
        this.path,
        "another process changed the store (is a second member using this data directory?)",
      );
      throw this.#failure;
    }
    this.#versionstamp = result.versionstamp;
    if (meta !== undefined) this.#meta = meta;
  }

  // ---- reading and verifying (kv_load.ts) ----

  async #scan(): Promise<KvRaftState> {
    const path = this.path;
    const got = await this.#kv.get(META_KEY);
    const meta = decodeMeta(path, got.value);
    const garbage: Deno.KvKey[] = [];
    const snapshot = await readSnapshot(this.#kv, path, meta, this.#encryption, garbage);
    const { records, entries } = await readLog(this.#kv, path, meta, garbage);
    this.#records = records;
    checkLog(path, meta, entries, snapshot);
    if (this.#encryption !== undefined) await this.#encryption.openEntries(path, entries);
    this.#dead = [];
    await this.#deleteGarbage(garbage);
    // A snapshot covers only committed entries; the shell may write the commit index lazily.
    const commit = Math.max(meta.hardState.commit, snapshot.meta.index);
    return {
      hardState: { ...meta.hardState, commit },
      // The stored snapshot's membership; none (empty) without a snapshot.
      conf: snapshot.meta.conf,
      snapshot,
      entries,
      firstIndex: meta.firstIndex,
      lastIndex: meta.lastIndex,
    };
  }

  async #deleteGarbage(keys: Deno.KvKey[]): Promise<void> {
    for (let i = 0; i < keys.length; i += MAX_MUTATIONS) {
      await this.#commit(keys.slice(i, i + MAX_MUTATIONS).map((key) => ({ key })), undefined);
    }
  }
}
