/**
 * The cluster's certificate authority as gRPC services: `NodeCA` issues and renews node
 * certificates, `CA` hands out the root certificate and (to managers) the unlock key.
 *
 * ## Who may call what
 * - `CA.GetRootCACertificate`: anyone (a joiner checks the answer against its join token).
 * - `NodeCA.IssueNodeCertificate` with a join token: anyone holding a current token. The token
 *   decides the role; a new node is created with an ACCEPTED membership.
 * - `NodeCA.IssueNodeCertificate` without a token (renewal): a node presenting its own valid
 *   certificate of this cluster, whose node still exists and is not revoked. The new certificate
 *   carries the node's *desired* role (`spec.desiredRole`): this is how a promotion or demotion
 *   reaches the node's certificate.
 * - `NodeCA.NodeCertificateStatus`: anyone (certificates are public).
 * - `CA.GetUnlockKey`: managers only.
 *
 * ## Issuance is synchronous
 * The CA signs while answering `IssueNodeCertificate`, so by the time a node ID is returned its
 * certificate is recorded with state ISSUED. `NodeCertificateStatus` therefore never blocks.
 *
 * ## The RENEW convention
 * When a caller presenting a valid certificate asks `NodeCertificateStatus` about its own node
 * and the node's desired role differs from the role of the certificate recorded for it, the
 * answer has state RENEW (with the recorded certificate and an explanation in `err`): the node
 * should call `IssueNodeCertificate` without a token to get a certificate for its new role.
 * Anyone else asking about the node sees the recorded state (ISSUED). A node whose certificate
 * was not issued through this service (the first manager, made by `swarm init`) has no record:
 * its state is UNKNOWN, with no certificate.
 *
 * ## Refusals change nothing
 * Every check (cluster, token, caller, CSR, addresses) runs before the single store transaction
 * that records the outcome; a refused call writes nothing.
 *
 * ## Leader-agnostic
 * Writes go through `store.update`. On a Raft follower that throws `NotLeaderError`, answered
 * here as UNAVAILABLE; managers forward NodeCA calls to the leader, so this code does not care
 * whether it runs on one.
 *
 * @module
 */
import { clone, create } from "@bufbuild/protobuf";
import { type Cluster, type Node, NodeSchema } from "../../proto/gen/swarm/v1/objects_pb.ts";
import { CA, NodeCA } from "../../proto/gen/swarm/v1/ca_pb.ts";
import { NodeSpec_Availability, NodeSpec_Membership } from "../../proto/gen/swarm/v1/specs_pb.ts";
import {
  Certificate_IssuanceState,
  CertificateSchema,
  NodeRole as ProtoNodeRole,
  NodeStatus_State,
  RaftMemberStatus_Reachability,
} from "../../proto/gen/swarm/v1/types_pb.ts";
import type { CallContext, ServiceImpl } from "../../proto/grpc_server.ts";
import {
  aborted,
  failedPrecondition,
  GrpcStatusError,
  invalidArgument,
  notFound,
  permissionDenied,
  Status,
  unauthenticated,
  unavailable,
} from "../../proto/grpc_status.ts";
import { AddressError, parseAddress } from "../../proto/grpc_listen.ts";
import {
  authorize,
  DEFAULT_NODE_CERT_VALIDITY_MS,
  InvalidCSRError,
  joinTokenEquals,
  MalformedJoinTokenError,
  MIN_NODE_CERT_VALIDITY_MS,
  type NodeIdentity,
  type NodeRole,
  parseJoinToken,
  peerIdentity,
  type SignedNodeCertificate,
  SigningCA,
  signNodeCSR,
  tokenMatchesRoot,
} from "../../pki/mod.ts";
import { NotLeaderError } from "../../raft/types.ts";
import type { MemoryStore } from "../store/memory_store.ts";
import { IdConflictError, SequenceConflictError } from "../store/errors.ts";
import { durationMs } from "../duration.ts";
import { authenticate } from "../auth.ts";
import { clusterUnlockKey, MANAGER_UNLOCK_KEY_SUBSYSTEM } from "../autolock.ts";

export { MANAGER_UNLOCK_KEY_SUBSYSTEM };

