/**
 * What a leader does: replication with flow control (§5.3), the commit rule (§5.4.2), snapshot
 * transfer (§7), membership proposals (§6), ReadIndex (thesis §6.4), leadership transfer (thesis
 * §3.10) and check-quorum (thesis §6.2).
 *
 * @module
 */

import { applyChange, encodeConfChange } from "./conf_change.ts";
import { voteResult } from "./quorum.ts";
import type { Progress } from "./progress.ts";
import type { Raft } from "./raft.ts";
import type { ReadRequest } from "./read_only.ts";
import { chunkSnapshot } from "./snapshot_chunks.ts";
import {
  CompactedError,
  type ConfChange,
  ConfChangeError,
  type Entry,
  type EntryKind,
  type MemberId,
  type Message,
  NotLeaderError,
} from "./types.ts";

const EMPTY = new Uint8Array();

export function stepLeader(r: Raft, m: Message): void {
  const pr = r.tracker.progress.get(m.from);
  // Responses from members outside the configuration are ignored.
  if (pr === undefined) return;
  switch (m.type) {
    case "read-index":
      handleReadIndex(r, { context: m.context, from: m.from });
      return;
    case "append-resp":
      handleAppendResp(r, m, pr);
      return;
    case "heartbeat-resp":
      handleHeartbeatResp(r, m, pr);
      return;
    case "snapshot-resp":
      // The follower could not assemble the snapshot: probe again after the next heartbeat.
      if (pr.state === "snapshot" && m.reject) {
        pr.becomeProbe();
        pr.paused = true;
      }
      return;
    default:
      return;
  }
}

function handleAppendResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  if (m.reject) {
    let nextProbe = m.rejectHint;
    if (m.logTerm > 0) nextProbe = r.log.findConflictByTerm(m.rejectHint, m.logTerm).index;
    if (pr.maybeDecrTo(m.index, nextProbe)) {
      if (pr.state === "replicate") pr.becomeProbe();
      sendAppend(r, m.from);
    }
    return;
  }
  const oldPaused = pr.isPaused();
  if (!pr.maybeUpdate(m.index) && !(pr.match === m.index && pr.state === "probe")) return;
  if (pr.state === "probe") {
    pr.becomeReplicate();
  } else if (pr.state === "snapshot" && pr.match + 1 >= r.log.firstIndex()) {
    pr.becomeProbe();
    pr.becomeReplicate();
  } else if (pr.state === "replicate") {
    pr.inflights.freeLE(m.index);
  }
  if (maybeCommit(r)) {
    r.bcastPending = true;
  } else if (oldPaused) {
    sendAppend(r, m.from);
  }
  while (maybeSendAppend(r, m.from, false)) { /* send as much as flow control allows */ }
  if (m.from === r.leadTransferee && pr.match === r.log.lastIndex()) sendTimeoutNow(r, m.from);
  stepDownIfRemoved(r);
}

function handleHeartbeatResp(r: Raft, m: Message, pr: Progress): void {
  pr.recentActive = true;
  pr.paused = false;
  // Even with full inflights this sends an (empty) append: its answer frees or resets the window,
  // so replication recovers when every append in flight was lost.
  if (pr.match < r.log.lastIndex() || pr.state === "probe") sendAppend(r, m.from);
  if (m.context.length === 0) return;
  const acks = r.readOnly.recvAck(m.from, m.context);
  if (acks === undefined || voteResult(r.tracker.voters, acks) !== "won") return;
  for (const read of r.readOnly.advance(m.context)) respondRead(r, read.request, read.index);
}

/** Commits what a majority of voters has matched, if it is of this term; true when it moved. */
export function maybeCommit(r: Raft): boolean {
  if (!r.log.maybeCommit(r.tracker.committed(), r.term)) return false;
  // The first commit of this term: reads that waited for it can proceed.
  const waiting = r.pendingReads;
  r.pendingReads = [];
  for (const req of waiting) handleReadIndex(r, req);
  return true;
}

/**
 * A leader removed from the configuration keeps leading (without counting itself) until the
 * change commits, then steps down, after telling the followers the new commit index and asking
 * the most up-to-date voter to campaign at once.
 */
function stepDownIfRemoved(r: Raft): void {
  if (r.role !== "leader" || r.tracker.isVoter(r.id)) return;
  if (r.log.committed < r.membership.lastChangeIndex) return;
  bcastAppend(r);
  const last = r.log.lastIndex();
  const successor = r.tracker.voters.find((id) => r.tracker.progress.get(id)?.match === last);
  if (successor !== undefined) sendTimeoutNow(r, successor);
  r.becomeFollower(r.term, "");
}

export function sendAppend(r: Raft, to: MemberId): void {
  maybeSendAppend(r, to, true);
}

/** Sends entries from the member's next index (or a snapshot); false when nothing was sent. */
export function maybeSendAppend(r: Raft, to: MemberId, sendIfEmpty: boolean): boolean {
  const pr = r.tracker.progress.get(to);
  if (pr === undefined || to === r.id || pr.isPaused()) return false;
  const prevIndex = pr.next - 1;
  const prevTerm = r.log.term(prevIndex);
  if (prevTerm === undefined) return maybeSendSnapshot(r, to, pr);
  let entries: Entry[] = [];
  if (pr.state !== "replicate" || !pr.inflights.full()) {
    try {
      entries = r.log.slice(pr.next, r.log.lastIndex() + 1, r.config.maxSizePerMsg);
    } catch (e) {
      if (e instanceof CompactedError) return maybeSendSnapshot(r, to, pr);
      throw e;
    }
  }
  if (entries.length === 0 && !sendIfEmpty) return false;
  r.send({
    type: "append",
    to,
    index: prevIndex,
    logTerm: prevTerm,
    entries,
    commit: r.log.committed,
  });
  pr.sentEntries(entries.length, prevIndex + entries.length);
  return true;
}

