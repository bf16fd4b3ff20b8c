/**
 * The node's side of the cluster CA: getting a first certificate with a join token, and renewing
 * it with the current one.
 *
 * Joining (`swarm join --token TOKEN ADDR`):
 * 1. {@link fetchPinnedRootCA}: download the root CA certificate over a connection that trusts
 *    nothing yet, and accept it only if its SHA-256 digest is the one the join token carries
 *    (trust on first use, pinned by the token). Nothing else is sent on that connection.
 * 2. {@link requestNodeCertificate}: make a key and CSR, send CSR + token over TLS that verifies
 *    the manager against the pinned root, wait for the certificate, and verify it.
 *
 * Renewing ({@link renewNodeCertificate}): the same over mutual TLS with the node's current
 * certificate and no token; the answer carries the node's desired role, so a promotion or a
 * demotion arrives this way. Every call makes a new key pair.
 *
 * Failures are typed: {@link RootCAMismatchError} (wrong token or address),
 * {@link JoinRefusedError} / {@link RenewalRefusedError} (the CA said no, with its reason),
 * {@link CAUnavailableError} (no answer: retry, or try another manager) and
 * {@link CertificateIssuanceError} (the CA answered, but not with a usable certificate).
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { CA, NodeCA } from "../proto/gen/swarm/v1/ca_pb.ts";
import { NodeSpec_Availability } from "../proto/gen/swarm/v1/specs_pb.ts";
import { Certificate_IssuanceState } from "../proto/gen/swarm/v1/types_pb.ts";
import { ManagedChannel } from "../proto/connection.ts";
import type { Client } from "../proto/grpc_client.ts";
import { GrpcStatusError, Status, statusName } from "../proto/grpc_status.ts";
import { generateKeyAndCSR } from "./csr.ts";
import {
  CertificateVerificationError,
  MalformedCertificateError,
  MalformedPemError,
  PkiError,
} from "./errors.ts";
import { parseJoinToken, tokenMatchesRoot } from "./join_token.ts";
import type { NodeFiles } from "./key_files.ts";
import { keyMatchesCertificate } from "./keys.ts";
import type { NodeRole } from "./names.ts";
import { rootCADigest } from "./root_ca.ts";
import { clientChannelOptions, clientCredentials } from "./tls.ts";
import { readNodeCertificate, verifyNodeCertificate } from "./verify.ts";

/** Default deadline of each CA call: 5 s. */
export const DEFAULT_CA_CALL_TIMEOUT_MS = 5_000;
/** Default time to wait for an issued certificate after the request was accepted: 30 s. */
export const DEFAULT_ISSUANCE_TIMEOUT_MS = 30_000;

/** The manager's root CA does not match the digest in the join token. */
export class RootCAMismatchError extends PkiError {
  /** The address of the manager that was asked. */
  readonly addr: string;

  constructor(addr: string, detail?: string) {
    super(
      `The manager at ${addr} presents a CA whose digest does not match the join token` +
        `${detail === undefined ? "" : ` (${detail})`}: check the token and the address`,
    );
    this.name = "RootCAMismatchError";
    this.addr = addr;
  }
}

/** The CA refused a certificate request; `serverMessage` says why and what to do. */
export class CertificateRequestRefusedError extends PkiError {
  /** The address of the manager that refused. */
  readonly addr: string;
  /** The gRPC status name of the refusal, e.g. `PERMISSION_DENIED`. */
  readonly code: string;
  /** The CA's explanation, as sent. */
  readonly serverMessage: string;

  constructor(message: string, addr: string, cause: GrpcStatusError) {
    super(message, { cause });
    this.name = "CertificateRequestRefusedError";
    this.addr = addr;
    this.code = cause.codeName;
    this.serverMessage = cause.message;
  }
}

