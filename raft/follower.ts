/**
 * What followers and (pre-)candidates do: accept appends after the consistency check (§5.3) with a
 * back-off hint, commit what the leader says is committed, assemble snapshot chunks (§7), count
 * votes (§5.2) and campaign on a leader's timeout-now (thesis §3.10).
 *
 * @module
 */

import type { Raft } from "./raft.ts";
import type { Message } from "./types.ts";

export function stepFollower(r: Raft, m: Message): void {
  switch (m.type) {
    case "append":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleAppend(r, m);
      return;
    case "heartbeat":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleHeartbeat(r, m);
      return;
    case "snapshot":
      r.electionElapsed = 0;
      r.lead = m.from;
      handleSnapshotChunk(r, m);
      return;
    case "timeout-now":
      r.hup(true);
      return;
    case "read-index-resp":
      r.readStates.push({ index: m.index, context: m.context });
      return;
    default:
      // Stale responses and requests meant for a leader are ignored.
      return;
  }
}

export function stepCandidate(r: Raft, m: Message): void {
  const myResponse = r.role === "pre-candidate" ? "pre-vote-resp" : "vote-resp";
  switch (m.type) {
    case "append":
      r.becomeFollower(m.term, m.from);
      handleAppend(r, m);
      return;
    case "heartbeat":
      r.becomeFollower(m.term, m.from);
      handleHeartbeat(r, m);
      return;
    case "snapshot":
      r.becomeFollower(m.term, m.from);
      handleSnapshotChunk(r, m);
      return;
    case myResponse:
      r.poll(m.from, !m.reject);
      return;
    default:
      return;
  }
}

function handleAppend(r: Raft, m: Message): void {
  const log = r.log;
  if (m.index < log.committed) {
    r.send({ type: "append-resp", to: m.from, index: log.committed });
    return;
  }
  const appended = log.maybeAppend(m.index, m.logTerm, m.commit, m.entries);
  if (appended !== undefined) {
    r.onWritten(appended.written);
    r.send({ type: "append-resp", to: m.from, index: appended.lastNew });
    return;
  }
  // Mismatch: hint where the leader's log and ours may agree, to skip a whole term at a time.
  const hint = log.findConflictByTerm(Math.min(m.index, log.lastIndex()), m.logTerm);
  r.send({
    type: "append-resp",
    to: m.from,
    index: m.index,
    reject: true,
    rejectHint: hint.index,
    logTerm: hint.term,
  });
}

function handleHeartbeat(r: Raft, m: Message): void {
  r.log.commitTo(m.commit);
  r.send({ type: "heartbeat-resp", to: m.from, context: m.context });
}

function handleSnapshotChunk(r: Raft, m: Message): void {
  const chunk = m.snapshotChunk;
  if (chunk === undefined) return;
  if (chunk.meta.index <= r.log.committed) {
    // We already have everything it holds: let the leader resume from our commit index.
    r.assembler.reset();
    r.send({ type: "append-resp", to: m.from, index: r.log.committed });
    return;
  }
  const got = r.assembler.add(m.from, m.term, chunk);
  if (got === "partial") return;
  if (got === "restart") {
    r.send({ type: "snapshot-resp", to: m.from, index: chunk.meta.index, reject: true });
    return;
  }
  const index = r.restoreSnapshot(got) ? r.log.lastIndex() : r.log.committed;
  r.send({ type: "append-resp", to: m.from, index });
}
