/**
 * How tasks look in tables (`service ps`, `task ls`): Docker's columns and ordering.
 *
 * @module
 */

import { timestampDate } from "@bufbuild/protobuf/wkt";
import type { Node, Task } from "../../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState } from "../../../proto/gen/swarm/v1/types_pb.ts";
import { ago } from "../../human_time.ts";

/** The header of task tables. */
export const TASK_HEADER = [
  "ID",
  "NAME",
  "NODE",
  "DESIRED STATE",
  "CURRENT STATE",
  "ERROR",
] as const;

/** A task state in title case: "Running", "Shutdown". */
export function stateText(state: TaskState): string {
  const name = TaskState[state];
  if (name === undefined) return String(state);
  return name.charAt(0) + name.slice(1).toLowerCase();
}

/** "Running 5 seconds ago", or just the state when there is no timestamp. */
export function currentStateText(task: Task, now: Date): string {
  const state = stateText(task.status?.state ?? TaskState.NEW);
  const ts = task.status?.timestamp;
  return ts === undefined ? state : `${state} ${ago(timestampDate(ts), now)}`;
}

/** `<service>.<slot>` for replicated tasks, `<service>.<node>` for global ones. */
export function taskName(task: Task, serviceName: string | undefined): string {
  const service = serviceName || task.serviceAnnotations?.name;
  if (!service) return task.annotations?.name || task.id;
  return task.slot > 0 ? `${service}.${task.slot}` : `${service}.${task.nodeId}`;
}

/** Context for task rows: service names and nodes by ID. */
export interface TaskLookup {
  serviceNames: ReadonlyMap<string, string>;
  nodes: ReadonlyMap<string, Node>;
}

function nodeText(task: Task, nodes: ReadonlyMap<string, Node>): string {
  if (task.nodeId === "") return "";
  const node = nodes.get(task.nodeId);
  return node?.description?.hostname || node?.spec?.annotations?.name || task.nodeId;
}

function timeOf(task: Task): bigint {
  const ts = task.status?.timestamp ?? task.meta?.createdAt;
  return ts === undefined ? 0n : ts.seconds * 1_000_000_000n + BigInt(ts.nanos);
}

/**
 * Sorts tasks like `docker service ps`: by name (service, then slot or node), newest first
 * within a slot.
 */
export function sortTasks(tasks: readonly Task[], lookup: TaskLookup): Task[] {
  const name = (t: Task) => taskName(t, lookup.serviceNames.get(t.serviceId));
  return [...tasks].sort((a, b) => {
    const sa = lookup.serviceNames.get(a.serviceId) ?? a.serviceId;
    const sb = lookup.serviceNames.get(b.serviceId) ?? b.serviceId;
    if (sa !== sb) return sa < sb ? -1 : 1;
    if (a.slot !== b.slot) return a.slot - b.slot;
    const na = name(a);
    const nb = name(b);
    if (na !== nb) return na < nb ? -1 : 1;
    const ta = timeOf(a);
    const tb = timeOf(b);
    return ta === tb ? 0 : ta > tb ? -1 : 1;
  });
}

/**
 * The rows of a task table, sorted; older tasks of the same slot are shown as " \_ web.1".
 */
export function taskRows(tasks: readonly Task[], lookup: TaskLookup, now: Date): string[][] {
  let previous = "";
  return sortTasks(tasks, lookup).map((t) => {
    const name = taskName(t, lookup.serviceNames.get(t.serviceId));
    const shown = name === previous ? ` \\_ ${name}` : name;
    previous = name;
    return [
      t.id,
      shown,
      nodeText(t, lookup.nodes),
      stateText(t.desiredState),
      currentStateText(t, now),
      t.status?.err ?? "",
    ];
  });
}
