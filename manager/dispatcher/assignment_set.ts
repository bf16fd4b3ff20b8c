/**
 * What one node has been sent on its assignments stream, and the changes that bring it up to
 * date with the store — SwarmKit's per-node assignment set (`manager/dispatcher/assignments.go`).
 * Pure: it reads a {@linkcode AssignmentView} and remembers only what it sent.
 *
 * - Tasks: every task of the node in state ASSIGNED or later. A task is sent again when its
 *   desired state changes, and REMOVEd when it leaves the node (deleted, or no longer the node's).
 * - Secrets and configs, least privilege: exactly those referenced by the node's tasks that still
 *   need them. A task needs them until it has ended and is not meant to run again (desired and
 *   observed state both past RUNNING, SwarmKit's `isTaskCompleted`); one that no task needs any
 *   more is REMOVEd. A secret or config is sent again if its object changed (its version).
 * - Order within one batch: secret and config UPDATEs, then task UPDATEs and REMOVEs, then secret
 *   and config REMOVEs — a task never arrives before what it references.
 * - A reference to a secret or config the store does not have (or whose name no longer matches
 *   the reference) is reported once in `missing`; the task is sent all the same and the agent
 *   rejects it, naming what is missing (the control API refuses such references, so this takes a
 *   removal racing a service update).
 *
 * The first {@linkcode AssignmentSet.update} of a new set gives the COMPLETE message's changes
 * (only UPDATEs); later ones give INCREMENTAL changes.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type Config,
  ConfigSchema,
  type Secret,
  SecretSchema,
  type Task,
  TaskSchema,
} from "../../proto/gen/swarm/v1/objects_pb.ts";
import {
  type Assignment,
  type AssignmentChange,
  AssignmentChange_Action,
  AssignmentChangeSchema,
} from "../../proto/gen/swarm/v1/dispatcher_pb.ts";
import { TaskState } from "../../proto/gen/swarm/v1/types_pb.ts";

/** What the set is brought up to date with: the store as it is now, seen from one node. */
export interface AssignmentView {
  /** The node's tasks (those before ASSIGNED are left out by the set itself). */
  readonly tasks: Iterable<Task>;
  readonly secret: (id: string) => Secret | undefined;
  readonly config: (id: string) => Config | undefined;
}

/** A task's reference to a secret or config that cannot be sent. */
export interface MissingReference {
  readonly taskId: string;
  readonly kind: "secret" | "config";
  readonly id: string;
  readonly name: string;
}

/** The result of {@linkcode AssignmentSet.update}. */
export interface AssignmentDiff {
  /** The changes to send, in sending order; empty when the node is up to date. */
  readonly changes: AssignmentChange[];
  /** References that could not be honoured, each reported once. */
  readonly missing: MissingReference[];
}

/** The secret and config references of a task (none for a task without a runtime). */
export function taskReferences(task: Task): {
  secrets: readonly { id: string; name: string }[];
  configs: readonly { id: string; name: string }[];
} {
  const rt = task.spec?.runtime;
  if (rt?.case === undefined) return { secrets: [], configs: [] };
  return {
    secrets: rt.value.secrets.map((r) => ({ id: r.secretId, name: r.secretName })),
    configs: rt.value.configs.map((r) => ({ id: r.configId, name: r.configName })),
  };
}

/**
 * Whether a task still needs its secrets and configs: until it has ended (observed state past
 * RUNNING) and is not meant to run (desired state past RUNNING).
 */
export function needsDependencies(task: Task): boolean {
  return !(task.desiredState > TaskState.RUNNING && (task.status?.state ?? 0) > TaskState.RUNNING);
}

/** Whether a task is the agent's business: assigned to it (ASSIGNED or later). */
export function isAssigned(task: Task): boolean {
  return (task.status?.state ?? 0) >= TaskState.ASSIGNED;
}

