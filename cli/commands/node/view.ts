/**
 * How nodes look in tables: status, availability and manager status.
 *
 * @module
 */

import type { Node } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../../../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../../../proto/gen/swarm/v1/types_pb.ts";

/** The header of `node ls`. */
export const NODE_HEADER = ["ID", "HOSTNAME", "STATUS", "AVAILABILITY", "MANAGER STATUS"] as const;

function title(name: string | undefined): string {
  if (name === undefined) return "";
  return name.charAt(0) + name.slice(1).toLowerCase();
}

/** "Ready", "Down", "Unknown" or "Disconnected". */
export function nodeStatusText(node: Node): string {
  return title(NodeStatus_State[node.status?.state ?? NodeStatus_State.UNKNOWN]);
}

/** "Active", "Pause" or "Drain". */
export function availabilityText(node: Node): string {
  return title(NodeSpec_Availability[node.spec?.availability ?? NodeSpec_Availability.ACTIVE]);
}

/** "Leader", "Reachable", "Unreachable", "Unknown", or "" for workers. */
export function managerStatusText(node: Node): string {
  const m = node.managerStatus;
  if (m === undefined) return "";
  if (m.leader) return "Leader";
  return title(RaftMemberStatus_Reachability[m.reachability]);
}

/** The hostname, or the node name when the node has not reported one. */
export function hostnameText(node: Node): string {
  return node.description?.hostname || node.spec?.annotations?.name || "";
}

/** The row of `node ls`. */
export function nodeRow(node: Node): string[] {
  return [
    node.id,
    hostnameText(node),
    nodeStatusText(node),
    availabilityText(node),
    managerStatusText(node),
  ];
}
