/**
 * gRPC (grpc-js) TLS credentials for swarm nodes, and reading a caller's identity in a handler.
 *
 * Servers present their node certificate and *request* a client certificate without requiring
 * it, so that the CA's insecure RPCs (fetching the root CA, joining with a token) work for nodes
 * that have no certificate yet; each RPC then authorizes its caller (see `authorize.ts`).
 *
 * Node's TLS API has no "verify the client certificate if one is given" mode (Go's
 * `VerifyClientCertIfGiven`): with client certificates optional, a certificate that does not
 * chain to the trusted root does not fail the handshake. grpc-js then reports no peer
 * certificate, so {@link peerIdentity} returns null and the caller is treated exactly like one
 * without a certificate. Servers that only serve role-restricted RPCs can set
 * `requireClientCertificate`, which makes a missing or foreign certificate fail the handshake.
 *
 * Clients verify the server name `swarm-manager` (a SAN of every manager certificate) via the
 * channel option `grpc.ssl_target_name_override`, so managers can be dialed by IP address.
 *
 * grpc-js wants `Buffer`s for PEM data; these helpers take strings and convert.
 *
 * @module
 */

import * as grpc from "@grpc/grpc-js";
import { MANAGER_SERVER_NAME } from "./names.ts";
import { identityFromSubject, type NodeIdentity } from "./verify.ts";

/** The TLS material a server presents and trusts. */
export interface ServerTlsMaterial {
  /** Trusted root CA certificate(s) for client certificates, PEM. */
  readonly rootPem: string;
  /** The server's certificate chain, PEM. */
  readonly certPem: string;
  /** The server's unencrypted private key, PEM. */
  readonly keyPem: string;
}

/** Options of {@link serverCredentials} and {@link createServerTls}. */
export interface ServerTlsOptions extends ServerTlsMaterial {
  /**
   * Refuse connections without a valid client certificate (at the TLS handshake).
   * @default false (requested and checked if given, not required: needed for the CA RPCs)
   */
  readonly requireClientCertificate?: boolean;
}

/** Server credentials whose certificate, key and roots can be swapped while serving. */
export interface ServerTls {
  /** Pass to `server.bindAsync`. */
  readonly credentials: grpc.ServerCredentials;
  /**
   * Presents new material on new connections (after certificate renewal or root rotation).
   * Existing connections keep the material they were set up with.
   */
  update(material: ServerTlsMaterial): void;
}

/** Creates server credentials (see the module doc for the client-certificate policy). */
export function serverCredentials(options: ServerTlsOptions): grpc.ServerCredentials {
  return createServerTls(options).credentials;
}

/** Creates server credentials that can be updated in place (see {@link ServerTls}). */
export function createServerTls(options: ServerTlsOptions): ServerTls {
  const provider = new MemoryCertificateProvider(options);
  const credentials = grpc.experimental.createCertificateProviderServerCredentials(
    provider,
    provider,
    options.requireClientCertificate ?? false,
  );
  return { credentials, update: (material) => provider.update(material) };
}

/** Options of {@link clientCredentials}. */
export interface ClientTlsOptions {
  /** Trusted root CA certificate(s) for the server's certificate, PEM. */
  readonly rootPem: string;
  /** This node's certificate chain, PEM; omit (with `keyPem`) to connect without one. */
  readonly certPem?: string;
  /** This node's unencrypted private key, PEM; given exactly when `certPem` is. */
  readonly keyPem?: string;
}

/**
 * Creates channel credentials trusting `rootPem`, presenting a client certificate when given.
 * Use together with {@link clientChannelOptions}.
 *
 * @throws {TypeError} when only one of `certPem` and `keyPem` is given.
 */
export function clientCredentials(options: ClientTlsOptions): grpc.ChannelCredentials {
  const { rootPem, certPem, keyPem } = options;
  if ((certPem === undefined) !== (keyPem === undefined)) {
    throw new TypeError("Client TLS needs both certPem and keyPem, or neither");
  }
  return grpc.credentials.createSsl(
    Buffer.from(rootPem),
    keyPem === undefined ? null : Buffer.from(keyPem),
    certPem === undefined ? null : Buffer.from(certPem),
  );
}

/**
 * Channel options that make the client verify the server certificate for `serverName` whatever
 * address is dialed (an IP address cannot be a TLS server name).
 *
 * @param serverName the name to verify. @default "swarm-manager"
 */
export function clientChannelOptions(
  serverName: string = MANAGER_SERVER_NAME,
): grpc.ChannelOptions {
  return { "grpc.ssl_target_name_override": serverName };
}

/** The part of a grpc-js server call that {@link peerIdentity} reads. */
export interface CallWithAuthContext {
  /** grpc-js: the TLS details of the connection the call arrived on. */
  getAuthContext(): {
    readonly sslPeerCertificate?: {
      readonly subject?: { readonly CN?: unknown; readonly OU?: unknown; readonly O?: unknown };
    };
  };
}

/**
 * The identity in the caller's verified client certificate, or null when the caller presented
 * none (or one that did not verify against the server's roots, or that is not a node
 * certificate). The cluster and revocation are NOT checked here: use `authorize`.
 */
export function peerIdentity(call: CallWithAuthContext): NodeIdentity | null {
  const subject = call.getAuthContext().sslPeerCertificate?.subject;
  return subject === undefined ? null : identityFromSubject(subject);
}

type CaListener = grpc.experimental.CaCertificateUpdateListener;
type IdentityListener = grpc.experimental.IdentityCertificateUpdateListener;

/**
 * An in-memory certificate provider. Updates are delivered asynchronously: grpc-js registers
 * its listeners before it starts watching, and a synchronous first update would be lost.
 */
class MemoryCertificateProvider implements grpc.experimental.CertificateProvider {
  #material: ServerTlsMaterial;
  readonly #caListeners = new Set<CaListener>();
  readonly #identityListeners = new Set<IdentityListener>();

  constructor(material: ServerTlsMaterial) {
    this.#material = material;
  }

  update(material: ServerTlsMaterial): void {
    this.#material = material;
    for (const listener of this.#caListeners) this.#sendCa(listener);
    for (const listener of this.#identityListeners) this.#sendIdentity(listener);
  }

  addCaCertificateListener(listener: CaListener): void {
    this.#caListeners.add(listener);
    this.#sendCa(listener);
  }

  removeCaCertificateListener(listener: CaListener): void {
    this.#caListeners.delete(listener);
  }

  addIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.add(listener);
    this.#sendIdentity(listener);
  }

  removeIdentityCertificateListener(listener: IdentityListener): void {
    this.#identityListeners.delete(listener);
  }

  #sendCa(listener: CaListener): void {
    const caCertificate = Buffer.from(this.#material.rootPem);
    queueMicrotask(() => {
      if (this.#caListeners.has(listener)) listener({ caCertificate });
    });
  }

  #sendIdentity(listener: IdentityListener): void {
    const certificate = Buffer.from(this.#material.certPem);
    const privateKey = Buffer.from(this.#material.keyPem);
    queueMicrotask(() => {
      if (this.#identityListeners.has(listener)) listener({ certificate, privateKey });
    });
  }
}
