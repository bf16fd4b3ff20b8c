/**
 * Placement constraints: `key==value` and `key!=value`, as in SwarmKit. Keys are matched
 * case-insensitively up to the label name; values are compared case-insensitively.
 *
 * @module
 */
import type { Node } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeRole } from "../../proto/gen/swarm/v1/types_pb.ts";
// Parsing is the validators' (the control API refuses a bad constraint before it is stored);
// matching against nodes is the scheduler's.
import { type Constraint, parseConstraint } from "../validate/constraints.ts";

export type { Constraint };
export { parseConstraint };

/** The node's value for a constraint key, or undefined when the node has none. */
function nodeValue(node: Node, key: string): string | undefined {
  const lower = key.toLowerCase();
  switch (lower) {
    case "node.id":
      return node.id;
    case "node.hostname":
      return node.spec?.annotations?.name || node.description?.hostname;
    case "node.role":
      return node.role === NodeRole.MANAGER ? "manager" : "worker";
    case "node.platform.os":
      return node.description?.platform?.os;
    case "node.platform.arch":
      return node.description?.platform?.architecture;
    case "node.ip":
      return node.status?.addr;
  }
  if (lower.startsWith("node.labels.")) {
    return node.spec?.annotations?.labels[key.slice("node.labels.".length)];
  }
  if (lower.startsWith("engine.labels.")) {
    return node.description?.engine?.labels[key.slice("engine.labels.".length)];
  }
  return undefined;
}

export function matches(node: Node, constraints: readonly Constraint[]): boolean {
  return constraints.every((c) => {
    const v = nodeValue(node, c.key);
    if (v === undefined) return c.operator === "!=";
    return (v.toLowerCase() === c.value.toLowerCase()) === (c.operator === "==");
  });
}