/** Largest CSR accepted, in bytes (a P-256 CSR is about 400 bytes of PEM). */
export const MAX_CSR_BYTES = 16 * 1024;

/** How many times a renewal re-reads the node when a concurrent write changed it. */
const RENEWAL_WRITE_ATTEMPTS = 5;

/** Options of {@link nodeCAService}. */
export interface NodeCAServiceOptions {
  /** The managers' store; the cluster object and the nodes are read from and written to it. */
  readonly store: MemoryStore;
  /** This cluster's ID: the cluster object's ID and the O of every certificate issued. */
  readonly clusterId: string;
  /** Mints node IDs (1–64 characters of `[A-Za-z0-9._-]`, e.g. `manager/identity.ts` newId). */
  readonly newId: () => string;
  /** The clock certificates are dated by. */
  readonly now: () => Date;
  /** Receives one line per certificate issued. @default no logging */
  readonly log?: (message: string) => void;
}

/** Options of {@link caService}. */
export interface CAServiceOptions {
  /** The managers' store (the cluster object is read from it). */
  readonly store: MemoryStore;
  /** This cluster's ID. */
  readonly clusterId: string;
  /**
   * Callers need no certificate for `GetUnlockKey`: the service is served on the local control
   * socket, whose file mode is the access control (only the node's operator reaches it).
   * @default false (managers only)
   */
  readonly trustedCallers?: boolean;
}

/**
 * How long node certificates of `cluster` are valid: `spec.caConfig.nodeCertExpiry`, or 90 days
 * when it is unset or below the one-hour minimum (the control API refuses such values; the
 * signer falls back rather than fail every join).
 */
export function nodeCertValidityMs(cluster: Cluster): number {
  const expiry = cluster.spec?.caConfig?.nodeCertExpiry;
  if (expiry === undefined) return DEFAULT_NODE_CERT_VALIDITY_MS;
  const ms = durationMs(expiry);
  return ms >= MIN_NODE_CERT_VALIDITY_MS ? ms : DEFAULT_NODE_CERT_VALIDITY_MS;
}

/** The `NodeCA` service: issuing certificates to joining nodes, renewing them, their status. */
export function nodeCAService(o: NodeCAServiceOptions): ServiceImpl<typeof NodeCA> {
  const signing = new SigningCACache();
  const loadCA = (cluster: Cluster) => signing.get(cluster);

  return {
    issueNodeCertificate: async (req, ctx) => {
      const cluster = requireCluster(o.store, o.clusterId);
      const ca = await loadCA(cluster);
      if (req.token !== "") {
        const role = roleForToken(cluster, ca, req.token);
        const csrPem = csrText(req.csr);
        const addrs = joinAddresses(req.advertiseAddr, ctx.peer, role);
        if (!(req.availability in NodeSpec_Availability)) {
          throw invalidArgument(
            `Invalid availability ${req.availability}: expected active, pause or drain`,
          );
        }
        const nodeId = o.newId();
        const signed = await sign(ca, csrPem, nodeId, role, o.clusterId, o.now(), cluster);
        const node = create(NodeSchema, {
          id: nodeId,
          spec: {
            desiredRole: protoRole(role),
            membership: NodeSpec_Membership.ACCEPTED,
            availability: req.availability, // ACTIVE unless the joiner asked otherwise
          },
          ...(req.description === undefined ? {} : { description: req.description }),
          status: { state: NodeStatus_State.UNKNOWN, addr: addrs.statusAddr },
          role: protoRole(role),
          certificate: issuedCertificate(role, csrPem, signed, nodeId),
          ...(role === "manager"
            ? {
              managerStatus: {
                raftId: nodeId,
                addr: addrs.managerAddr,
                leader: false,
                reachability: RaftMemberStatus_Reachability.UNKNOWN,
              },
            }
            : {}),
        });
        await write(() => o.store.update((tx) => tx.create("node", node)));
        o.log?.(
          `ca: issued a ${role} certificate to new node ${nodeId}` +
            ` (${req.description?.hostname || "no hostname"}, ${addrs.statusAddr || ctx.peer})`,
        );
        return { nodeId, nodeMembership: NodeSpec_Membership.ACCEPTED };
      }

      // Renewal: the caller proves who it is with its current certificate.
      const identity = renewingCaller(o.clusterId, cluster, ctx);
      const csrPem = csrText(req.csr);
      const node = requireMember(o.store, identity.nodeId);
      const role = roleOf(node.spec?.desiredRole ?? ProtoNodeRole.WORKER);
      const signed = await sign(ca, csrPem, node.id, role, o.clusterId, o.now(), cluster);
      const certificate = issuedCertificate(role, csrPem, signed, node.id);
      await updateNode(o.store, node.id, (updated) => {
        updated.certificate = certificate;
      });
      o.log?.(`ca: renewed the certificate of node ${node.id} as ${role}`);
      return {
        nodeId: node.id,
        nodeMembership: node.spec?.membership ?? NodeSpec_Membership.ACCEPTED,
      };
    },

    nodeCertificateStatus: (req, ctx) => {
      if (req.nodeId === "") throw invalidArgument("node_id must be given");
      const node = o.store.get("node", req.nodeId);
      if (node === undefined) {
        throw notFound(
          `Node ${req.nodeId} is unknown to this cluster: it never joined, or it was removed`,
        );
      }
      const recordedRole = node.certificate?.role ?? node.role;
      const desiredRole = node.spec?.desiredRole ?? recordedRole;
      if (desiredRole !== recordedRole && isCallerNode(o.store, o.clusterId, ctx, node.id)) {
        return {
          status: {
            state: Certificate_IssuanceState.RENEW,
            err: `Node ${node.id} is to be a ${roleOf(desiredRole)} but its certificate is for a ` +
              `${roleOf(recordedRole)}: request a new certificate (IssueNodeCertificate without ` +
              "a token)",
          },
          ...(node.certificate === undefined ? {} : { certificate: node.certificate }),
        };
      }
      if (node.certificate === undefined) {
        return {
          status: {
            state: Certificate_IssuanceState.UNKNOWN,
            err: `No certificate issued by the CA service is recorded for node ${node.id}`,
          },
        };
      }
      return {
        status: { state: node.certificate.state, err: node.certificate.err },
        certificate: node.certificate,
      };
    },
  };
}

