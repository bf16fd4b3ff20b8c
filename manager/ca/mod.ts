/**
 * The cluster's certificate authority as gRPC services, served by managers on the remote API:
 *
 * - {@link nodeCAService} (`NodeCA`): `IssueNodeCertificate` (join with a token, or renew with
 *   the node's own certificate) and `NodeCertificateStatus`. Reachable without a client
 *   certificate; writes go through the store, so a follower forwards these calls to the leader.
 * - {@link caService} (`CA`): `GetRootCACertificate` (open) and `GetUnlockKey` (managers).
 *
 * The node side lives in `pki/node_ca_client.ts`. Tests can build a cluster object with a CA
 * through `manager/ca/testing.ts`.
 *
 * @module
 */
export {
  caService,
  type CAServiceOptions,
  MANAGER_UNLOCK_KEY_SUBSYSTEM,
  MAX_CSR_BYTES,
  nodeCAService,
  type NodeCAServiceOptions,
  nodeCertValidityMs,
} from "./node_ca_server.ts";