/** The CA refused to let this node join (bad or rotated token, bad request). */
export class JoinRefusedError extends CertificateRequestRefusedError {
  constructor(addr: string, cause: GrpcStatusError) {
    super(`The manager at ${addr} refused the join: ${cause.message}`, addr, cause);
    this.name = "JoinRefusedError";
  }
}

/** The CA refused to renew this node's certificate (node removed or revoked, certificate invalid). */
export class RenewalRefusedError extends CertificateRequestRefusedError {
  constructor(addr: string, cause: GrpcStatusError) {
    super(
      `The manager at ${addr} refused to renew this node's certificate: ${cause.message}`,
      addr,
      cause,
    );
    this.name = "RenewalRefusedError";
  }
}

/** No manager answered in time (down, unreachable, not ready, or not trusted at TLS). Retry. */
export class CAUnavailableError extends PkiError {
  /** The address(es) tried. */
  readonly addrs: readonly string[];

  constructor(addrs: readonly string[], detail: string, cause?: unknown) {
    super(
      `Cannot get a certificate from the manager${addrs.length === 1 ? "" : "s"} at ` +
        `${addrs.join(", ")}: ${detail}. Check the address and that the manager is running, ` +
        "then retry",
      cause === undefined ? undefined : { cause },
    );
    this.name = "CAUnavailableError";
    this.addrs = addrs;
  }
}

/** The CA accepted the request but did not deliver a usable certificate. */
export class CertificateIssuanceError extends PkiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertificateIssuanceError";
  }
}

/** Options of every CA call. */
export interface NodeCAClientOptions {
  /**
   * Deadline of each RPC, in milliseconds.
   * @default {DEFAULT_CA_CALL_TIMEOUT_MS} (5 s)
   */
  readonly timeoutMs?: number;
  /** Cancels the request (it then fails with a `CANCELLED` GrpcStatusError). */
  readonly signal?: AbortSignal;
}

/** Options of requests that wait for a certificate. */
export interface IssuanceOptions extends NodeCAClientOptions {
  /**
   * How long to wait for the certificate once the request was accepted, in milliseconds.
   * @default {DEFAULT_ISSUANCE_TIMEOUT_MS} (30 s)
   */
  readonly issuanceTimeoutMs?: number;
  /** The clock the certificate is verified against. @default the real clock */
  readonly now?: () => Date;
}

/** How the scheduler should treat a node. */
export type NodeAvailability = "active" | "pause" | "drain";

/** Options of {@link requestNodeCertificate}. */
export interface RequestNodeCertificateOptions extends IssuanceOptions {
  /** A manager's remote API address, `host:port`. */
  readonly addr: string;
  /** The join token; its role (worker or manager) becomes the node's. */
  readonly token: string;
  /** The cluster's root CA, PEM, from {@link fetchPinnedRootCA}. */
  readonly rootPem: string;
  /** The node's name, recorded in its description. */
  readonly hostname: string;
  /** Where other nodes reach this one, `host:port`; required to join as a manager. */
  readonly advertiseAddr?: string;
  /** @default "active" */
  readonly availability?: NodeAvailability;
}

/** Options of {@link renewNodeCertificate}. */
export interface RenewNodeCertificateOptions extends IssuanceOptions {
  /** Managers' remote API addresses, tried in order while they do not answer. */
  readonly addrs: string | readonly string[];
  /** The node's current certificate, key and root (e.g. from `readNodeFiles`). */
  readonly current: NodeFiles;
}

/** A certificate obtained from the CA, with the new key it certifies. */
export interface IssuedNodeCertificate {
  /** The node ID (the certificate's CN). */
  readonly nodeId: string;
  /** The role the certificate grants (its OU). */
  readonly role: NodeRole;
  /** The certificate chain, PEM (node certificate, then the CA). */
  readonly certPem: string;
  /** The new private key, PKCS#8 PEM. Secret. */
  readonly keyPem: string;
  /** The root CA the certificate was verified against, PEM. */
  readonly rootPem: string;
}

