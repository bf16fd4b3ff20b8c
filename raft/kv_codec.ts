/**
 * The byte layout of `KvRaftStorage`: records of entries, snapshot chunks and the meta record,
 * each sealed with a CRC-32 and the key it belongs under, so that a damaged, moved or truncated
 * value is detected on load. Pure encoding and decoding; the storage class does the IO.
 *
 * @module
 */
import type { ConfState, Entry, HardState, MemberId, Snapshot } from "./types.ts";
import type { EncryptionMeta } from "./kv_cipher.ts";

/** The layout version written into the meta record. */
export const KV_STORAGE_FORMAT_VERSION = 1;

/** Most payload bytes in one chunk value (Deno KV refuses values above 64 KiB). Records are
 * packed up to this size. */
export const KV_CHUNK_BYTES = 65_536 - 64;

export const MAX_MUTATIONS = 1_000 - 2; // leave room for the meta record
export const MAX_COMMIT_BYTES = 780_000; // Deno KV: 819,200 bytes of keys and values per commit
export const KEY_BYTES = 32; // an upper bound for one of our encoded keys
/** Deletions of dead keys that ride along with each write (at least; see #sweep). */
export const SWEEP_PER_WRITE = 256;

export const META_KEY: Deno.KvKey = ["m"];
export const ENTRY_PREFIX = "e";
export const SNAP_PREFIX = "s";

export const TYPE_RECORD = 1;
export const TYPE_SNAP = 2;
export const TYPE_META = 3;
export const RECORD_HEADER = 32;
export const ENTRY_OVERHEAD = 13; // term f64, kind u8, length u32
export const SNAP_HEADER = 24;
export const META_HEADER = 8;

/** The stored data is damaged, incomplete, of an unknown format, or belongs to another member. */
export class CorruptStorageError extends Error {
  override readonly name = "CorruptStorageError";
  /** The Deno KV file that was refused. */
  readonly path: string;
  /** What is wrong, e.g. "entry 17 is missing (gap between 16 and 18)". */
  readonly problem: string;
  constructor(path: string, problem: string, options?: ErrorOptions) {
    super(
      `Raft storage ${path} is refused: ${problem}. Restore this member's data from a backup, ` +
        `or remove the member from the cluster and join it again with an empty data directory`,
      options,
    );
    this.path = path;
    this.problem = problem;
  }
}

export interface SnapDescriptor {
  readonly gen: number;
  readonly index: number;
  readonly term: number;
  readonly conf: ConfState;
  readonly size: number;
  readonly chunks: number;
  readonly crc: number;
}

export interface Meta {
  readonly format: number;
  readonly memberId: MemberId;
  readonly clusterId: string;
  /** Lowest live entry index; `lastIndex + 1` when the log is empty. */
  readonly firstIndex: number;
  readonly lastIndex: number;
  readonly hardState: HardState;
  readonly snapshot: SnapDescriptor | null;
  /** Next snapshot generation to write. */
  readonly nextGen: number;
  /** Present when entry data and snapshots are encrypted (see `kv_cipher.ts`). */
  readonly encryption?: EncryptionMeta;
}

export interface Mutation {
  readonly key: Deno.KvKey;
  /** Absent: delete the key. */
  readonly value?: Uint8Array;
}

/** A group of mutations that must land in one commit, optionally followed by a new meta (or
 * just a new last index, the cheap common case). */
export interface Unit {
  readonly ops: Mutation[];
  readonly meta?: Meta;
  readonly lastIndex?: number;
}

export function snapshotUnits(
  snap: Snapshot,
  gen: number,
): { descriptor: SnapDescriptor; units: Unit[] } {
  const data = snap.data;
  const chunks = Math.max(1, Math.ceil(data.byteLength / KV_CHUNK_BYTES));
  const units: Unit[] = [];
  for (let c = 0; c < chunks; c++) {
    const part = data.subarray(c * KV_CHUNK_BYTES, (c + 1) * KV_CHUNK_BYTES);
    const value = new Uint8Array(SNAP_HEADER + part.byteLength);
    const view = new DataView(value.buffer);
    view.setUint8(4, TYPE_SNAP);
    view.setFloat64(8, snap.meta.index, true);
    view.setUint32(16, c, true);
    view.setUint32(20, chunks, true);
    value.set(part, SNAP_HEADER);
    seal(value, view);
    units.push({ ops: [{ key: [SNAP_PREFIX, gen, c], value }] });
  }
  const descriptor: SnapDescriptor = {
    gen,
    index: snap.meta.index,
    term: snap.meta.term,
    conf: { voters: [...snap.meta.conf.voters], learners: [...snap.meta.conf.learners] },
    size: data.byteLength,
    chunks,
    crc: crc32(data),
  };
  return { descriptor, units };
}

