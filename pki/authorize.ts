/**
 * Per-RPC authorization of a caller identified by its client certificate, as a pure check.
 *
 * A caller is allowed when it presented a node certificate (else UNAUTHENTICATED), of this
 * cluster, whose node is not revoked, with one of the RPC's allowed roles (else
 * PERMISSION_DENIED). Mapping the returned error to a gRPC status is left to the caller: each
 * error class carries the status name in `grpcStatus`.
 *
 * @module
 */

import { PermissionDeniedError, UnauthenticatedError } from "./errors.ts";
import type { NodeRole } from "./names.ts";
import type { NodeIdentity } from "./verify.ts";

/** Why a call is refused. */
export type AuthorizationError = UnauthenticatedError | PermissionDeniedError;

/**
 * Checks a caller; returns null when it may proceed, or the error to answer with.
 *
 * @param identity from `peerIdentity(call)`; null when the caller presented no valid certificate.
 * @param allowedRoles roles allowed to call the RPC.
 * @param clusterId this cluster's ID; the certificate's O must equal it.
 * @param isRevoked whether a node ID is on the cluster's revoked (removed nodes) list.
 */
export function authorize(
  identity: NodeIdentity | null,
  allowedRoles: readonly NodeRole[],
  clusterId: string,
  isRevoked: (nodeId: string) => boolean,
): AuthorizationError | null {
  if (identity === null) {
    return new UnauthenticatedError(
      "Unauthenticated: this call needs a client certificate issued by this cluster's CA; " +
        "join the cluster first",
    );
  }
  if (identity.clusterId !== clusterId) {
    return new PermissionDeniedError(
      `Permission denied: node ${identity.nodeId} belongs to cluster ${identity.clusterId}, ` +
        `not ${clusterId}`,
    );
  }
  if (isRevoked(identity.nodeId)) {
    return new PermissionDeniedError(
      `Permission denied: node ${identity.nodeId} was removed from the cluster; its ` +
        "certificate is revoked",
    );
  }
  if (!allowedRoles.includes(identity.role)) {
    return new PermissionDeniedError(
      `Permission denied: role ${identity.role} of node ${identity.nodeId} may not make this ` +
        `call (allowed: ${allowedRoles.join(", ") || "none"})`,
    );
  }
  return null;
}

/**
 * Like {@link authorize}, but throws the error and returns the identity when allowed.
 *
 * @throws {UnauthenticatedError} when there is no identity.
 * @throws {PermissionDeniedError} when the identity may not make the call.
 */
export function requireAuthorized(
  identity: NodeIdentity | null,
  allowedRoles: readonly NodeRole[],
  clusterId: string,
  isRevoked: (nodeId: string) => boolean,
): NodeIdentity {
  const error = authorize(identity, allowedRoles, clusterId, isRevoked);
  if (error !== null) throw error;
  return identity!;
}