/**
 * Downloads the cluster's root CA certificate from `addr` without trusting anything, and returns
 * it only when its digest is the one `token` carries.
 *
 * @throws {MalformedJoinTokenError} before connecting, when the token does not parse.
 * @throws {RootCAMismatchError} when the manager's root CA is not the token's.
 * @throws {CAUnavailableError} when the manager does not answer.
 */
export async function fetchPinnedRootCA(
  addr: string,
  token: string,
  options: NodeCAClientOptions = {},
): Promise<string> {
  const parsed = parseJoinToken(token);
  // No trust yet: any server certificate is accepted, because what it sends is checked against
  // the token's digest before anything depends on it. No secret is sent on this connection.
  const credentials = grpc.credentials.createSsl(null, null, null, {
    rejectUnauthorized: false,
    checkServerIdentity: () => undefined,
  });
  const channel = openChannel(addr, credentials, options);
  let certificate: Uint8Array;
  try {
    const ca = channel.client(CA);
    ({ certificate } = await ca.getRootCACertificate({}, callOptions(options, true)));
  } catch (e) {
    throw mapError(e, [addr], (cause) => new JoinRefusedError(addr, cause));
  } finally {
    channel.close();
  }
  const rootPem = new TextDecoder().decode(certificate);
  let digest: Uint8Array;
  try {
    digest = await rootCADigest(rootPem);
  } catch (e) {
    if (e instanceof MalformedCertificateError || e instanceof MalformedPemError) {
      throw new RootCAMismatchError(addr, "it sent no valid root CA certificate");
    }
    throw e;
  }
  if (!tokenMatchesRoot(parsed, digest)) throw new RootCAMismatchError(addr);
  return rootPem;
}

/**
 * Joins the cluster: sends a fresh key's CSR with the join token to the manager at `addr`
 * (verified against `rootPem`), waits for the certificate and verifies it.
 *
 * @throws {MalformedJoinTokenError} when the token does not parse.
 * @throws {RootCAMismatchError} when `rootPem` is not the root the token vouches for (nothing
 * is sent then).
 * @throws {JoinRefusedError} when the CA refuses (its message says why).
 * @throws {CAUnavailableError} when the manager does not answer or is not trusted at TLS.
 * @throws {CertificateIssuanceError} when no valid certificate arrives in time.
 */
export async function requestNodeCertificate(
  options: RequestNodeCertificateOptions,
): Promise<IssuedNodeCertificate> {
  const { addr, token, rootPem } = options;
  const parsed = parseJoinToken(token);
  if (!tokenMatchesRoot(parsed, await rootCADigest(rootPem))) {
    throw new RootCAMismatchError(addr, "the root CA given is not the one the token vouches for");
  }
  const { keyPem, csrPem } = await generateKeyAndCSR();
  const channel = openChannel(addr, clientCredentials({ rootPem }), options);
  const refused = (cause: GrpcStatusError) => new JoinRefusedError(addr, cause);
  try {
    const nodeCA = channel.client(NodeCA);
    let nodeId: string;
    try {
      ({ nodeId } = await nodeCA.issueNodeCertificate({
        csr: new TextEncoder().encode(csrPem),
        token: parsed.token,
        availability: availabilityOf(options.availability ?? "active"),
        description: { hostname: options.hostname },
        advertiseAddr: options.advertiseAddr ?? "",
      }, callOptions(options, false)));
    } catch (e) {
      throw mapError(e, [addr], refused);
    }
    const certPem = await waitForCertificate(nodeCA, addr, nodeId, keyPem, options, refused);
    return await checkIssued(addr, { nodeId, certPem, keyPem, rootPem }, options);
  } finally {
    channel.close();
  }
}

