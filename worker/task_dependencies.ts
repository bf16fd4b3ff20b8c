/**
 * The secrets and configs an agent holds for its tasks, as the dispatcher sends them on the
 * assignments stream: a COMPLETE message replaces them all, an INCREMENTAL one adds (UPDATE) or
 * drops (REMOVE) one at a time. They are kept in memory only — never written to the node's
 * state directory; an executor materialises a task's files itself, where it must.
 *
 * The agent applies a message's secrets and configs before its tasks, so a task always finds
 * what it references (the dispatcher sends it in the same message or earlier).
 *
 * @module
 */
import type { AssignmentsMessage } from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import {
  AssignmentChange_Action,
  AssignmentsMessage_Type,
} from "../proto/gen/swarm/v1/dispatcher_pb.ts";
import type { Config, Secret } from "../proto/gen/swarm/v1/objects_pb.ts";
import type { DependencyLookup } from "./task_runtime.ts";

/** The node's secrets and configs; see the module documentation. */
export class TaskDependencies implements DependencyLookup {
  #secrets = new Map<string, Secret>();
  #configs = new Map<string, Config>();

  secret(id: string): Secret | undefined {
    return this.#secrets.get(id);
  }

  config(id: string): Config | undefined {
    return this.#configs.get(id);
  }

  /** IDs of the secrets held. */
  get secretIds(): string[] {
    return [...this.#secrets.keys()];
  }

  /** IDs of the configs held. */
  get configIds(): string[] {
    return [...this.#configs.keys()];
  }

  /** Applies the secret and config changes of an assignments message (tasks are ignored). */
  apply(message: AssignmentsMessage): void {
    if (message.type === AssignmentsMessage_Type.COMPLETE) this.clear();
    for (const c of message.changes) {
      const item = c.assignment?.item;
      const remove = c.action === AssignmentChange_Action.REMOVE;
      if (item?.case === "secret") {
        if (remove) this.#secrets.delete(item.value.id);
        else this.#secrets.set(item.value.id, item.value);
      } else if (item?.case === "config") {
        if (remove) this.#configs.delete(item.value.id);
        else this.#configs.set(item.value.id, item.value);
      }
    }
  }

  /** Forgets everything (the agent stops). */
  clear(): void {
    this.#secrets = new Map();
    this.#configs = new Map();
  }
}
