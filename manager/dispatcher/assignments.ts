/**
 * One node's assignments stream: a COMPLETE message with everything the node must hold (its
 * tasks, and the secrets and configs they use), then INCREMENTAL messages chained by
 * `appliesTo`/`resultsIn` as the store changes. What goes in each message is decided by an
 * {@linkcode AssignmentSet} (see there for least privilege and ordering); this file only watches
 * the store and batches.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type AssignmentsMessage,
  AssignmentsMessage_Type,
  AssignmentsMessageSchema,
} from "../../proto/gen/swarm/v1/dispatcher_pb.ts";
import type { Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import type { MemoryStore, StoreEvent } from "../store/memory_store.ts";
import { Notifier } from "../notifier.ts";
import { AssignmentSet, type MissingReference } from "./assignment_set.ts";

/** Options of {@linkcode assignmentStream}. */
export interface AssignmentStreamOptions {
  readonly store: MemoryStore;
  readonly nodeId: string;
  /** Ends the stream. */
  readonly signal: AbortSignal;
  /** Wait after the first change before sending an incremental message. @default 100 */
  readonly batchMs?: number;
  /** Told about references to secrets or configs that do not exist. */
  readonly log?: (message: string) => void;
}

/** The assignments of one node, until `signal` aborts; see the module documentation. */
export async function* assignmentStream(
  o: AssignmentStreamOptions,
): AsyncGenerator<AssignmentsMessage, void, undefined> {
  const { store, nodeId } = o;
  const set = new AssignmentSet();
  const dirty = new Notifier();
  // Watch before the first read, so nothing that happens in between is missed.
  const unwatch = store.watch((events, reset) => {
    if (reset || events.some((e) => concerns(e, nodeId))) dirty.notify();
  });
  const diff = () => {
    const d = set.update({
      tasks: store.tasksOfNode(nodeId),
      secret: (id) => store.get("secret", id),
      config: (id) => store.get("config", id),
    });
    for (const m of d.missing) o.log?.(missingMessage(nodeId, m));
    return d.changes;
  };
  try {
    let sequence = 0;
    const label = () => `${nodeId}-${++sequence}`;
    let last = label();
    yield create(AssignmentsMessageSchema, {
      type: AssignmentsMessage_Type.COMPLETE,
      resultsIn: last,
      changes: diff(),
    });
    while (await dirty.wait(o.signal)) {
      // Let a burst of changes land, then send them as one message.
      await new Promise((r) => setTimeout(r, o.batchMs ?? 100));
      const changes = diff();
      if (changes.length === 0) continue;
      const appliesTo = last;
      last = label();
      yield create(AssignmentsMessageSchema, {
        type: AssignmentsMessage_Type.INCREMENTAL,
        appliesTo,
        resultsIn: last,
        changes,
      });
    }
  } finally {
    unwatch();
  }
}

/** Whether a store event may change what `nodeId` holds. */
function concerns(e: StoreEvent, nodeId: string): boolean {
  switch (e.kind) {
    case "task":
      return e.object.nodeId === nodeId || (e.old as Task | undefined)?.nodeId === nodeId;
    case "secret":
    case "config":
      return true;
    default:
      return false;
  }
}

function missingMessage(nodeId: string, m: MissingReference): string {
  return `dispatcher: task ${m.taskId} on node ${nodeId} references ${m.kind} ${m.name} ` +
    `(${m.id}), which does not exist: the node rejects the task unless it runs already`;
}
