/**
 * On the leader: makes Raft membership follow `node.spec.desiredRole` for demotions. A node whose
 * desired role became WORKER leaves Raft (the leader first hands leadership on when it is the one
 * demoted), then its observed role becomes WORKER and its `managerStatus` goes: that is the
 * signal the demoted node waits for. The demoted node notices the change in its
 * dispatcher session and renews its certificate as a worker.
 *
 * Promotion: the promoted node renews its certificate as a manager and asks to join Raft itself
 * (`raft_membership.ts`), which adds it as a learner; this makes each such learner a voter once
 * it has caught up, and sets its role.
 *
 * @module
 */
import { clone } from "@bufbuild/protobuf";
import { NodeSchema } from "../proto/gen/swarm/v1/objects_pb.ts";
import { NodeRole } from "../proto/gen/swarm/v1/types_pb.ts";
import type { MemberId, RaftStatus } from "../raft/types.ts";
import type { Membership } from "./raft_membership.ts";
import type { MemoryStore } from "./store/memory_store.ts";

export interface RoleManagerOptions {
  readonly store: MemoryStore;
  readonly membership: Pick<Membership, "removeManager" | "promoteLearner">;
  readonly raft: { status(): RaftStatus; transferLeadership(to: MemberId): Promise<void> };
  readonly log?: (message: string) => void;
  /** Pause between passes when a pass could not finish (e.g. a learner still catching up).
   * @default 200 */
  readonly retryMs?: number;
}

export class RoleManager {
  readonly #o: RoleManagerOptions;
  #unwatch: (() => void) | undefined;
  #running = false;
  #again = false;
  #retry: ReturnType<typeof setTimeout> | undefined;

  constructor(options: RoleManagerOptions) {
    this.#o = options;
  }

  start(): void {
    if (this.#unwatch) return;
    this.#unwatch = this.#o.store.watch((events, reset) => {
      if (reset || events.some((e) => e.kind === "node")) this.#kick();
    });
    this.#kick();
  }

  stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearTimeout(this.#retry);
  }

  #kick(): void {
    if (!this.#unwatch) return;
    if (this.#running) {
      this.#again = true;
      return;
    }
    this.#running = true;
    this.#pass().then((done) => {
      this.#running = false;
      if (this.#again) {
        this.#again = false;
        this.#kick();
      } else if (!done && this.#unwatch) {
        this.#retry = setTimeout(() => this.#kick(), this.#o.retryMs ?? 200);
      }
    });
  }

  /** One pass over the nodes; false when something is left to do later. */
  async #pass(): Promise<boolean> {
    const o = this.#o;
    let done = true;
    for (const id of o.raft.status().conf.learners) {
      const node = o.store.get("node", id);
      if (node?.spec?.desiredRole !== NodeRole.MANAGER) continue;
      try {
        if (!(await o.membership.promoteLearner(id))) done = false;
      } catch (e) {
        o.log?.(`promoting learner ${id}: ${e instanceof Error ? e.message : e}`);
        done = false;
      }
    }
    for (const node of o.store.list("node")) {
      if (node.spec?.desiredRole !== NodeRole.WORKER) continue;
      const status = o.raft.status();
      const member = status.conf.voters.includes(node.id) || status.conf.learners.includes(node.id);
      if (!member && node.role === NodeRole.WORKER && !node.managerStatus) continue;
      try {
        if (member) {
          if (node.id === status.id) {
            const to = status.conf.voters.find((v) => v !== status.id);
            if (to === undefined) continue; // the last manager stays one
            o.log?.(`handing Raft leadership to ${to} before this manager is demoted`);
            await o.raft.transferLeadership(to);
            return true; // the new leader finishes the demotion
          }
          await o.membership.removeManager(node.id);
        }
        const current = o.store.get("node", node.id);
        if (current && (current.role !== NodeRole.WORKER || current.managerStatus)) {
          const u = clone(NodeSchema, current);
          u.role = NodeRole.WORKER;
          u.managerStatus = undefined;
          await o.store.update((tx) => tx.update("node", u));
        }
      } catch (e) {
        o.log?.(`demoting node ${node.id}: ${e instanceof Error ? e.message : e}`);
        done = false;
      }
    }
    return done;
  }
}
