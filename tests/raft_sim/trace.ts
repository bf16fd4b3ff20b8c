/**
 * The last events of a run, kept cheaply (formatted only when a failure prints them).
 *
 * @module
 */

import type { Message } from "../../raft/types.ts";

export type TraceEvent = { readonly t: number; readonly text: string | (() => string) };

export class Trace {
  readonly #size: number;
  readonly #events: TraceEvent[] = [];
  #next = 0;

  constructor(size: number) {
    this.#size = size;
  }

  add(t: number, text: string | (() => string)): void {
    if (this.#events.length < this.#size) this.#events.push({ t, text });
    else this.#events[this.#next] = { t, text };
    this.#next = (this.#next + 1) % this.#size;
  }

  /** The kept events, oldest first, one line each. */
  lines(): string[] {
    const ordered = this.#events.length < this.#size
      ? this.#events
      : [...this.#events.slice(this.#next), ...this.#events.slice(0, this.#next)];
    return ordered.map((e) => {
      const tick = Math.floor(e.t / 10);
      return `  [t=${tick}.${e.t % 10}] ${typeof e.text === "string" ? e.text : e.text()}`;
    });
  }
}

/** One line describing a message. */
export function describe(m: Message): string {
  let s = `${m.type} ${m.from}->${m.to} term=${m.term}`;
  switch (m.type) {
    case "append":
      s += ` prev=(${m.index},${m.logTerm}) n=${m.entries.length}`;
      if (m.entries.length > 0) {
        s += ` [${m.entries[0]?.index}..${m.entries[m.entries.length - 1]?.index}]`;
      }
      s += ` commit=${m.commit}`;
      break;
    case "append-resp":
      s += ` index=${m.index}${m.reject ? ` REJECT hint=(${m.rejectHint},${m.logTerm})` : ""}`;
      break;
    case "vote":
    case "pre-vote":
      s += ` last=(${m.index},${m.logTerm})`;
      break;
    case "vote-resp":
    case "pre-vote-resp":
    case "snapshot-resp":
      s += m.reject ? " REJECT" : " granted";
      break;
    case "heartbeat":
      s += ` commit=${m.commit}${m.context.length ? " ctx" : ""}`;
      break;
    case "snapshot": {
      const c = m.snapshotChunk;
      if (c !== undefined) {
        s +=
          ` snap=(${c.meta.index},${c.meta.term}) chunk ${c.offset}+${c.data.length}/${c.totalSize}`;
      }
      break;
    }
    case "read-index-resp":
      s += ` index=${m.index}`;
      break;
    default:
      break;
  }
  return s;
}
