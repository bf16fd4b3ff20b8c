/**
 * The load path of `KvRaftStorage`: reading the snapshot and the log back from Deno KV and
 * verifying them (missing, truncated or misplaced chunks, gaps, terms going back, a hard state
 * behind the log), and collecting the keys that crashed or superseded writes left behind. Apart
 * from the range reads it is pure; the storage class keeps the write path and deletes the
 * garbage found here.
 *
 * @module
 */
import type { ConfState, Entry, Snapshot } from "./types.ts";
import {
  concat,
  CorruptStorageError,
  crc32,
  decodeRecord,
  decodeRecordChunk,
  decodeSnapChunk,
  ENTRY_PREFIX,
  type Meta,
  type RecordHeader,
  recordKeys,
  SNAP_PREFIX,
} from "./kv_codec.ts";
import type { StoreEncryption } from "./kv_encryption.ts";

/** A live record: keys `["e", start, 0..chunks)`, serving entries `start..end`. */
export interface RecordInfo {
  readonly start: number;
  /** Last entry it serves: a later record or a truncation may have cut its tail. */
  end: number;
  readonly chunks: number;
}

/** The range reads of `Deno.Kv` the load path uses. */
export interface KvReader {
  list(selector: Deno.KvListSelector, options?: Deno.KvListOptions): AsyncIterable<
    Deno.KvEntry<unknown>
  >;
}

const EMPTY_CONF: ConfState = { voters: [], learners: [] };
const EMPTY = new Uint8Array(0);

/**
 * Reads the snapshot `meta` describes, verified and opened; index 0 and empty data when there is
 * none. Chunks of other snapshot generations are added to `garbage`.
 * @throws {CorruptStorageError} when it is incomplete or damaged.
 */
export async function readSnapshot(
  kv: KvReader,
  path: string,
  meta: Meta,
  encryption: StoreEncryption | undefined,
  garbage: Deno.KvKey[],
): Promise<Snapshot> {
  const d = meta.snapshot;
  const parts: Uint8Array[] = [];
  for await (const item of kv.list({ prefix: [SNAP_PREFIX] }, { batchSize: 100 })) {
    const [, gen, chunk] = item.key;
    if (typeof gen !== "number" || typeof chunk !== "number" || item.key.length !== 3) {
      throw new CorruptStorageError(path, `unexpected key ${JSON.stringify(item.key)}`);
    }
    if (d === null || gen !== d.gen) {
      garbage.push(item.key);
      continue;
    }
    if (chunk !== parts.length) {
      throw new CorruptStorageError(
        path,
        `snapshot chunk ${parts.length} of ${d.chunks} is missing`,
      );
    }
    parts.push(decodeSnapChunk(path, d, chunk, item.value));
  }
  if (d === null) {
    return { meta: { index: 0, term: 0, conf: EMPTY_CONF }, data: EMPTY };
  }
  if (parts.length !== d.chunks) {
    throw new CorruptStorageError(
      path,
      `the snapshot at index ${d.index} is truncated: ${parts.length} of ${d.chunks} chunks present`,
    );
  }
  const data = concat(parts);
  if (data.byteLength !== d.size || crc32(data) !== d.crc) {
    throw new CorruptStorageError(
      path,
      `the snapshot at index ${d.index} does not match its checksum`,
    );
  }
  if (encryption === undefined) {
    return { meta: { index: d.index, term: d.term, conf: d.conf }, data };
  }
  const plain = await encryption.openSnapshot(path, d.index, d.term, data);
  return { meta: { index: d.index, term: d.term, conf: d.conf }, data: plain };
}

/**
 * Reads the records of the log and resolves which entries each still serves: the live records
 * in key order and the entries `meta.firstIndex..meta.lastIndex` they hold, in order (still
 * sealed in an encrypted store). Records that nothing live remains in, and chunks beyond the
 * last index, are added to `garbage`. Whether the entries found make up the whole log is left to
 * {@link checkLog}.
 * @throws {CorruptStorageError} when a record is damaged or incomplete, or one is missing.
 */