/** What one node has been sent; see the module documentation. */
export class AssignmentSet {
  /** Task ID → the desired state the agent knows. */
  readonly #tasks = new Map<string, TaskState>();
  /** Secret ID → the version sent. */
  readonly #secrets = new Map<string, bigint>();
  /** Config ID → the version sent. */
  readonly #configs = new Map<string, bigint>();
  /** `kind/id/task` of the missing references reported already. */
  readonly #reported = new Set<string>();

  /** IDs of the secrets the node holds. */
  get secretIds(): string[] {
    return [...this.#secrets.keys()];
  }

  /** IDs of the configs the node holds. */
  get configIds(): string[] {
    return [...this.#configs.keys()];
  }

  /** Brings the set up to date with `view` and returns the changes to send. */
  update(view: AssignmentView): AssignmentDiff {
    const missing: MissingReference[] = [];
    const current = new Map<string, Task>();
    for (const t of view.tasks) if (isAssigned(t)) current.set(t.id, t);

    // What the node's tasks need now.
    const secrets = new Map<string, Secret>();
    const configs = new Map<string, Config>();
    const miss = (taskId: string, kind: "secret" | "config", id: string, name: string) => {
      const key = `${kind}/${id}/${taskId}`;
      if (this.#reported.has(key)) return;
      this.#reported.add(key);
      missing.push({ taskId, kind, id, name });
    };
    for (const t of current.values()) {
      if (!needsDependencies(t)) continue;
      const refs = taskReferences(t);
      for (const r of refs.secrets) {
        const s = view.secret(r.id);
        if (s !== undefined && s.spec?.annotations?.name === r.name) secrets.set(s.id, s);
        else miss(t.id, "secret", r.id, r.name);
      }
      for (const r of refs.configs) {
        const c = view.config(r.id);
        if (c !== undefined && c.spec?.annotations?.name === r.name) configs.set(c.id, c);
        else miss(t.id, "config", r.id, r.name);
      }
    }

    const first: AssignmentChange[] = [];
    const middle: AssignmentChange[] = [];
    const last: AssignmentChange[] = [];
    const update = AssignmentChange_Action.UPDATE;
    const remove = AssignmentChange_Action.REMOVE;
    for (const [id, s] of secrets) {
      if (this.#secrets.get(id) === version(s)) continue;
      this.#secrets.set(id, version(s));
      first.push(change({ case: "secret", value: s }, update));
    }
    for (const [id, c] of configs) {
      if (this.#configs.get(id) === version(c)) continue;
      this.#configs.set(id, version(c));
      first.push(change({ case: "config", value: c }, update));
    }
    for (const [id, t] of current) {
      if (this.#tasks.get(id) === t.desiredState) continue;
      this.#tasks.set(id, t.desiredState);
      middle.push(change({ case: "task", value: t }, update));
    }
    for (const id of [...this.#tasks.keys()]) {
      if (current.has(id)) continue;
      this.#tasks.delete(id);
      for (const key of [...this.#reported]) if (key.endsWith(`/${id}`)) this.#reported.delete(key);
      middle.push(change({ case: "task", value: create(TaskSchema, { id }) }, remove));
    }
    for (const id of [...this.#secrets.keys()]) {
      if (secrets.has(id)) continue;
      this.#secrets.delete(id);
      last.push(change({ case: "secret", value: create(SecretSchema, { id }) }, remove));
    }
    for (const id of [...this.#configs.keys()]) {
      if (configs.has(id)) continue;
      this.#configs.delete(id);
      last.push(change({ case: "config", value: create(ConfigSchema, { id }) }, remove));
    }
    return { changes: [...first, ...middle, ...last], missing };
  }
}

function version(o: Secret | Config): bigint {
  return o.meta?.version?.index ?? 0n;
}

function change(item: Assignment["item"], action: AssignmentChange_Action): AssignmentChange {
  return create(AssignmentChangeSchema, { action, assignment: { item } });
}
