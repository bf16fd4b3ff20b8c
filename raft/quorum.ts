/**
 * Majority arithmetic over a set of voters: the commit index a quorum has reached, and the outcome
 * of a vote. Learners never appear here: callers pass voters only.
 *
 * @module
 */

import type { MemberId } from "./types.ts";

/** The outcome of counting votes so far. */
export type VoteResult = "won" | "lost" | "pending";

/** The smallest number of voters that forms a majority of `n`. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

/**
 * The highest index that a majority of `voters` has reached, given each voter's match index
 * (missing voters count as 0). An empty voter set commits nothing (returns 0).
 */
export function committedIndex(
  voters: readonly MemberId[],
  match: (id: MemberId) => number | undefined,
): number {
  if (voters.length === 0) return 0;
  const indexes = voters.map((id) => match(id) ?? 0).sort((a, b) => b - a);
  return indexes[majority(voters.length) - 1] ?? 0;
}

/**
 * Counts `votes` (granted = true, rejected = false) of `voters`; votes of non-voters are ignored.
 * An empty voter set never wins.
 */
export function voteResult(
  voters: readonly MemberId[],
  votes: ReadonlyMap<MemberId, boolean>,
): VoteResult {
  if (voters.length === 0) return "lost";
  let granted = 0;
  let missing = 0;
  for (const id of voters) {
    const v = votes.get(id);
    if (v === undefined) missing++;
    else if (v) granted++;
  }
  const q = majority(voters.length);
  if (granted >= q) return "won";
  if (granted + missing >= q) return "pending";
  return "lost";
}
