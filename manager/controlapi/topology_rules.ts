/**
 * The rules the control API applies to the cluster's topology, as pure functions of the objects
 * involved: when a manager may be demoted, when a node may be removed, how long a removed node's
 * certificate stays refused, and how join tokens are rotated. The control server and the
 * client's fake control API (`cli/fake_control_api.ts`) both use them, so the client is tested
 * against the same rules the managers enforce.
 *
 * A refusal is returned as a message (for FAILED_PRECONDITION), `undefined` when allowed.
 *
 * ## Demotion and quorum
 *
 * - The *managers* are the nodes whose observed `role` or `spec.desired_role` is MANAGER: the Raft
 *   members plus the promotions still in progress.
 * - A manager is *reachable* when it is the manager answering the request; else when its
 *   `manager_status.reachability` says REACHABLE (UNREACHABLE says it is not); else, with no
 *   reachability reported, when its node status is READY.
 * - Demoting a manager removes it from the Raft membership. It is refused when no manager would
 *   remain, or when the reachable managers that remain are fewer than a quorum (a strict
 *   majority) of the managers that remain: `reachable(rest) >= floor(|rest| / 2) + 1`. So 3 → 2
 *   with everything up is fine, 2 → 1 is fine when the one left is reachable, and demoting a
 *   healthy manager of 3 while another one is down is refused (1 of 2 left is no quorum).
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Cluster, Node } from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  type BlacklistedCertificate,
  BlacklistedCertificateSchema,
  JoinTokensSchema,
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { RootCA } from "../../proto/gen/swarm/v1/types_pb.ts";
import type { KeyRotation } from "../../proto/gen/swarm/v1/control_pb.ts";
import { generateJoinToken, type RandomBytes } from "../../pki/mod.ts";
import { durationMs } from "../duration.ts";

/** How long a removed node's certificate is refused when the cluster sets no certificate expiry. */
export const DEFAULT_NODE_CERT_EXPIRY_MS = 90 * 24 * 3600 * 1000;

/** Whether a node counts as a manager: observed or desired role MANAGER. */
export function isManager(node: Node): boolean {
  return node.role === NodeRole.MANAGER || node.spec?.desiredRole === NodeRole.MANAGER;
}

/** Whether a manager counts as reachable (see the module doc). */
export function isReachableManager(node: Node, servingNodeId?: string): boolean {
  if (servingNodeId !== undefined && node.id === servingNodeId) return true;
  const reachability = node.managerStatus?.reachability;
  if (reachability === RaftMemberStatus_Reachability.REACHABLE) return true;
  if (reachability === RaftMemberStatus_Reachability.UNREACHABLE) return false;
  return node.status?.state === NodeStatus_State.READY;
}

/** Whether changing `node`'s desired role to `desiredRole` is a demotion of a manager. */
export function isDemotion(node: Node, desiredRole: NodeRole): boolean {
  return desiredRole === NodeRole.WORKER && node.spec?.desiredRole === NodeRole.MANAGER;
}

/**
 * Why demoting `target` is refused, or `undefined` when it may be demoted.
 *
 * @param nodes every node of the cluster (`target` included).
 * @param servingNodeId the manager answering the request, reachable by definition.
 */
export function demotionRefusal(
  nodes: readonly Node[],
  target: Node,
  servingNodeId?: string,
): string | undefined {
  const rest = nodes.filter((n) => n.id !== target.id && isManager(n));
  if (rest.length === 0) {
    return `Node ${target.id} is the last manager of the swarm and can't be demoted: ` +
      "promote another node first (swarm node promote NODE)";
  }
  const reachable = rest.filter((n) => isReachableManager(n, servingNodeId)).length;
  const quorum = Math.floor(rest.length / 2) + 1;
  if (reachable < quorum) {
    return `Demoting node ${target.id} would lose the managers' quorum: ${reachable} of the ` +
      `${rest.length} remaining managers ${reachable === 1 ? "is" : "are"} reachable and Raft ` +
      `needs ${quorum}; bring the unreachable managers back (or demote them) first`;
  }
  return undefined;
}

/** Why removing `node` is refused, or `undefined` when it may be removed. */
export function removalRefusal(node: Node, force: boolean): string | undefined {
  if (node.spec?.desiredRole === NodeRole.MANAGER) {
    return `Node ${node.id} is a manager: demote it first: swarm node demote ${node.id}`;
  }
  if (node.role === NodeRole.MANAGER) {
    return `Node ${node.id} is still a Raft member while its demotion completes: ` +
      "remove it once 'swarm node ls' no longer shows it as a manager";
  }
  const state = node.status?.state ?? NodeStatus_State.UNKNOWN;
  if (state !== NodeStatus_State.DOWN && !force) {
    return `Node ${node.id} is not down (status ${stateName(state)}) and can't be removed: ` +
      "stop it first, or use --force to remove it anyway";
  }
  return undefined;
}

function stateName(state: NodeStatus_State): string {
  return (NodeStatus_State[state] ?? String(state)).toLowerCase();
}

/** When a removed node's certificate may be forgotten: now plus the cluster's certificate expiry. */
export function blacklistExpiry(cluster: Cluster | undefined, now: Date): Timestamp {
  const expiry = cluster?.spec?.caConfig?.nodeCertExpiry;
  const ms = expiry === undefined || durationMs(expiry) <= 0
    ? DEFAULT_NODE_CERT_EXPIRY_MS
    : durationMs(expiry);
  return timestampFromDate(new Date(now.getTime() + ms));
}

/** The entry that refuses a removed node's certificate until {@link blacklistExpiry}. */
export function blacklistEntry(cluster: Cluster | undefined, now: Date): BlacklistedCertificate {
  return create(BlacklistedCertificateSchema, { expiry: blacklistExpiry(cluster, now) });
}

/** The cluster's root CA can't vouch for new join tokens. */
export class RootDigestError extends Error {
  override name = "RootDigestError";
}

/**
 * Replaces the join tokens `rotation` asks for with new ones (same root CA digest, new secret),
 * in place. The digest is the cluster's `root_ca.ca_cert_hash` (hex SHA-256 of the root CA).
 *
 * @returns whether anything changed.
 * @throws {RootDigestError} when a rotation is asked for and the digest is missing or malformed.
 */
export function rotateJoinTokens(
  rootCa: RootCA,
  rotation: Pick<KeyRotation, "workerJoinToken" | "managerJoinToken"> | undefined,
  randomBytes?: RandomBytes,
): boolean {
  if (!rotation?.workerJoinToken && !rotation?.managerJoinToken) return false;
  const digest = hexToBytes(rootCa.caCertHash);
  if (digest === null || digest.length !== 32) {
    throw new RootDigestError(
      `The cluster's root CA digest (root_ca.ca_cert_hash) is ${
        rootCa.caCertHash === "" ? "missing" : `malformed (${JSON.stringify(rootCa.caCertHash)})`
      }: join tokens can't be rotated until the root CA is repaired`,
    );
  }
  const tokens = rootCa.joinTokens ??= create(JoinTokensSchema);
  if (rotation.workerJoinToken) tokens.worker = generateJoinToken(digest, randomBytes);
  if (rotation.managerJoinToken) tokens.manager = generateJoinToken(digest, randomBytes);
  return true;
}

function hexToBytes(hex: string): Uint8Array | null {
  if (hex.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(hex)) return null;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}
