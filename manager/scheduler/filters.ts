/**
 * The scheduler's feasibility pipeline. Filters run in a fixed order and stop at the first that
 * refuses a node; each explains its refusals, and the user sees them summed up, most frequent
 * first: "no suitable node (insufficient resources on 2 nodes; scheduling constraints not
 * satisfied on 1 node)".
 *
 * @module
 */
import type { Node, Task } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability } from "../../proto/gen/swarm/v1/specs_pb.ts";
import { NodeStatus_State } from "../../proto/gen/swarm/v1/types_pb.ts";
import { type Constraint, matches } from "./constraint.ts";
import { nodeRunsExecutor } from "./executor_fit.ts";

/** What the scheduler knows of a node while it places a group of tasks. */
export interface NodeInfo {
  readonly node: Node;
  /** Active tasks per service on this node. */
  readonly tasksByService: Map<string, number>;
  activeTasks: number;
  availableCpu: bigint;
  availableMemory: bigint;
}

export interface Filter {
  readonly name: string;
  /** "N nodes …" explanation of why `count` nodes were refused. */
  explain(count: number): string;
  accepts(info: NodeInfo, task: Task, constraints: readonly Constraint[]): boolean;
}

const nodes = (n: number) => (n === 1 ? "1 node" : `${n} nodes`);

export const FILTERS: readonly Filter[] = [
  {
    name: "ready",
    explain: (n) => `${nodes(n)} not available for new tasks`,
    accepts: ({ node }) =>
      node.status?.state === NodeStatus_State.READY &&
      (node.spec?.availability ?? NodeSpec_Availability.ACTIVE) === NodeSpec_Availability.ACTIVE,
  },
  {
    name: "executor",
    explain: (n) => `${nodes(n)} without the executor the task needs (--executor)`,
    accepts: ({ node }, task) => nodeRunsExecutor(node, task.spec) !== false,
  },
  {
    name: "resources",
    explain: (n) => `insufficient resources on ${nodes(n)}`,
    accepts: (info, task) => {
      const r = task.spec?.resources?.reservations;
      if (!r) return true;
      return r.nanoCpus <= info.availableCpu && r.memoryBytes <= info.availableMemory;
    },
  },
  {
    name: "constraints",
    explain: (n) => `scheduling constraints not satisfied on ${nodes(n)}`,
    accepts: ({ node }, _task, constraints) => matches(node, constraints),
  },
  {
    name: "max-replicas",
    explain: () => "max replicas per node limit exceed",
    accepts: (info, task) => {
      const max = task.spec?.placement?.maxReplicas ?? 0;
      return max === 0 || (info.tasksByService.get(task.serviceId) ?? 0) < max;
    },
  },
];

/** The first filter that refuses the node, or undefined when the node can take the task. */
export function refusal(
  info: NodeInfo,
  task: Task,
  constraints: readonly Constraint[],
): Filter | undefined {
  return FILTERS.find((f) => !f.accepts(info, task, constraints));
}

export function explainRefusals(counts: Map<Filter, number>): string {
  const parts = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || FILTERS.indexOf(a[0]) - FILTERS.indexOf(b[0]))
    .map(([f, n]) => f.explain(n));
  return `no suitable node (${parts.join("; ")})`;
}
