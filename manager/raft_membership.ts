/**
 * Raft membership as the managers see it: a manager that joins asks the leader (`Join`), which
 * records its address in the store and adds it as a learner, answering at once with the members'
 * addresses (the newcomer needs them to answer the leader at all). The leader's role manager makes
 * the learner a voter once it has caught up with the log — so a new manager never counts towards
 * a quorum it cannot yet serve (a blank voter in a 1-member cluster would stall every commit until
 * it caught up).
 * `Leave` and demotion remove a voter, refused when that would break the cluster.
 *
 * Addresses live in the replicated store (`node.managerStatus.addr`), so every manager — and a
 * restarted one — knows where its peers are.
 *
 * @module
 */
import { clone } from "@bufbuild/protobuf";
import { NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { RaftMember, RaftMembership } from "../proto/gen/swarm/v1/raft_pb.ts";
import { NodeSpec_Membership } from "../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../proto/gen/swarm/v1/types_pb.ts";
import type { ServiceImpl } from "../proto/grpc_server.ts";
import {
  failedPrecondition,
  invalidArgument,
  notFound,
  permissionDenied,
} from "../proto/grpc_status.ts";
import {
  type ConfChange,
  ConfChangeError,
  type ConfState,
  type RaftStatus,
} from "../raft/types.ts";
import { authenticate } from "./auth.ts";
import type { MemoryStore } from "./store/memory_store.ts";

/** What membership needs of the Raft member. */
export interface MembershipRaft {
  status(): RaftStatus;
  proposeConfChange(change: ConfChange): Promise<{ index: number; term: number }>;
}

export interface MembershipOptions {
  readonly store: MemoryStore;
  readonly clusterId: string;
  readonly raft: MembershipRaft;
  readonly sleep?: (ms: number) => Promise<void>;
}

const encoder = new TextEncoder();

/** The members of `conf` with their addresses from the store. */
export function raftMembers(store: MemoryStore, conf: ConfState): RaftMember[] {
  return [...conf.voters, ...conf.learners].map((id) => ({
    $typeName: "swarm.v1.RaftMember" as const,
    raftId: id,
    nodeId: id,
    addr: store.get("node", id)?.managerStatus?.addr ?? "",
  }));
}

export class Membership {
  readonly #o: MembershipOptions;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: MembershipOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  impl(): ServiceImpl<typeof RaftMembership> {
    const o = this.#o;
    return {
      join: async (req, ctx) => {
        const id = authenticate(o.store, o.clusterId, ctx, ["manager"]).nodeId;
        if (!/^[^\s]+:\d{1,5}$/.test(req.addr)) {
          throw invalidArgument(`Join needs the manager's address as HOST:PORT, got "${req.addr}"`);
        }
        await this.addManager(id, req.addr);
        return { raftId: id, members: raftMembers(o.store, o.raft.status().conf) };
      },
      leave: async (req, ctx) => {
        const caller = authenticate(o.store, o.clusterId, ctx, ["manager"]).nodeId;
        const id = req.node?.raftId || caller;
        if (id !== caller) {
          throw permissionDenied(
            `Manager ${caller} may only take itself out of Raft; demote ${id} with 'swarm node demote'`,
          );
        }
        await this.removeManager(id);
        return {};
      },
    };
  }

  /** Leader: records where node `id` (whose certificate says manager) is reachable and adds it
   * to Raft as a learner; {@link promoteLearner} makes it a voter once it has caught up. */
  async addManager(id: string, addr: string): Promise<void> {
    const o = this.#o;
    const node = o.store.get("node", id);
    if (!node) throw notFound(`Node ${id} is not part of this cluster: join it first`);
    if (node.spec?.desiredRole !== NodeRole.MANAGER) {
      throw permissionDenied(
        `Node ${id} is not meant to be a manager: promote it first with 'swarm node promote ${id}'`,
      );
    }
    if (node.managerStatus?.addr !== addr || node.managerStatus.raftId !== id) {
      const u = clone(NodeSchema, node);
      u.managerStatus = {
        $typeName: "swarm.v1.ManagerStatus",
        raftId: id,
        addr,
        leader: false,
        reachability: RaftMemberStatus_Reachability.REACHABLE,
      };
      await o.store.update((tx) => tx.update("node", u));
    }
    const conf = this.#o.raft.status().conf;
    if (!conf.voters.includes(id) && !conf.learners.includes(id)) {
      await this.#propose({ type: "add-learner", member: id, context: encoder.encode(addr) });
    }
  }

  /**
   * Leader: makes learner `id` a voter once it has every entry the leader has committed, and
   * records its role. Returns false while it is still catching up.
   */
  async promoteLearner(id: string): Promise<boolean> {
    const o = this.#o;
    const status = o.raft.status();
    if (!status.conf.learners.includes(id)) return true;
    if ((status.progress[id]?.match ?? 0) < status.commit) return false;
    const addr = o.store.get("node", id)?.managerStatus?.addr ?? "";
    await this.#propose({ type: "add-voter", member: id, context: encoder.encode(addr) });
    const n = o.store.get("node", id);
    if (n && n.role !== NodeRole.MANAGER) {
      const u = clone(NodeSchema, n);
      u.role = NodeRole.MANAGER;
      await o.store.update((tx) => tx.update("node", u));
    }
    return true;
  }

  /**
   * Leader: takes node `id` out of Raft. Refused when it is the last voter, or when the voters
   * that stay and are reachable would not make a quorum of the new membership.
   */
  async removeManager(id: string): Promise<void> {
    const o = this.#o;
    const status = o.raft.status();
    const { voters, learners } = status.conf;
    if (!voters.includes(id) && !learners.includes(id)) return;
    if (voters.includes(id)) {
      const remaining = voters.filter((v) => v !== id);
      if (remaining.length === 0) {
        throw failedPrecondition(
          `Manager ${id} is the last one: a cluster needs at least one manager`,
        );
      }
      const reachable = remaining.filter((v) => v === status.id || this.#reachable(v));
      const quorum = Math.floor(remaining.length / 2) + 1;
      if (reachable.length < quorum) {
        throw failedPrecondition(
          `Removing manager ${id} would leave ${reachable.length} reachable manager(s) of ` +
            `${remaining.length}, short of a quorum of ${quorum}: bring the other managers back first`,
        );
      }
    }
    await this.#propose({ type: "remove", member: id, context: new Uint8Array() });
  }

  #reachable(id: string): boolean {
    const node = this.#o.store.get("node", id);
    return node?.status?.state === NodeStatus_State.READY &&
      node.spec?.membership !== NodeSpec_Membership.PENDING;
  }

  /** Proposes a change, waiting out one that is still in flight. */
  async #propose(change: ConfChange): Promise<void> {
    const deadline = Date.now() + 10_000;
    while (true) {
      try {
        await this.#o.raft.proposeConfChange(change);
        return;
      } catch (e) {
        if (!(e instanceof ConfChangeError) || Date.now() > deadline) throw e;
        await this.#sleep(50);
      }
    }
  }
}