/** The `CA` service: the root certificate for anyone, the unlock key for managers. */
export function caService(o: CAServiceOptions): ServiceImpl<typeof CA> {
  return {
    getRootCACertificate: () => {
      const cluster = requireCluster(o.store, o.clusterId);
      const cert = cluster.rootCa?.caCert;
      if (cert === undefined || cert.length === 0) {
        throw failedPrecondition("This cluster has no root CA certificate recorded");
      }
      return { certificate: cert };
    },
    getUnlockKey: (_req, ctx) => {
      if (!o.trustedCallers) authenticate(o.store, o.clusterId, ctx, ["manager"]);
      const cluster = requireCluster(o.store, o.clusterId);
      const key = clusterUnlockKey(cluster);
      if (key === undefined) {
        throw failedPrecondition(
          "autolock is not enabled: this cluster has no unlock key (turn it on with " +
            "`swarm cluster update --autolock=true`)",
        );
      }
      return { unlockKey: key, version: { index: cluster.meta?.version?.index ?? 0n } };
    },
  };
}

/** Keeps the last root CA loaded for signing; reloads when the cluster's root changes. */
class SigningCACache {
  #cert: Uint8Array | undefined;
  #key: Uint8Array | undefined;
  #ca: Promise<SigningCA> | undefined;

