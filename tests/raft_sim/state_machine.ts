/**
 * The simulated application: it remembers which proposals it applied and a hash chain of every
 * entry, so that two members that applied the same prefix have the same state, and a snapshot
 * can be checked against what others applied at its index.
 *
 * @module
 */

import type { Entry } from "../../raft/types.ts";

/** A printable key of an entry's term, kind and data. */
export function entryKey(e: Entry): string {
  return `${e.term}/${e.kind === "normal" ? "n" : "c"}/${bytesToText(e.data)}`;
}

export function bytesToText(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

export function textToBytes(s: string): Uint8Array {
  return Uint8Array.from(s, (c) => c.charCodeAt(0));
}

function fnv(hash: number, s: string): number {
  let h = hash ^ 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

export class StateMachine {
  index = 0;
  hash = 0;
  readonly ids = new Set<string>();

  /** Applies `e` (the next index); returns the proposal ID it carried, if any. */
  apply(e: Entry): string | undefined {
    this.index = e.index;
    this.hash = fnv(this.hash, entryKey(e));
    if (e.kind === "normal" && e.data.length > 0) {
      const id = bytesToText(e.data);
      this.ids.add(id);
      return id;
    }
    return undefined;
  }

  encode(): Uint8Array {
    return new TextEncoder().encode(
      JSON.stringify({ index: this.index, hash: this.hash, ids: [...this.ids] }),
    );
  }

  static decode(data: Uint8Array): StateMachine {
    const sm = new StateMachine();
    if (data.length === 0) return sm;
    const o = JSON.parse(new TextDecoder().decode(data)) as {
      index: number;
      hash: number;
      ids: string[];
    };
    sm.index = o.index;
    sm.hash = o.hash;
    for (const id of o.ids) sm.ids.add(id);
    return sm;
  }
}
