/**
 * Size accounting of log entries, shared by the log, the storage and replication.
 *
 * @module
 */

import type { Entry } from "./types.ts";

/** Bytes an entry counts for against `maxSizePerMsg`: its data plus a fixed 16 for its header. */
export function entrySize(e: Entry): number {
  return e.data.byteLength + 16;
}

/**
 * The longest prefix of `entries` whose size stays within `maxBytes`, but at least one entry when
 * there is any (so that an oversized entry still moves).
 */
export function limitSize(entries: Entry[], maxBytes: number): Entry[] {
  if (entries.length === 0) return entries;
  let size = entrySize(entries[0] as Entry);
  let n = 1;
  for (; n < entries.length; n++) {
    size += entrySize(entries[n] as Entry);
    if (size > maxBytes) break;
  }
  return n === entries.length ? entries : entries.slice(0, n);
}