  get(cluster: Cluster): Promise<SigningCA> {
    const cert = cluster.rootCa?.caCert ?? new Uint8Array();
    const key = cluster.rootCa?.caKey ?? new Uint8Array();
    if (cert.length === 0 || key.length === 0) {
      throw failedPrecondition(
        "This cluster's root CA key is not available to this manager: it cannot issue " +
          "certificates",
      );
    }
    if (this.#ca === undefined || !sameBytes(cert, this.#cert) || !sameBytes(key, this.#key)) {
      const decoder = new TextDecoder();
      this.#cert = cert;
      this.#key = key;
      const loading = SigningCA.load({
        certPem: decoder.decode(cert),
        keyPem: decoder.decode(key),
      });
      this.#ca = loading;
      // A root that does not load is not cached: the next call tries again.
      loading.catch(() => {
        if (this.#ca === loading) this.#ca = undefined;
      });
    }
    return this.#ca;
  }
}

function sameBytes(a: Uint8Array, b: Uint8Array | undefined): boolean {
  return b !== undefined && a.length === b.length && a.every((v, i) => v === b[i]);
}

function requireCluster(store: MemoryStore, clusterId: string): Cluster {
  const cluster = store.get("cluster", clusterId);
  if (cluster === undefined) {
    throw unavailable("This manager has not loaded the cluster yet: retry in a moment");
  }
  return cluster;
}

/** The role a join token grants, or the refusal. Both tokens are always compared. */
function roleForToken(cluster: Cluster, ca: SigningCA, token: string): NodeRole {
  let parsed;
  try {
    parsed = parseJoinToken(token);
  } catch (e) {
    if (e instanceof MalformedJoinTokenError) throw invalidArgument(e.message);
    throw e;
  }
  if (!tokenMatchesRoot(parsed, ca.digest)) {
    throw permissionDenied(
      "The join token belongs to another cluster: it vouches for a different root CA than this " +
        "cluster's. Print this cluster's token with `swarm join-token worker|manager` on one " +
        "of its managers",
    );
  }
  const tokens = cluster.rootCa?.joinTokens;
  const isWorker = joinTokenEquals(parsed.token, tokens?.worker ?? "");
  const isManager = joinTokenEquals(parsed.token, tokens?.manager ?? "");
  if (isManager) return "manager";
  if (isWorker) return "worker";
  throw permissionDenied(
    "The join token is not valid for this cluster (it may have been rotated): get the current " +
      "one by running `swarm join-token worker` or `swarm join-token manager` on a manager",
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function csrText(csr: Uint8Array): string {
  if (csr.length === 0) {
    throw invalidArgument("A certificate signing request (csr) is required");
  }
  if (csr.length > MAX_CSR_BYTES) {
    throw invalidArgument(
      `Invalid CSR: ${csr.length} bytes is more than the ${MAX_CSR_BYTES} accepted`,
    );
  }
  try {
    return utf8.decode(csr);
  } catch {
    throw invalidArgument("Invalid CSR: it is not PEM text (`CERTIFICATE REQUEST`)");
  }
}

async function sign(
  ca: SigningCA,
  csrPem: string,
  nodeId: string,
  role: NodeRole,
  clusterId: string,
  now: Date,
  cluster: Cluster,
): Promise<SignedNodeCertificate> {
  try {
    return await signNodeCSR({
      ca,
      csrPem,
      nodeId,
      role,
      clusterId,
      now,
      validityMs: nodeCertValidityMs(cluster),
    });
  } catch (e) {
    if (e instanceof InvalidCSRError) throw invalidArgument(e.message);
    throw e;
  }
}

function issuedCertificate(
  role: NodeRole,
  csrPem: string,
  signed: SignedNodeCertificate,
  nodeId: string,
) {
  return create(CertificateSchema, {
    role: protoRole(role),
    csr: new TextEncoder().encode(csrPem),
    state: Certificate_IssuanceState.ISSUED,
    certificate: new TextEncoder().encode(signed.chainPem),
    cn: nodeId,
  });
}

/**
 * Where a joining node is recorded: `status.addr` is the host of its advertise address (the
 * connection's peer host when none was given, or when it names an unspecified address such as
 * 0.0.0.0); a manager's `managerStatus.addr` is its advertise address, which it must give.
 */
function joinAddresses(
  advertiseAddr: string,
  peer: string,
  role: NodeRole,
): { statusAddr: string; managerAddr: string } {
  const peerHost = hostOf(peer);
  if (advertiseAddr === "") {
    if (role === "manager") {
      throw invalidArgument(
        "A manager must give its advertise address (host:port where the other managers reach " +
          "it): join with --advertise-addr",
      );
    }
    return { statusAddr: peerHost, managerAddr: "" };
  }
  let parsed;
  try {
    parsed = parseAddress(advertiseAddr);
  } catch (e) {
    if (e instanceof AddressError) {
      throw invalidArgument(`Invalid advertise address "${advertiseAddr}": expected host:port`);
    }
    throw e;
  }
  if (parsed.kind !== "tcp" || parsed.port === 0) {
    throw invalidArgument(
      `Invalid advertise address "${advertiseAddr}": expected host:port with a non-zero port`,
    );
  }
  const unspecified = parsed.host === "0.0.0.0" || parsed.host === "::";
  const host = unspecified && peerHost !== "" ? peerHost : parsed.host;
  const managerAddr = host.includes(":") ? `[${host}]:${parsed.port}` : `${host}:${parsed.port}`;
  return { statusAddr: host, managerAddr };
}

/** The host of a grpc-js peer string (`1.2.3.4:5`, `[::1]:5`, `ipv4:1.2.3.4:5`). */
function hostOf(peer: string): string {
  const p = peer.replace(/^ipv[46]:/, "");
  if (p.startsWith("unix:")) return "";
  const colon = p.lastIndexOf(":");
  return (colon > 0 ? p.slice(0, colon) : p).replace(/^\[|\]$/g, "");
}

/** The identity of a caller renewing its certificate, or the refusal. */
function renewingCaller(
  clusterId: string,
  cluster: Cluster,
  ctx: CallContext,
): NodeIdentity {
  const identity = peerIdentity({ getAuthContext: () => ctx.authContext() });
  if (identity === null) {
    throw unauthenticated(
      "A join token is required: a node without a valid certificate of this cluster joins with " +
        "`swarm join --token TOKEN`; print a token with `swarm join-token worker|manager` on a " +
        "manager",
    );
  }
  const error = authorize(
    identity,
    ["worker", "manager"],
    clusterId,
    (id) => cluster.blacklistedCertificates[id] !== undefined,
  );
  if (error !== null) {
    throw error.name === "UnauthenticatedError"
      ? unauthenticated(error.message)
      : permissionDenied(error.message);
  }
  return identity;
}

function requireMember(store: MemoryStore, nodeId: string): Node {
  const node = store.get("node", nodeId);
  if (node === undefined) {
    throw permissionDenied(
      `Node ${nodeId} is no longer a member of this cluster (it was removed): its certificate ` +
        "cannot be renewed; join again with a join token",
    );
  }
  return node;
}

/** Whether the caller presents a valid certificate of this cluster for node `nodeId`. */
function isCallerNode(
  store: MemoryStore,
  clusterId: string,
  ctx: CallContext,
  nodeId: string,
): boolean {
  const identity = peerIdentity({ getAuthContext: () => ctx.authContext() });
  if (identity === null || identity.nodeId !== nodeId) return false;
  const cluster = store.get("cluster", clusterId);
  return authorize(
    identity,
    ["worker", "manager"],
    clusterId,
    (id) => cluster?.blacklistedCertificates[id] !== undefined,
  ) === null;
}

/** Applies `change` to a fresh copy of the node; re-reads and retries when a write raced it. */
async function updateNode(
  store: MemoryStore,
  nodeId: string,
  change: (node: Node) => void,
): Promise<void> {
  for (let attempt = 1;; attempt++) {
    const updated = clone(NodeSchema, requireMember(store, nodeId));
    change(updated);
    try {
      await write(() => store.update((tx) => tx.update("node", updated)));
      return;
    } catch (e) {
      if (!(e instanceof GrpcStatusError && e.cause instanceof SequenceConflictError)) throw e;
      if (attempt >= RENEWAL_WRITE_ATTEMPTS) {
        throw aborted(`Node ${nodeId} kept changing while its certificate was renewed: retry`);
      }
    }
  }
}

/** Runs a store write, answering the store's refusals with gRPC statuses. */
async function write(fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof NotLeaderError) {
      throw new GrpcStatusError(Status.UNAVAILABLE, e.message, { cause: e });
    }
    if (e instanceof SequenceConflictError || e instanceof IdConflictError) {
      throw new GrpcStatusError(Status.ABORTED, e.message, { cause: e });
    }
    throw e;
  }
}

function protoRole(role: NodeRole): ProtoNodeRole {
  return role === "manager" ? ProtoNodeRole.MANAGER : ProtoNodeRole.WORKER;
}

function roleOf(role: ProtoNodeRole): NodeRole {
  return role === ProtoNodeRole.MANAGER ? "manager" : "worker";
}