/** Sends the latest snapshot in chunks to a member whose next entry is compacted away. */
function maybeSendSnapshot(r: Raft, to: MemberId, pr: Progress): boolean {
  if (!pr.recentActive) return false;
  const snap = r.log.snapshot();
  if (snap.meta.index === 0) {
    throw new Error(`Raft bug: ${to} needs a snapshot but the storage holds none`);
  }
  pr.becomeSnapshot(snap.meta.index);
  for (const chunk of chunkSnapshot(snap, r.config.snapshotChunkSize)) {
    r.send({
      type: "snapshot",
      to,
      index: snap.meta.index,
      logTerm: snap.meta.term,
      snapshotChunk: chunk,
    });
  }
  return true;
}

export function bcastAppend(r: Raft): void {
  r.bcastPending = false;
  for (const id of r.tracker.progress.keys()) if (id !== r.id) sendAppend(r, id);
}

function bcastHeartbeat(r: Raft, context: Uint8Array): void {
  for (const [id, pr] of r.tracker.progress) {
    if (id === r.id) continue;
    // Never tell a follower to commit beyond what it is known to hold.
    const commit = Math.min(pr.match, r.log.committed);
    r.send({ type: "heartbeat", to: id, commit, context });
  }
}

function sendTimeoutNow(r: Raft, to: MemberId): void {
  r.send({ type: "timeout-now", to });
}

export function tickHeartbeat(r: Raft): void {
  r.heartbeatElapsed++;
  r.electionElapsed++;
  if (r.electionElapsed >= r.config.electionTick) {
    r.electionElapsed = 0;
    if (r.config.checkQuorum) {
      if (!r.tracker.quorumActive(r.id)) {
        r.becomeFollower(r.term, "");
        return;
      }
      for (const [id, pr] of r.tracker.progress) if (id !== r.id) pr.recentActive = false;
    }
    // A transfer that did not finish within an election timeout is abandoned.
    r.leadTransferee = "";
  }
  for (const pr of r.tracker.progress.values()) {
    if (pr.state === "snapshot" && ++pr.snapshotTicks >= r.config.electionTick) pr.becomeProbe();
  }
  if (r.heartbeatElapsed >= r.config.heartbeatTick) {
    r.heartbeatElapsed = 0;
    bcastHeartbeat(r, r.readOnly.lastPendingContext() ?? EMPTY);
  }
}

function assertLeader(r: Raft): void {
  if (r.role !== "leader") throw new NotLeaderError(r.lead);
  // Proposals during a transfer would keep the target from catching up: send them to it.
  if (r.leadTransferee !== "") throw new NotLeaderError(r.leadTransferee);
}

export function propose(
  r: Raft,
  kind: EntryKind,
  data: Uint8Array,
): { readonly index: number; readonly term: number } {
  assertLeader(r);
  const e = r.appendLocal(kind, data);
  r.bcastPending = true;
  maybeCommit(r);
  return { index: e.index, term: e.term };
}

export function proposeConfChange(
  r: Raft,
  change: ConfChange,
): { readonly index: number; readonly term: number } {
  assertLeader(r);
  if (r.log.term(r.log.committed) !== r.term) {
    throw new ConfChangeError(
      "This leader has not committed an entry of its term yet: retry the membership change shortly",
    );
  }
  const pending = r.membership.lastChangeIndex;
  if (pending > r.log.committed) {
    throw new ConfChangeError(
      `Membership change at index ${pending} is not committed yet: retry once it is`,
    );
  }
  applyChange(r.membership.latest, change);
  const placed = propose(r, "conf-change", encodeConfChange(change));
  stepDownIfRemoved(r);
  return placed;
}

/** A linearizable read asked of this leader by itself ("" as `from`) or forwarded by a member. */
export function handleReadIndex(r: Raft, req: ReadRequest): void {
  if (r.log.term(r.log.committed) !== r.term) {
    // Our commit index may lag the previous leader's until we commit an entry of our term.
    r.pendingReads.push(req);
    return;
  }
  const { voters } = r.tracker;
  if (voters.length === 1 && voters[0] === r.id) {
    respondRead(r, req, r.log.committed);
    return;
  }
  // A duplicate context is dropped: its earlier twin's answer serves the requester.
  if (r.readOnly.add(r.log.committed, req)) {
    r.readOnly.recvAck(r.id, req.context);
    bcastHeartbeat(r, req.context);
  }
}

function respondRead(r: Raft, req: ReadRequest, index: number): void {
  if (req.from === "") r.readStates.push({ index, context: req.context });
  else r.send({ type: "read-index-resp", to: req.from, index, context: req.context });
}

/** Hands leadership to `to` once its log has caught up (abandoned after an election timeout). */
export function transferLeadership(r: Raft, to: MemberId): void {
  if (r.role !== "leader") throw new NotLeaderError(r.lead);
  if (to === r.id) {
    r.leadTransferee = "";
    return;
  }
  if (!r.tracker.isVoter(to)) {
    throw new RangeError(`Cannot transfer leadership to ${to}: it is not a voter`);
  }
  if (r.leadTransferee === to) return;
  r.leadTransferee = to;
  r.electionElapsed = 0;
  const pr = r.tracker.progress.get(to);
  if (pr !== undefined && pr.match === r.log.lastIndex()) sendTimeoutNow(r, to);
  else sendAppend(r, to);
}
