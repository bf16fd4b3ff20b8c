/**
 * What `swarm node ls` shows in MANAGER STATUS, as the leader sees it: itself as leader and
 * reachable, every other Raft member reachable or not by its transport's last call. Pure: the
 * leader writes the nodes this returns.
 *
 * @module
 */
import { clone } from "@bufbuild/protobuf";
import { type Node, NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { RaftMemberStatus_Reachability } from "../proto/gen/swarm/v1/types_pb.ts";
import type { ConfState, MemberId } from "../raft/types.ts";

/** The member nodes whose `managerStatus` must change, already changed. */
export function managerStatusChanges(
  leader: MemberId,
  conf: ConfState,
  node: (id: MemberId) => Node | undefined,
  reachable: (id: MemberId) => boolean,
): Node[] {
  const changed: Node[] = [];
  for (const id of [...conf.voters, ...conf.learners]) {
    const n = node(id);
    if (!n?.managerStatus) continue;
    const isLeader = id === leader;
    const reachability = isLeader || reachable(id)
      ? RaftMemberStatus_Reachability.REACHABLE
      : RaftMemberStatus_Reachability.UNREACHABLE;
    if (n.managerStatus.leader === isLeader && n.managerStatus.reachability === reachability) {
      continue;
    }
    const u = clone(NodeSchema, n);
    u.managerStatus!.leader = isLeader;
    u.managerStatus!.reachability = reachability;
    changed.push(u);
  }
  return changed;
}