/**
 * Renews this node's certificate with a new key, authenticating with the current one. The new
 * certificate carries the role the cluster wants the node to have (it may differ from the
 * current one after a promotion or demotion).
 *
 * @throws {RenewalRefusedError} when the CA refuses (node removed or revoked, certificate expired
 * or not of this cluster).
 * @throws {CAUnavailableError} when no manager answers.
 * @throws {CertificateIssuanceError} when no valid certificate arrives in time.
 * @throws {MalformedCertificateError} when the current certificate does not parse.
 */
export async function renewNodeCertificate(
  options: RenewNodeCertificateOptions,
): Promise<IssuedNodeCertificate> {
  const addrs = typeof options.addrs === "string" ? [options.addrs] : [...options.addrs];
  if (addrs.length === 0) throw new TypeError("renewNodeCertificate needs at least one address");
  const { current } = options;
  const own = readNodeCertificate(current.certPem);
  const { keyPem, csrPem } = await generateKeyAndCSR();
  const credentials = clientCredentials(current);
  let lastUnavailable: CAUnavailableError | undefined;
  for (const addr of addrs) {
    const channel = openChannel(addr, credentials, options);
    const refused = (cause: GrpcStatusError) => new RenewalRefusedError(addr, cause);
    try {
      const nodeCA = channel.client(NodeCA);
      let nodeId: string;
      try {
        ({ nodeId } = await nodeCA.issueNodeCertificate(
          { csr: new TextEncoder().encode(csrPem) },
          callOptions(options, false),
        ));
      } catch (e) {
        throw mapError(e, [addr], refused);
      }
      if (nodeId !== own.nodeId) {
        throw new CertificateIssuanceError(
          `The manager at ${addr} renewed the certificate of node ${nodeId} instead of this ` +
            `node's (${own.nodeId})`,
        );
      }
      const certPem = await waitForCertificate(nodeCA, addr, nodeId, keyPem, options, refused);
      return await checkIssued(
        addr,
        { nodeId, certPem, keyPem, rootPem: current.rootPem },
        options,
        own.clusterId,
      );
    } catch (e) {
      if (!(e instanceof CAUnavailableError)) throw e;
      lastUnavailable = e;
    } finally {
      channel.close();
    }
  }
  throw addrs.length === 1 ? lastUnavailable! : new CAUnavailableError(
    addrs,
    "no manager answered",
    lastUnavailable,
  );
}

function openChannel(
  addr: string,
  credentials: grpc.ChannelCredentials,
  options: NodeCAClientOptions,
): ManagedChannel {
  return new ManagedChannel({
    address: addr,
    credentials,
    channelOptions: clientChannelOptions(),
    timeoutMs: options.timeoutMs ?? DEFAULT_CA_CALL_TIMEOUT_MS,
  });
}