export async function readLog(
  kv: KvReader,
  path: string,
  meta: Meta,
  garbage: Deno.KvKey[],
): Promise<{ records: RecordInfo[]; entries: Entry[] }> {
  const records: (RecordInfo & { entries: Entry[] })[] = [];
  let open: { start: number; head: RecordHeader; parts: Uint8Array[] } | undefined;
  const finish = () => {
    if (open === undefined) return;
    const { start, head, parts } = open;
    open = undefined;
    if (parts.length !== head.chunks) {
      throw new CorruptStorageError(
        path,
        `the record of entries ${start}..${start + head.count - 1} is truncated: ` +
          `${parts.length} of ${head.chunks} chunks present`,
      );
    }
    const entries = decodeRecord(path, start, head, parts);
    // A record supersedes what earlier records hold from its start on.
    // Ends never decrease along the records (each one cuts the earlier ones at its start).
    const reach = Math.max(meta.firstIndex - 1, records[records.length - 1]?.end ?? 0);
    if (start > reach + 1) {
      const from = reach + 1;
      throw new CorruptStorageError(
        path,
        `entr${start - from > 1 ? `ies ${from}..${start - 1} are` : `y ${from} is`} missing ` +
          `(the log jumps from ${from - 1} to ${start})`,
      );
    }
    for (let i = records.length - 1; i >= 0; i--) {
      const r = records[i] as RecordInfo & { entries: Entry[] };
      if (r.end < start) break;
      r.end = start - 1;
      r.entries.length = Math.max(0, start - r.start);
    }
    records.push({ start, end: start + entries.length - 1, chunks: head.chunks, entries });
  };
  for await (const item of kv.list({ prefix: [ENTRY_PREFIX] }, { batchSize: 500 })) {
    const [, start, chunk] = item.key;
    if (typeof start !== "number" || typeof chunk !== "number" || item.key.length !== 3) {
      throw new CorruptStorageError(path, `unexpected key ${JSON.stringify(item.key)}`);
    }
    if (start > meta.lastIndex) {
      garbage.push(item.key); // written by a save that did not complete
      continue;
    }
    const { head, data } = decodeRecordChunk(path, start, chunk, item.value);
    if (chunk === 0) {
      finish();
      open = { start, head, parts: [data] };
    } else if (open === undefined || open.start !== start || open.parts.length !== chunk) {
      throw new CorruptStorageError(
        path,
        `chunk ${chunk} of the record at ${start} is out of place (a chunk before it is missing)`,
      );
    } else if (head.chunks !== open.head.chunks || head.size !== open.head.size) {
      throw new CorruptStorageError(path, `the chunks of the record at ${start} disagree`);
    } else {
      open.parts.push(data);
    }
  }
  finish();
  const entries: Entry[] = [];
  const live: RecordInfo[] = [];
  for (const r of records) {
    const end = Math.min(r.end, meta.lastIndex);
    if (end < meta.firstIndex) {
      // Compacted, superseded or beyond the log: never rewritten below the first index.
      garbage.push(...recordKeys(r.start, r.chunks));
      continue;
    }
    live.push({ start: r.start, end, chunks: r.chunks });
    for (const e of r.entries) {
      if (e.index >= meta.firstIndex && e.index <= end) entries.push(e);
    }
  }
  return { records: live, entries };
}

/**
 * Verifies that `entries` are the whole log `meta` describes, that the log joins the snapshot,
 * that terms never go back, and that the hard state is not behind the log.
 * @throws {CorruptStorageError} when they are not.
 */
export function checkLog(path: string, meta: Meta, entries: Entry[], snapshot: Snapshot): void {
  const lastFound = entries.length === 0 ? meta.firstIndex - 1 : entries.at(-1)!.index;
  if (entries.length > 0 && entries[0]!.index !== meta.firstIndex) {
    throw new CorruptStorageError(
      path,
      `entries ${meta.firstIndex}..${entries[0]!.index - 1} are missing (the log starts late)`,
    );
  }
  if (lastFound !== meta.lastIndex) {
    throw new CorruptStorageError(
      path,
      `the log ends at ${lastFound} but the meta record says it ends at ${meta.lastIndex}`,
    );
  }
  const snapIndex = snapshot.meta.index;
  if (meta.firstIndex > snapIndex + 1 || meta.lastIndex < snapIndex) {
    throw new CorruptStorageError(
      path,
      `the log ${meta.firstIndex}..${meta.lastIndex} does not join the snapshot at ${snapIndex}`,
    );
  }
  let term = 0;
  for (const e of entries) {
    if (e.term < term) {
      throw new CorruptStorageError(path, `entry ${e.index} has term ${e.term} after ${term}`);
    }
    term = e.term;
    if (e.index === snapIndex && e.term !== snapshot.meta.term) {
      throw new CorruptStorageError(path, `entry ${e.index} disagrees with the snapshot's term`);
    }
    if (e.index === snapIndex + 1 && e.term < snapshot.meta.term) {
      throw new CorruptStorageError(path, `entry ${e.index} is older than the snapshot`);
    }
  }
  const hs = meta.hardState;
  if (hs.commit > meta.lastIndex || term > hs.term) {
    throw new CorruptStorageError(
      path,
      `the hard state (term ${hs.term}, commit ${hs.commit}) is behind the log ` +
        `(last index ${meta.lastIndex}, last term ${term})`,
    );
  }
}
