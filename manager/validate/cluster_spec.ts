/**
 * Rules for the cluster spec (SwarmKit `manager/controlapi/cluster.go`).
 *
 * @module
 */

import type { ClusterSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { validateDuration } from "./duration.ts";
import { quote, validateLabels } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/** The name of the one cluster object; it cannot change. */
export const CLUSTER_NAME = "default";
/** Shortest node certificate lifetime: 1 hour, in nanoseconds. */
export const MIN_NODE_CERT_EXPIRY_NANOS = 3_600_000_000_000n;

/**
 * Checks the cluster spec: the name stays "default", the node certificate expiry is at least
 * 1 h when set, the heartbeat period is not negative, and the Raft election tick (when set) is
 * greater than the heartbeat tick.
 *
 * @throws {ValidationError}
 */
export function validateClusterSpec(spec: ClusterSpec | undefined): void {
  if (spec === undefined) {
    throw new ValidationError("missing cluster spec: the request must carry a spec");
  }
  const name = spec.annotations?.name ?? "";
  if (name !== CLUSTER_NAME) {
    throw new ValidationError(
      `invalid cluster name ${quote(name)}: the cluster is always named "${CLUSTER_NAME}"`,
    );
  }
  validateLabels(spec.annotations?.labels ?? {}, "cluster");
  validateDuration(spec.caConfig?.nodeCertExpiry, "node certificate expiry", {
    minNanos: MIN_NODE_CERT_EXPIRY_NANOS,
    minText: "1h",
  });
  validateDuration(spec.dispatcher?.heartbeatPeriod, "dispatcher heartbeat period");
  const raft = spec.raft;
  if (raft !== undefined && raft.electionTick !== 0) {
    const heartbeat = raft.heartbeatTick === 0 ? 1 : raft.heartbeatTick;
    if (raft.electionTick <= heartbeat) {
      throw new ValidationError(
        `invalid raft election tick ${raft.electionTick}: must be greater than the heartbeat tick ${heartbeat} (the default is 10)`,
      );
    }
  }
}