function callOptions(options: NodeCAClientOptions, idempotent: boolean) {
  return {
    idempotent,
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
}

/** Refusals the CA answers with; anything else is not about this request's merits. */
const REFUSALS: readonly Status[] = [
  Status.INVALID_ARGUMENT,
  Status.PERMISSION_DENIED,
  Status.UNAUTHENTICATED,
  Status.NOT_FOUND,
  Status.FAILED_PRECONDITION,
];

function mapError(
  e: unknown,
  addrs: readonly string[],
  refused: (cause: GrpcStatusError) => PkiError,
): unknown {
  if (!(e instanceof GrpcStatusError)) return e;
  if (REFUSALS.includes(e.code)) return refused(e);
  if (e.code === Status.UNAVAILABLE || e.code === Status.DEADLINE_EXCEEDED) {
    const tls = /certificate|self[- ]signed|verify/i.test(e.message)
      ? " (the manager's TLS certificate is not signed by the cluster's root CA)"
      : "";
    return new CAUnavailableError(addrs, `${e.codeName}: ${e.message}${tls}`, e);
  }
  if (e.code === Status.CANCELLED) return e;
  return new CertificateIssuanceError(
    `The manager at ${addrs.join(", ")} failed to issue a certificate ` +
      `(${statusName(e.code)}): ${e.message}`,
    { cause: e },
  );
}

/** Polls the certificate status until the certificate for `keyPem` is there (bounded). */
async function waitForCertificate(
  nodeCA: Client<typeof NodeCA>,
  addr: string,
  nodeId: string,
  keyPem: string,
  options: IssuanceOptions,
  refused: (cause: GrpcStatusError) => PkiError,
): Promise<string> {
  const deadline = Date.now() + (options.issuanceTimeoutMs ?? DEFAULT_ISSUANCE_TIMEOUT_MS);
  let backoffMs = 100;
  for (;;) {
    let res;
    try {
      res = await nodeCA.nodeCertificateStatus({ nodeId }, callOptions(options, true));
    } catch (e) {
      throw mapError(e, [addr], refused);
    }
    const state = res.status?.state ?? Certificate_IssuanceState.UNKNOWN;
    const certificate = res.certificate?.certificate ?? new Uint8Array();
    if (state === Certificate_IssuanceState.FAILED) {
      throw new CertificateIssuanceError(
        `The manager at ${addr} could not issue a certificate for node ${nodeId}: ` +
          (res.status?.err || "no reason given"),
      );
    }
    // RENEW with our certificate: it was issued for this request, and the role changed again
    // meanwhile; the node takes it and will be told to renew once more.
    if (
      (state === Certificate_IssuanceState.ISSUED || state === Certificate_IssuanceState.RENEW) &&
      certificate.length > 0
    ) {
      const certPem = new TextDecoder().decode(certificate);
      if (await keyMatchesCertificate(keyPem, certPem)) return certPem;
      if (state === Certificate_IssuanceState.ISSUED) {
        throw new CertificateIssuanceError(
          `The certificate of node ${nodeId} at ${addr} was replaced by another request for the ` +
            "same node: retry",
        );
      }
    }
    if (Date.now() + backoffMs > deadline) {
      throw new CertificateIssuanceError(
        `The manager at ${addr} accepted the request of node ${nodeId} but issued no ` +
          `certificate within ${options.issuanceTimeoutMs ?? DEFAULT_ISSUANCE_TIMEOUT_MS} ms ` +
          `(state ${Certificate_IssuanceState[state] ?? state}): retry`,
      );
    }
    await sleep(backoffMs, options.signal);
    backoffMs = Math.min(backoffMs * 2, 1_000);
  }
}

async function checkIssued(
  addr: string,
  issued: Omit<IssuedNodeCertificate, "role">,
  options: IssuanceOptions,
  clusterId?: string,
): Promise<IssuedNodeCertificate> {
  let info;
  try {
    info = await verifyNodeCertificate({
      certPem: issued.certPem,
      rootPem: issued.rootPem,
      now: (options.now ?? (() => new Date()))(),
      ...(clusterId === undefined ? {} : { clusterId }),
    });
  } catch (e) {
    if (e instanceof CertificateVerificationError) {
      throw new CertificateIssuanceError(
        `The manager at ${addr} issued a certificate this node cannot use: ${e.message}`,
        { cause: e },
      );
    }
    throw e;
  }
  if (info.nodeId !== issued.nodeId) {
    throw new CertificateIssuanceError(
      `The manager at ${addr} issued a certificate for node ${info.nodeId} instead of ` +
        issued.nodeId,
    );
  }
  return { ...issued, role: info.role };
}

function availabilityOf(availability: NodeAvailability): NodeSpec_Availability {
  switch (availability) {
    case "active":
      return NodeSpec_Availability.ACTIVE;
    case "pause":
      return NodeSpec_Availability.PAUSE;
    case "drain":
      return NodeSpec_Availability.DRAIN;
    default:
      throw new TypeError(
        `Invalid availability ${JSON.stringify(availability)}: expected active, pause or drain`,
      );
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => new GrpcStatusError(Status.CANCELLED, "request cancelled");
    if (signal?.aborted) return reject(cancelled());
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelled());
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
