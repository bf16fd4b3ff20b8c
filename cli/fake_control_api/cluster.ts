/**
 * The fake control API's cluster handlers. Join token rotation follows the managers' rule
 * (`manager/controlapi/topology_rules.ts`): same root digest, new secret; so does autolock
 * (`manager/autolock.ts`): turning it on makes an unlock key, off removes it, a rotation replaces
 * it, and `CA.GetUnlockKey` returns it.
 *
 * @module
 */

import { clone, create } from "@bufbuild/protobuf";
import { ClusterSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import * as pb from "../../proto/gen/swarm/v1/control_pb.ts";
import { RootCASchema } from "../../proto/gen/swarm/v1/types_pb.ts";
import { validateClusterSpec } from "../../manager/validate/mod.ts";
import { RootDigestError, rotateJoinTokens } from "../../manager/controlapi/topology_rules.ts";
import { applyAutolock, AutolockOffError, clusterUnlockKey } from "../../manager/autolock.ts";
import {
  type GetUnlockKeyResponse,
  GetUnlockKeyResponseSchema,
} from "../../proto/gen/swarm/v1/ca_pb.ts";
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

/** The managers' unlock key, as `CA.GetUnlockKey` answers it. */
export function getUnlockKey(o: FakeObjects): GetUnlockKeyResponse {
  const cluster = [...o.clusters.values()][0];
  const key = clusterUnlockKey(cluster);
  if (key === undefined) {
    throw new RpcError(
      GrpcCode.FAILED_PRECONDITION,
      "autolock is not enabled: this cluster has no unlock key (turn it on with " +
        "`swarm cluster update --autolock=true`)",
    );
  }
  return create(GetUnlockKeyResponseSchema, {
    unlockKey: key,
    version: { index: cluster?.meta?.version?.index ?? 0n },
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
  const updated = clone(ClusterSchema, current);
  updated.spec = clone(pb.UpdateClusterRequestSchema, req).spec;
  try {
    applyAutolock(updated, req.rotation);
  } catch (err) {
    if (err instanceof AutolockOffError) {
      throw new RpcError(GrpcCode.FAILED_PRECONDITION, err.message, { cause: err });
    }
    throw err;
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
  current.spec = updated.spec;
  current.unlockKeys = updated.unlockKeys;
  current.rootCa = rootCa;
  current.meta = o.touch(current.meta);
  return create(pb.UpdateClusterResponseSchema, { cluster: redactCluster(current) });
}
