/**
 * Pending linearizable reads on a leader (ReadIndex, Raft thesis §6.4). A read is recorded with
 * the commit index at the time it arrived; it may be served once a quorum of voters has answered a
 * heartbeat that carries its context (or a later read's context: that round started after it).
 *
 * @module
 */

import type { MemberId } from "./types.ts";

/** Who asked for a read: "" for this member itself, else the follower that forwarded it. */
export interface ReadRequest {
  readonly context: Uint8Array;
  readonly from: MemberId;
}

interface Pending {
  readonly index: number;
  readonly request: ReadRequest;
  readonly acks: Map<MemberId, boolean>;
}

/** A context's key in maps. */
export function contextKey(context: Uint8Array): string {
  let s = "";
  for (const b of context) s += b.toString(16).padStart(2, "0");
  return s;
}

export class ReadOnly {
  readonly #pending = new Map<string, Pending>();
  #queue: string[] = [];

  /** Records a read at `index`; false when a read with the same context is already pending. */
  add(index: number, request: ReadRequest): boolean {
    const key = contextKey(request.context);
    if (this.#pending.has(key)) return false;
    this.#pending.set(key, { index, request, acks: new Map() });
    this.#queue.push(key);
    return true;
  }

  /** Records that `from` answered the heartbeat carrying `context`; returns the acks so far. */
  recvAck(from: MemberId, context: Uint8Array): ReadonlyMap<MemberId, boolean> | undefined {
    const p = this.#pending.get(contextKey(context));
    if (p === undefined) return undefined;
    p.acks.set(from, true);
    return p.acks;
  }

  /** Releases the read with `context` and every read queued before it. */
  advance(context: Uint8Array): { index: number; request: ReadRequest }[] {
    const key = contextKey(context);
    const at = this.#queue.indexOf(key);
    if (at < 0) return [];
    const released = this.#queue.slice(0, at + 1);
    this.#queue = this.#queue.slice(at + 1);
    const out: { index: number; request: ReadRequest }[] = [];
    for (const k of released) {
      const p = this.#pending.get(k);
      this.#pending.delete(k);
      if (p !== undefined) out.push({ index: p.index, request: p.request });
    }
    return out;
  }

  has(context: Uint8Array): boolean {
    return this.#pending.has(contextKey(context));
  }

  /** Context of the newest pending read (carried by heartbeats), if any. */
  lastPendingContext(): Uint8Array | undefined {
    const key = this.#queue[this.#queue.length - 1];
    return key === undefined ? undefined : this.#pending.get(key)?.request.context;
  }

  get size(): number {
    return this.#queue.length;
  }
}
