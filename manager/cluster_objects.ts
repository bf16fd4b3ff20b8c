/**
 * The objects a new cluster starts with: the cluster object (its spec with SwarmKit's defaults,
 * the root CA, the join tokens, the unlock key under autolock) and the founding manager's node.
 * Pure: the manager writes them in one transaction on its first start.
 *
 * @module
 */
import { create } from "@bufbuild/protobuf";
import {
  type Cluster,
  ClusterSchema,
  type Node,
  NodeSchema,
} from "../proto/gen/swarm/v1/objects_pb.ts";
import { NodeSpec_Availability, NodeSpec_Membership } from "../proto/gen/swarm/v1/specs_pb.ts";
import {
  NodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../proto/gen/swarm/v1/types_pb.ts";
import { durationFromMs } from "./duration.ts";
import { MANAGER_UNLOCK_KEY_SUBSYSTEM } from "./autolock.ts";

/** Node certificates last 90 days unless the cluster says otherwise. */
const DEFAULT_NODE_CERT_EXPIRY_MS = 90 * 24 * 3600 * 1000;

export interface NewClusterOptions {
  readonly clusterId: string;
  readonly rootCA: {
    readonly certPem: string;
    readonly keyPem: string;
    readonly digest: string;
    readonly joinTokens: { readonly worker: string; readonly manager: string };
  };
  readonly heartbeatPeriodMs: number;
  /** Turns autolock on with this key. */
  readonly unlockKey?: Uint8Array;
}

export function newClusterObject(o: NewClusterOptions): Cluster {
  return create(ClusterSchema, {
    id: o.clusterId,
    spec: {
      annotations: { name: "default" },
      orchestration: { taskHistoryRetentionLimit: 5n },
      raft: {
        snapshotInterval: 10_000n,
        logEntriesForSlowFollowers: 500n,
        heartbeatTick: 1,
        electionTick: 8,
      },
      dispatcher: { heartbeatPeriod: durationFromMs(o.heartbeatPeriodMs) },
      caConfig: { nodeCertExpiry: durationFromMs(DEFAULT_NODE_CERT_EXPIRY_MS) },
      ...(o.unlockKey ? { encryptionConfig: { autoLockManagers: true } } : {}),
    },
    rootCa: {
      caCert: new TextEncoder().encode(o.rootCA.certPem),
      caKey: new TextEncoder().encode(o.rootCA.keyPem),
      caCertHash: o.rootCA.digest,
      joinTokens: o.rootCA.joinTokens,
    },
    ...(o.unlockKey
      ? { unlockKeys: [{ subsystem: MANAGER_UNLOCK_KEY_SUBSYSTEM, key: o.unlockKey }] }
      : {}),
  });
}

/** The node object of the manager that founds the cluster: it leads from the start. */
export function foundingManagerNode(
  o: { readonly nodeId: string; readonly hostname: string; readonly advertiseAddr: string },
): Node {
  return create(NodeSchema, {
    id: o.nodeId,
    spec: {
      desiredRole: NodeRole.MANAGER,
      membership: NodeSpec_Membership.ACCEPTED,
      availability: NodeSpec_Availability.ACTIVE,
    },
    description: { hostname: o.hostname },
    status: { state: NodeStatus_State.UNKNOWN },
    role: NodeRole.MANAGER,
    managerStatus: {
      raftId: o.nodeId,
      addr: o.advertiseAddr,
      leader: true,
      reachability: RaftMemberStatus_Reachability.REACHABLE,
    },
  });
}