export function snapshotKeys(d: SnapDescriptor): Deno.KvKey[] {
  const keys: Deno.KvKey[] = [];
  for (let c = 0; c < d.chunks; c++) keys.push([SNAP_PREFIX, d.gen, c]);
  return keys;
}

export function recordKeys(start: number, chunks: number): Deno.KvKey[] {
  const keys: Deno.KvKey[] = [];
  for (let c = 0; c < chunks; c++) keys.push([ENTRY_PREFIX, start, c]);
  return keys;
}

/** Groups consecutive entries into records of at most {@link KV_CHUNK_BYTES} (an entry larger
 * than that forms a record of its own). */
export function packRecords(entries: readonly Entry[]): Entry[][] {
  const groups: Entry[][] = [];
  let group: Entry[] = [];
  let size = 0;
  for (const e of entries) {
    const n = ENTRY_OVERHEAD + e.data.byteLength;
    if (group.length > 0 && size + n > KV_CHUNK_BYTES) {
      groups.push(group);
      group = [];
      size = 0;
    }
    group.push(e);
    size += n;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

/** Encodes a record into one value per chunk. Chunk layout (little endian): crc32 u32 | type u8 |
 * 3 reserved | start f64 | chunk u32 | chunks u32 | count u32 | size u32 | payload part. The
 * payload is, per entry: term f64 | kind u8 | length u32 | data. */
export function encodeRecord(start: number, entries: readonly Entry[]): Uint8Array[] {
  let size = 0;
  for (const e of entries) size += ENTRY_OVERHEAD + e.data.byteLength;
  const chunks = Math.max(1, Math.ceil(size / KV_CHUNK_BYTES));
  const header = (value: Uint8Array, c: number) => {
    const view = new DataView(value.buffer, value.byteOffset, value.byteLength);
    view.setUint8(4, TYPE_RECORD);
    view.setFloat64(8, start, true);
    view.setUint32(16, c, true);
    view.setUint32(20, chunks, true);
    view.setUint32(24, entries.length, true);
    view.setUint32(28, size, true);
    return view;
  };
  if (chunks === 1) {
    const value = new Uint8Array(RECORD_HEADER + size);
    const view = header(value, 0);
    writeEntries(value, view, RECORD_HEADER, entries);
    seal(value, view);
    return [value];
  }
  const payload = new Uint8Array(size);
  writeEntries(payload, new DataView(payload.buffer), 0, entries);
  const values: Uint8Array[] = [];
  for (let c = 0; c < chunks; c++) {
    const part = payload.subarray(c * KV_CHUNK_BYTES, (c + 1) * KV_CHUNK_BYTES);
    const value = new Uint8Array(RECORD_HEADER + part.byteLength);
    const view = header(value, c);
    value.set(part, RECORD_HEADER);
    seal(value, view);
    values.push(value);
  }
  return values;
}

export function writeEntries(
  buf: Uint8Array,
  view: DataView,
  at: number,
  entries: readonly Entry[],
) {
  for (const e of entries) {
    view.setFloat64(at, e.term, true);
    view.setUint8(at + 8, e.kind === "conf-change" ? 1 : 0);
    view.setUint32(at + 9, e.data.byteLength, true);
    buf.set(e.data, at + ENTRY_OVERHEAD);
    at += ENTRY_OVERHEAD + e.data.byteLength;
  }
}

export interface RecordHeader {
  readonly chunks: number;
  readonly count: number;
  readonly size: number;
}

export function decodeRecordChunk(
  path: string,
  start: number,
  chunk: number,
  raw: unknown,
): { head: RecordHeader; data: Uint8Array } {
  const what = `chunk ${chunk} of the record at ${start}`;
  const view = verified(path, what, raw, TYPE_RECORD, RECORD_HEADER);
  if (view.getFloat64(8, true) !== start || view.getUint32(16, true) !== chunk) {
    throw new CorruptStorageError(
      path,
      `${what} holds chunk ${view.getUint32(16, true)} of the record at ${
        view.getFloat64(8, true)
      }`,
    );
  }
  const head = {
    chunks: view.getUint32(20, true),
    count: view.getUint32(24, true),
    size: view.getUint32(28, true),
  };
  return { head, data: (raw as Uint8Array).subarray(RECORD_HEADER) };
}

export function decodeRecord(
  path: string,
  start: number,
  head: RecordHeader,
  parts: readonly Uint8Array[],
): Entry[] {
  const payload = parts.length === 1 ? parts[0] as Uint8Array : concat(parts);
  const bad = (why: string) =>
    new CorruptStorageError(path, `the record of entries from ${start} is malformed: ${why}`);
  if (payload.byteLength !== head.size) {
    throw bad(`${payload.byteLength} of ${head.size} bytes present`);
  }
  const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
  const entries: Entry[] = [];
  let at = 0;
  for (let i = 0; i < head.count; i++) {
    if (at + ENTRY_OVERHEAD > payload.byteLength) throw bad(`entry ${start + i} is cut short`);
    const kind = view.getUint8(at + 8);
    const len = view.getUint32(at + 9, true);
    if (kind > 1) throw bad(`entry ${start + i} has unknown kind ${kind}`);
    if (at + ENTRY_OVERHEAD + len > payload.byteLength) {
      throw bad(`entry ${start + i} is cut short`);
    }
    entries.push({
      index: start + i,
      term: view.getFloat64(at, true),
      kind: kind === 1 ? "conf-change" : "normal",
      data: payload.subarray(at + ENTRY_OVERHEAD, at + ENTRY_OVERHEAD + len),
    });
    at += ENTRY_OVERHEAD + len;
  }
  if (at !== payload.byteLength) throw bad("bytes left after its last entry");
  return entries;
}

export function decodeSnapChunk(
  path: string,
  d: SnapDescriptor,
  chunk: number,
  raw: unknown,
): Uint8Array {
  const what = `snapshot chunk ${chunk} of ${d.chunks}`;
  const view = verified(path, what, raw, TYPE_SNAP, SNAP_HEADER);
  if (
    view.getFloat64(8, true) !== d.index || view.getUint32(16, true) !== chunk ||
    view.getUint32(20, true) !== d.chunks
  ) {
    throw new CorruptStorageError(path, `${what} belongs to another snapshot or position`);
  }
  return (raw as Uint8Array).subarray(SNAP_HEADER);
}

export function encodeMeta(meta: Meta): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(meta));
  const value = new Uint8Array(META_HEADER + json.byteLength);
  const view = new DataView(value.buffer);
  view.setUint8(4, TYPE_META);
  value.set(json, META_HEADER);
  seal(value, view);
  return value;
}

