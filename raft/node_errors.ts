/**
 * Errors a `RaftNode` (`node.ts`) rejects requests with (besides `NotLeaderError` from `types.ts`).
 *
 * @module
 */
import type { MemberId } from "./types.ts";

/** The entry of a proposal was replaced by another leader's entry: it will never be applied. */
export class ProposalDroppedError extends Error {
  override readonly name = "ProposalDroppedError";
  constructor(index: number, term: number, appliedTerm: number) {
    super(
      `Proposal at index ${index} (term ${term}) was dropped: a leader of term ${appliedTerm} ` +
        `replaced it. Retry it on the current leader`,
    );
  }
}

/** No outcome within the timeout. Unless `mayStillApply` is false, the entry may still be
 * applied later: re-read the state before retrying. */
export class ProposalTimeoutError extends Error {
  override readonly name = "ProposalTimeoutError";
  /** False when the request never reached the log (it waited behind a slow disk write). */
  readonly mayStillApply: boolean;
  constructor(what: string, ms: number, mayStillApply = true) {
    super(
      `${what} got no outcome within ${ms} ms (no quorum reachable, or a slow disk?). ` +
        (mayStillApply
          ? "It may still take effect: check the state before retrying"
          : "It was never proposed: retrying is safe"),
    );
    this.mayStillApply = mayStillApply;
  }
}

/** The member stopped (or failed) before the request had an outcome. */
export class RaftNodeStoppedError extends Error {
  override readonly name = "RaftNodeStoppedError";
  constructor(id: MemberId, options?: ErrorOptions) {
    super(
      `Raft member ${id} is not running${
        options?.cause instanceof Error ? `: ${options.cause.message}` : ""
      }`,
      options,
    );
  }
}
