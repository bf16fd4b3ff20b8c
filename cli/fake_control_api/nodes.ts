/**
 * The fake control API's node handlers. Promotion, demotion and removal follow the managers'
 * rules (`manager/controlapi/topology_rules.ts`), so client commands meet the same refusals.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import * as pb from "../../proto/gen/swarm/v1/control_pb.ts";
import { NodeSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { TaskState, TaskStatusSchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateNodeSpec } from "../../manager/validate/mod.ts";
import {
  blacklistEntry,
  demotionRefusal,
  isDemotion,
  removalRefusal,
} from "../../manager/controlapi/topology_rules.ts";
import { GrpcCode, RpcError } from "../control_api.ts";
import { type FakeObjects, labelsMatch, matches, validate } from "./objects.ts";

export function getNode(o: FakeObjects, req: pb.GetNodeRequest): pb.GetNodeResponse {
  return create(pb.GetNodeResponseSchema, {
    node: clone(NodeSchema, o.get(o.nodes, "node", req.nodeId)),
  });
}

export function listNodes(o: FakeObjects, req: pb.ListNodesRequest): pb.ListNodesResponse {
  const f = req.filters;
  const nodes = [...o.nodes.values()].filter((n) =>
    matches(n.id, n.spec?.annotations?.name || n.description?.hostname || "", f) &&
    labelsMatch(n.spec?.annotations?.labels, f?.labels) &&
    (f === undefined || f.roles.length === 0 || f.roles.includes(n.role))
  );
  return create(pb.ListNodesResponseSchema, { nodes: nodes.map((n) => clone(NodeSchema, n)) });
}

/**
 * Replaces a node's spec. A demotion is refused like the managers refuse it; `servingNodeId`
 * is the manager the fake pretends to be.
 */
export function updateNode(
  o: FakeObjects,
  req: pb.UpdateNodeRequest,
  servingNodeId: string,
): pb.UpdateNodeResponse {
  const node = o.get(o.nodes, "node", req.nodeId);
  validate(() => validateNodeSpec(req.spec));
  o.checkVersion(node.meta, req.nodeVersion);
  const spec = clone(pb.UpdateNodeRequestSchema, req).spec!;
  if (isDemotion(node, spec.desiredRole)) {
    const refusal = demotionRefusal([...o.nodes.values()], node, servingNodeId);
    if (refusal !== undefined) throw new RpcError(GrpcCode.FAILED_PRECONDITION, refusal);
  }
  node.spec = spec;
  node.meta = o.touch(node.meta);
  return create(pb.UpdateNodeResponseSchema, { node: clone(NodeSchema, node) });
}

/** Removes a node, blacklists its certificate and orphans its unfinished tasks. */
export function removeNode(o: FakeObjects, req: pb.RemoveNodeRequest): pb.RemoveNodeResponse {
  const node = o.get(o.nodes, "node", req.nodeId);
  const refusal = removalRefusal(node, req.force);
  if (refusal !== undefined) throw new RpcError(GrpcCode.FAILED_PRECONDITION, refusal);
  const now = o.now();
  for (const cluster of o.clusters.values()) {
    cluster.blacklistedCertificates[node.id] = blacklistEntry(cluster, now);
    cluster.meta = o.touch(cluster.meta);
  }
  for (const task of o.tasks.values()) {
    if (task.nodeId === node.id && (task.status?.state ?? 0) < TaskState.COMPLETE) {
      const status = task.status ??= create(TaskStatusSchema);
      status.state = TaskState.ORPHANED;
      status.message = "node was removed";
      task.meta = o.touch(task.meta);
    }
  }
  o.nodes.delete(node.id);
  return create(pb.RemoveNodeResponseSchema);
}