export function decodeMeta(path: string, raw: unknown): Meta {
  if (raw === null) throw new CorruptStorageError(path, "the meta record is missing");
  verified(path, "the meta record", raw, TYPE_META, META_HEADER);
  let meta: Meta;
  try {
    meta = JSON.parse(new TextDecoder().decode((raw as Uint8Array).subarray(META_HEADER)));
  } catch (e) {
    throw new CorruptStorageError(path, "the meta record is not valid JSON", { cause: e });
  }
  if (meta.format !== KV_STORAGE_FORMAT_VERSION) {
    throw new CorruptStorageError(
      path,
      `format version ${meta.format} is not supported (this build reads version ` +
        `${KV_STORAGE_FORMAT_VERSION})`,
    );
  }
  if (
    !Number.isSafeInteger(meta.firstIndex) || !Number.isSafeInteger(meta.lastIndex) ||
    meta.firstIndex < 1 || meta.lastIndex < meta.firstIndex - 1
  ) {
    throw new CorruptStorageError(path, "the meta record has an invalid index range");
  }
  return meta;
}

export function verified(
  path: string,
  what: string,
  raw: unknown,
  type: number,
  header: number,
): DataView {
  if (!(raw instanceof Uint8Array) || raw.byteLength < header) {
    throw new CorruptStorageError(path, `${what} is not a record of this format`);
  }
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  if (view.getUint32(0, true) !== crc32(raw.subarray(4))) {
    throw new CorruptStorageError(path, `${what} does not match its checksum`);
  }
  if (view.getUint8(4) !== type) {
    throw new CorruptStorageError(path, `${what} has record type ${view.getUint8(4)}`);
  }
  return view;
}

export function seal(value: Uint8Array, view: DataView): void {
  view.setUint32(0, crc32(value.subarray(4)), true);
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

export function describe(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Slicing-by-8 tables: `T[k * 256 + b]` is the CRC of byte `b` followed by `k` zero bytes. */
const T = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let n = 0; n < 256; n++) {
    for (let k = 1; k < 8; k++) {
      const prev = t[(k - 1) * 256 + n] as number;
      t[k * 256 + n] = (t[prev & 0xff] as number) ^ (prev >>> 8);
    }
  }
  return t;
})();

/** CRC-32 (IEEE 802.3), as in zlib; eight bytes per step. */
export function crc32(bytes: Uint8Array): number {
  let c = -1;
  let i = 0;
  const n = bytes.length;
  const t = T;
  for (; i + 8 <= n; i += 8) {
    const a = c ^ (bytes[i]! | bytes[i + 1]! << 8 | bytes[i + 2]! << 16 | bytes[i + 3]! << 24);
    c = t[1792 + (a & 0xff)]! ^ t[1536 + ((a >>> 8) & 0xff)]! ^ t[1280 + ((a >>> 16) & 0xff)]! ^
      t[1024 + (a >>> 24)]! ^ t[768 + bytes[i + 4]!]! ^ t[512 + bytes[i + 5]!]! ^
      t[256 + bytes[i + 6]!]! ^ t[bytes[i + 7]!]!;
  }
  for (; i < n; i++) c = t[(c ^ bytes[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
