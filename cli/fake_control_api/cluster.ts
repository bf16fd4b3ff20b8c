/**
 * The fake control API's cluster handlers. Join token rotation follows the managers' rule
 * (`manager/controlapi/topology_rules.ts`): same root digest, new secret.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import * as pb from "../../proto/gen/swarm/v1/control_pb.ts";
import { RootCASchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateClusterSpec } from "../../manager/validate/mod.ts";
import { RootDigestError, rotateJoinTokens } from "../../manager/controlapi/topology_rules.ts";
import { GrpcCode, RpcError } from "../control_api.ts";
import { type FakeObjects, redactCluster, validate } from "./objects.ts";

export function getCluster(o: FakeObjects, req: pb.GetClusterRequest): pb.GetClusterResponse {
  return create(pb.GetClusterResponseSchema, {
    cluster: redactCluster(o.get(o.clusters, "cluster", req.clusterId)),
  });
}

export function listClusters(o: FakeObjects): pb.ListClustersResponse {
  return create(pb.ListClustersResponseSchema, {
    clusters: [...o.clusters.values()].map(redactCluster),
  });
}

/** Replaces the spec and rotates the join tokens asked for, all at once. */
export function updateCluster(
  o: FakeObjects,
  req: pb.UpdateClusterRequest,
): pb.UpdateClusterResponse {
  const current = o.get(o.clusters, "cluster", req.clusterId);
  validate(() => validateClusterSpec(req.spec));
  o.checkVersion(current.meta, req.clusterVersion);
  if (req.rotation?.managerUnlockKey) {
    throw new RpcError(
      GrpcCode.UNIMPLEMENTED,
      "Rotating the manager unlock key is not supported yet: autolock is not available",
    );
  }
  const rootCa = current.rootCa ? clone(RootCASchema, current.rootCa) : create(RootCASchema);
  try {
    rotateJoinTokens(rootCa, req.rotation);
  } catch (err) {
    if (err instanceof RootDigestError) {
      throw new RpcError(GrpcCode.FAILED_PRECONDITION, err.message, { cause: err });
    }
    throw err;
  }
  current.spec = clone(pb.UpdateClusterRequestSchema, req).spec;
  current.rootCa = rootCa;
  current.meta = o.touch(current.meta);
  return create(pb.UpdateClusterResponseSchema, { cluster: redactCluster(current) });
}
