/**
 * Which executor a task needs, and whether a node has it: a container image needs the Docker
 * executor, a process task the process executor (each refuses the other's tasks). A node lists
 * its executors in `description.engine.executors`; a node that lists none runs the embedded
 * default, processes.
 *
 * @module
 */
import type { Node } from "../../proto/gen/swarm/v1/objects_pb.ts";
import type { TaskSpec } from "../../proto/gen/swarm/v1/specs_pb.ts";

export type ExecutorName = "process" | "docker";

/** The executor a task of `spec` runs on. */
export function executorFor(spec: TaskSpec | undefined): ExecutorName {
  return spec?.runtime.case === "container" ? "docker" : "process";
}

/** Whether `node` runs tasks of `spec`; undefined while the node has not described itself. */
export function nodeRunsExecutor(node: Node, spec: TaskSpec | undefined): boolean | undefined {
  const engine = node.description?.engine;
  if (engine === undefined) return undefined;
  const executors = engine.executors.length > 0 ? engine.executors : ["process"];
  return executors.includes(executorFor(spec));
}
