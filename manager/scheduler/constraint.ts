/**
 * Placement constraints: `key==value` and `key!=value`, as in SwarmKit. Keys are matched
 * case-insensitively up to the label name; values are compared case-insensitively.
 *
 * @module
 */
import type { Node } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { NodeRole } from "../../proto/gen/swarm/v1/types_pb.ts";

export interface Constraint {
  readonly key: string;
  readonly equal: boolean;
  readonly value: string;
}

const KEY = /^[a-z_][a-z0-9\-_.]+$/i;

export class ConstraintSyntaxError extends Error {
  override readonly name = "ConstraintSyntaxError";
}

export function parseConstraint(expr: string): Constraint {
  const m = /^(.*?)(==|!=)(.*)$/.exec(expr);
  if (!m) {
    throw new ConstraintSyntaxError(
      `invalid constraint "${expr}": use KEY==VALUE or KEY!=VALUE, e.g. node.hostname==web1`,
    );
  }
  const key = m[1]!.trim();
  const value = m[3]!.trim();
  if (!KEY.test(key)) {
    throw new ConstraintSyntaxError(`invalid constraint key "${key}" in "${expr}"`);
  }
  if (value === "") throw new ConstraintSyntaxError(`constraint "${expr}" has an empty value`);
  return { key, equal: m[2] === "==", value };
}

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
    if (v === undefined) return !c.equal;
    return (v.toLowerCase() === c.value.toLowerCase()) === c.equal;
  });
}
