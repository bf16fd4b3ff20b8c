/**
 * Snapshot transfer in chunks: the leader cuts a snapshot into `snapshotChunkSize` pieces (each in
 * its own `snapshot` message); the follower collects them, in any order and with duplicates, into
 * one snapshot. A follower keeps one transfer at a time: a chunk of another transfer (another
 * sender, term, snapshot or size) replaces it.
 *
 * @module
 */

import type { MemberId, Snapshot, SnapshotChunk } from "./types.ts";

/** Cuts `snap` into chunks of at most `chunkSize` bytes (one empty chunk for empty data). */
export function chunkSnapshot(snap: Snapshot, chunkSize: number): SnapshotChunk[] {
  const total = snap.data.length;
  const chunks: SnapshotChunk[] = [];
  for (let offset = 0; offset < total || chunks.length === 0; offset += chunkSize) {
    const data = snap.data.subarray(offset, Math.min(total, offset + chunkSize));
    chunks.push({
      meta: snap.meta,
      offset,
      totalSize: total,
      data,
      last: offset + data.length === total,
    });
  }
  return chunks;
}

/** Reassembles the chunks of one transfer on the follower. */
export class SnapshotAssembler {
  #key = "";
  #parts = new Map<number, Uint8Array>();
  #received = 0;

  /**
   * Adds a chunk. Returns the whole snapshot once every byte has arrived, "partial" while some are
   * missing, or "restart" when the pieces do not fit together (the transfer was dropped and the
   * leader should send it again).
   */
  add(from: MemberId, term: number, chunk: SnapshotChunk): Snapshot | "partial" | "restart" {
    const { meta } = chunk;
    const key = [from, term, meta.index, meta.term, chunk.totalSize].join("\u0000");
    if (key !== this.#key) this.reset(key);
    if (this.#parts.has(chunk.offset)) return "partial";
    this.#parts.set(chunk.offset, chunk.data);
    this.#received += chunk.data.length;
    if (this.#received < chunk.totalSize) return "partial";
    const data = new Uint8Array(chunk.totalSize);
    let at = 0;
    for (const offset of [...this.#parts.keys()].sort((a, b) => a - b)) {
      const part = this.#parts.get(offset) as Uint8Array;
      if (offset !== at || at + part.length > data.length) {
        this.reset();
        return "restart";
      }
      data.set(part, offset);
      at += part.length;
    }
    this.reset();
    return { meta, data };
  }

  /** Drops any partial transfer. */
  reset(key = ""): void {
    this.#key = key;
    this.#parts = new Map();
    this.#received = 0;
  }
}
