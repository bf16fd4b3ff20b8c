/**
 * Malformed variants of real messages, which a member must refuse with an InvalidMessageError and
 * without any change of state (`validateMessage` in the core).
 *
 * @module
 */

import type { Entry, Message } from "../../raft/types.ts";

export function corrupt(msg: Message, random: () => number): { msg: Message; how: string } {
  const e0: Entry = {
    term: msg.term,
    index: msg.index + 1,
    kind: "normal",
    data: new Uint8Array(),
  };
  const options: [string, Record<string, unknown>][] = [
    ["negative term", { ...msg, term: -1 }],
    ["fractional index", { ...msg, index: 1.5 }],
    ["NaN commit", { ...msg, commit: Number.NaN }],
    ["addressed to another member", { ...msg, to: `${msg.to}-x` }],
    ["empty sender", { ...msg, from: "" }],
    ["sender is the receiver", { ...msg, from: msg.to }],
    ["unknown type", { ...msg, type: "bogus" }],
    ["context not bytes", { ...msg, context: "abc" }],
    ["reject not boolean", { ...msg, reject: 1 }],
  ];
  if (msg.type !== "append") {
    options.push(["entries on a non-append", { ...msg, entries: [e0] }]);
  } else {
    options.push(
      ["entries with a gap", { ...msg, entries: [{ ...e0, index: msg.index + 2 }] }],
      ["entry term above the message's", { ...msg, entries: [{ ...e0, term: msg.term + 1 }] }],
      ["entry of term 0", { ...msg, entries: [{ ...e0, term: 0 }] }],
      ["garbage conf change", {
        ...msg,
        entries: [{
          ...e0,
          term: Math.max(msg.logTerm, 1),
          kind: "conf-change",
          data: new Uint8Array([1, 2]),
        }],
      }],
      ["entry data not bytes", { ...msg, entries: [{ ...e0, data: [1] }] }],
    );
  }
  if (msg.type === "snapshot" && msg.snapshotChunk !== undefined) {
    const c = msg.snapshotChunk;
    options.push(
      ["snapshot without chunk", { ...msg, snapshotChunk: undefined }],
      ["chunk with a wrong last flag", { ...msg, snapshotChunk: { ...c, last: !c.last } }],
      ["chunk beyond its total size", { ...msg, snapshotChunk: { ...c, totalSize: c.offset } }],
      ["snapshot of index 0", { ...msg, snapshotChunk: { ...c, meta: { ...c.meta, index: 0 } } }],
    );
  } else {
    options.push(["chunk on a non-snapshot", { ...msg, snapshotChunk: { offset: 0 } }]);
  }
  const [how, bad] = options[Math.floor(random() * options.length)] as [string, unknown];
  return { msg: bad as Message, how };
}
