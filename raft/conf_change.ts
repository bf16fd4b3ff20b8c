/**
 * Membership changes: their encoding in a `conf-change` entry, the rules a proposal must satisfy,
 * and the bootstrap log of a new cluster.
 *
 * Encoding (self-validating, big-endian): the magic bytes `rcc1`, one type byte (1 add-voter,
 * 2 add-learner, 3 remove), the member ID as u16 length + UTF-8, the context as u32 length + bytes.
 * The total length must match exactly; anything else is refused with a {@link ConfChangeError}.
 *
 * @module
 */

import { type ConfChange, ConfChangeError, type ConfState } from "./types.ts";
import type { Entry, HardState, MemberId } from "./types.ts";

const MAGIC = [0x72, 0x63, 0x63, 0x31]; // "rcc1"
const TYPES = ["add-voter", "add-learner", "remove"] as const;
const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

/** Encodes a change for the `data` of a `conf-change` entry. */
export function encodeConfChange(change: ConfChange): Uint8Array {
  const typeCode = TYPES.indexOf(change.type) + 1;
  if (typeCode === 0) throw new ConfChangeError(`Unknown membership change type: ${change.type}`);
  const member = encoder.encode(change.member);
  if (member.length === 0 || member.length > 0xffff) {
    throw new ConfChangeError(
      `A membership change needs a member ID of 1 to 65535 bytes: got ${member.length}`,
    );
  }
  const out = new Uint8Array(4 + 1 + 2 + member.length + 4 + change.context.length);
  const view = new DataView(out.buffer);
  out.set(MAGIC, 0);
  out[4] = typeCode;
  view.setUint16(5, member.length);
  out.set(member, 7);
  view.setUint32(7 + member.length, change.context.length);
  out.set(change.context, 11 + member.length);
  return out;
}

/** Decodes the `data` of a `conf-change` entry; throws {@link ConfChangeError} when malformed. */
export function decodeConfChange(data: Uint8Array): ConfChange {
  const bad = (why: string) =>
    new ConfChangeError(`Malformed membership change entry (${data.length} bytes): ${why}`);
  if (data.length < 11) throw bad("too short");
  for (let i = 0; i < 4; i++) if (data[i] !== MAGIC[i]) throw bad("wrong magic bytes");
  const type = TYPES[(data[4] ?? 0) - 1];
  if (type === undefined) throw bad(`unknown type byte ${data[4]}`);
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const memberLen = view.getUint16(5);
  if (memberLen === 0 || 7 + memberLen + 4 > data.length) throw bad("bad member length");
  let member: string;
  try {
    member = decoder.decode(data.subarray(7, 7 + memberLen));
  } catch {
    throw bad("member ID is not UTF-8");
  }
  const contextLen = view.getUint32(7 + memberLen);
  if (11 + memberLen + contextLen !== data.length) throw bad("length does not match");
  const context = data.slice(11 + memberLen);
  return { type, member, context };
}

/** A membership with sorted, duplicate-free lists. */
function conf(voters: Iterable<MemberId>, learners: Iterable<MemberId>): ConfState {
  return { voters: [...new Set(voters)].sort(), learners: [...new Set(learners)].sort() };
}

/**
 * Applies `change` to `current` as a proposal must: throws {@link ConfChangeError} when the change
 * is a no-op, unsupported (demoting a voter) or unsafe (removing the last voter).
 */
export function applyChange(current: ConfState, change: ConfChange): ConfState {
  const { member } = change;
  if (member === "") throw new ConfChangeError("A membership change needs a non-empty member ID");
  const isVoter = current.voters.includes(member);
  const isLearner = current.learners.includes(member);
  switch (change.type) {
    case "add-voter":
      if (isVoter) throw new ConfChangeError(`Member ${member} is already a voter`);
      break;
    case "add-learner":
      if (isVoter) {
        throw new ConfChangeError(
          `Member ${member} is a voter: demotion to learner is not supported, remove it instead`,
        );
      }
      if (isLearner) throw new ConfChangeError(`Member ${member} is already a learner`);
      break;
    case "remove":
      if (!isVoter && !isLearner) {
        throw new ConfChangeError(`Member ${member} is not in the membership: nothing to remove`);
      }
      if (isVoter && current.voters.length === 1) {
        throw new ConfChangeError(
          `Refusing to remove ${member}: it is the last voter and the cluster would stop`,
        );
      }
      break;
  }
  return applyChangeLeniently(current, change);
}

/**
 * Applies `change` by setting the member's state outright (voter, learner or absent), without the
 * proposal checks. Replaying a log's changes this way over a membership that already reflects a
 * prefix of them gives the same result as replaying all of them: this is how a restarted member
 * rebuilds its membership from the stored one and the log.
 */
export function applyChangeLeniently(current: ConfState, change: ConfChange): ConfState {
  const { member } = change;
  const voters = current.voters.filter((id) => id !== member);
  const learners = current.learners.filter((id) => id !== member);
  if (change.type === "add-voter") voters.push(member);
  if (change.type === "add-learner") learners.push(member);
  return conf(voters, learners);
}

/**
 * The log of a new cluster: one `add-voter` entry per voter (sorted, term 1, indexes 1..n) and a
 * hard state that commits them. Every founding member must start from the same list, so that
 * their logs agree; members that join later learn the founding membership from these entries.
 */
export function bootstrapLog(
  voters: readonly MemberId[],
): { entries: Entry[]; hardState: HardState } {
  const sorted = [...new Set(voters)].sort();
  if (sorted.length === 0) throw new RangeError("Cannot bootstrap a cluster without voters");
  if (sorted.length !== voters.length || sorted.includes("")) {
    throw new RangeError(`Bootstrap voters must be distinct non-empty IDs: got ${voters.join()}`);
  }
  const entries = sorted.map((member, i): Entry => ({
    term: 1,
    index: i + 1,
    kind: "conf-change",
    data: encodeConfChange({ type: "add-voter", member, context: new Uint8Array() }),
  }));
  return { entries, hardState: { term: 1, vote: "", commit: entries.length } };
}
