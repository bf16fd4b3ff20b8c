/**
 * Building messages, and checking those that arrive. `validateMessage` refuses with an
 * {@link InvalidMessageError} anything malformed (wrong types, negative or fractional numbers,
 * non-contiguous entries, a chunk on the wrong type, an undecodable membership change, a message
 * not addressed to this member); it runs before the core changes any state.
 *
 * @module
 */

import { decodeConfChange } from "./conf_change.ts";
import {
  InvalidMessageError,
  type MemberId,
  type Message,
  type MessageType,
  type SnapshotChunk,
} from "./types.ts";

const EMPTY = new Uint8Array();
const TYPES: ReadonlySet<string> = new Set<MessageType>([
  "append",
  "append-resp",
  "vote",
  "vote-resp",
  "pre-vote",
  "pre-vote-resp",
  "heartbeat",
  "heartbeat-resp",
  "snapshot",
  "snapshot-resp",
  "timeout-now",
  "read-index",
  "read-index-resp",
]);

/** The context of a vote request sent on a leadership transfer: voters grant it despite a lease. */
export const TRANSFER_CONTEXT: Uint8Array = new TextEncoder().encode("raft:transfer-leadership");

export function isTransferContext(context: Uint8Array): boolean {
  if (context.length !== TRANSFER_CONTEXT.length) return false;
  return context.every((b, i) => b === TRANSFER_CONTEXT[i]);
}

/** The fields a message needs; the rest default to zero or empty. */
export type MessageFields =
  & Pick<Message, "type" | "from" | "to" | "term">
  & Partial<Omit<Message, "type" | "from" | "to" | "term">>;

export function newMessage(f: MessageFields): Message {
  const m: Message = {
    type: f.type,
    from: f.from,
    to: f.to,
    term: f.term,
    logTerm: f.logTerm ?? 0,
    index: f.index ?? 0,
    entries: f.entries ?? [],
    commit: f.commit ?? 0,
    reject: f.reject ?? false,
    rejectHint: f.rejectHint ?? 0,
    context: f.context ?? EMPTY,
  };
  return f.snapshotChunk === undefined ? m : { ...m, snapshotChunk: f.snapshotChunk };
}

function fail(m: { type?: unknown; from?: unknown }, why: string): never {
  throw new InvalidMessageError(
    `Refusing a ${String(m.type ?? "message")} from ${String(m.from ?? "?")}: ${why}`,
  );
}

const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isId = (v: unknown): v is MemberId => typeof v === "string" && v.length > 0;

/** Checks that `input` is a well-formed message for member `self`. */
export function validateMessage(input: unknown, self: MemberId): asserts input is Message {
  if (typeof input !== "object" || input === null) fail({}, "not an object");
  const m = input as Record<string, unknown>;
  if (typeof m.type !== "string" || !TYPES.has(m.type)) fail(m, `unknown type ${String(m.type)}`);
  if (!isId(m.from)) fail(m, "the sender ID is empty or not a string");
  if (m.to !== self) fail(m, `it is addressed to ${String(m.to)}, not to this member (${self})`);
  if (m.from === self) fail(m, "it claims to come from this member itself");
  for (const k of ["term", "logTerm", "index", "commit", "rejectHint"] as const) {
    if (!isCount(m[k])) fail(m, `${k} must be a non-negative integer, got ${String(m[k])}`);
  }
  if (typeof m.reject !== "boolean") fail(m, "reject must be a boolean");
  if (!(m.context instanceof Uint8Array)) fail(m, "context must be a Uint8Array");
  if (!Array.isArray(m.entries)) fail(m, "entries must be an array");
  if (m.entries.length > 0) {
    if (m.type !== "append") fail(m, "only append messages carry entries");
    validateEntries(m, m.entries);
  }
  if (m.type === "snapshot") {
    validateChunk(m, m.snapshotChunk);
  } else if (m.snapshotChunk !== undefined) {
    fail(m, "only snapshot messages carry a snapshot chunk");
  }
}

function validateEntries(m: Record<string, unknown>, entries: unknown[]): void {
  let expect = (m.index as number) + 1;
  let prevTerm = m.logTerm as number;
  for (const raw of entries) {
    if (typeof raw !== "object" || raw === null) fail(m, "an entry is not an object");
    const e = raw as Record<string, unknown>;
    if (e.index !== expect) fail(m, `entry index ${String(e.index)} where ${expect} was expected`);
    if (!isCount(e.term) || e.term < 1) fail(m, `entry ${expect} has an invalid term`);
    if (e.term < prevTerm) fail(m, `entry ${expect} has a term lower than the entry before it`);
    if (e.term > (m.term as number)) fail(m, `entry ${expect} has a term above the message's`);
    if (!(e.data instanceof Uint8Array)) fail(m, `entry ${expect} data must be a Uint8Array`);
    if (e.kind === "conf-change") {
      try {
        decodeConfChange(e.data);
      } catch (err) {
        fail(m, `entry ${expect}: ${(err as Error).message}`);
      }
    } else if (e.kind !== "normal") {
      fail(m, `entry ${expect} has an unknown kind ${String(e.kind)}`);
    }
    prevTerm = e.term;
    expect++;
  }
}

function validateChunk(m: Record<string, unknown>, raw: unknown): asserts raw is SnapshotChunk {
  if (typeof raw !== "object" || raw === null) fail(m, "a snapshot message needs a chunk");
  const c = raw as Record<string, unknown>;
  const meta = c.meta as Record<string, unknown> | undefined;
  if (typeof meta !== "object" || meta === null) fail(m, "the chunk has no snapshot metadata");
  if (!isCount(meta.index) || meta.index < 1) fail(m, "the snapshot index must be at least 1");
  if (!isCount(meta.term) || meta.term < 1) fail(m, "the snapshot term must be at least 1");
  if (meta.term > (m.term as number)) fail(m, "the snapshot term is above the message's");
  const conf = meta.conf as Record<string, unknown> | undefined;
  if (
    typeof conf !== "object" || conf === null ||
    !Array.isArray(conf.voters) || !conf.voters.every(isId) ||
    !Array.isArray(conf.learners) || !conf.learners.every(isId)
  ) fail(m, "the snapshot membership must list voter and learner IDs");
  if (!isCount(c.offset) || !isCount(c.totalSize)) fail(m, "chunk offset/size must be counts");
  if (!(c.data instanceof Uint8Array)) fail(m, "chunk data must be a Uint8Array");
  const end = c.offset + c.data.length;
  if (end > c.totalSize) fail(m, `chunk ends at ${end}, beyond the total size ${c.totalSize}`);
  if (c.data.length === 0 && c.totalSize > 0) fail(m, "an empty chunk of a non-empty snapshot");
  if (c.last !== (end === c.totalSize)) fail(m, "the chunk's last flag does not match its end");
}
