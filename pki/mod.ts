/**
 * The cluster's built-in certificate authority and everything around certificates, join tokens
 * and key files, as a library for the manager and the agent.
 *
 * - `swarm init`: {@link createRootCA} → {@link SigningCA.load} → {@link rootCADigest} →
 *   {@link generateJoinToken} (worker and manager) → {@link generateKeyAndCSR} +
 *   {@link signNodeCSR} for the first manager → {@link writeNodeFiles}.
 * - `swarm join`: {@link parseJoinToken} → fetch the root CA (insecure RPC) →
 *   {@link tokenMatchesRoot}({@link rootCADigest}(root)) → {@link generateKeyAndCSR} → send
 *   CSR + token → {@link verifyNodeCertificate} on the answer → {@link writeNodeFiles}.
 * - The CA RPC: {@link joinTokenEquals} against both tokens → {@link signNodeCSR}.
 * - Every RPC: {@link peerIdentity}(call) → {@link authorize}.
 * - Renewal: {@link readNodeCertificate} → {@link renewalTime}; on failure with an expired
 *   certificate, {@link expiredRetryDelayMs}.
 * - Autolock: {@link generateUnlockKey} / {@link formatUnlockKey} / {@link parseUnlockKey}; pass
 *   the key as `kek` to {@link writeNodeFiles} / {@link readNodeFiles}.
 *
 * Tests of other subsystems can use `pki/testing.ts` (`createTestPki`).
 *
 * @module
 */

export * from "./errors.ts";
export type { RandomBytes } from "./_bytes.ts";
export {
  CA_NAME,
  isNodeRole,
  MANAGER_OU,
  MANAGER_SERVER_NAME,
  type NodeRole,
  ouForRole,
  roleFromOU,
  WORKER_OU,
} from "./names.ts";
export {
  CERTIFICATE_PEM_TYPE,
  CSR_PEM_TYPE,
  decodePem,
  encodePem,
  type PemBlock,
  PRIVATE_KEY_PEM_TYPE,
} from "./pem.ts";
export {
  assertKeyMatchesCertificate,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  keyMatchesCertificate,
} from "./keys.ts";
export {
  CERT_BACKDATE_MS,
  createRootCA,
  type CreateRootCAOptions,
  DEFAULT_ROOT_CA_VALIDITY_MS,
  rootCADigest,
  type RootCAMaterial,
  SigningCA,
} from "./root_ca.ts";
export { generateKeyAndCSR, type KeyAndCSR } from "./csr.ts";
export {
  DEFAULT_NODE_CERT_VALIDITY_MS,
  MIN_NODE_CERT_VALIDITY_MS,
  type SignedNodeCertificate,
  signNodeCSR,
  type SignNodeCSROptions,
} from "./sign.ts";
export {
  identityFromSubject,
  type NodeCertificateInfo,
  type NodeIdentity,
  readNodeCertificate,
  verifyNodeCertificate,
  type VerifyNodeCertificateOptions,
} from "./verify.ts";
export {
  generateJoinToken,
  JOIN_TOKEN_PREFIX,
  joinTokenEquals,
  type ParsedJoinToken,
  parseJoinToken,
  tokenMatchesRoot,
} from "./join_token.ts";
export {
  formatUnlockKey,
  generateUnlockKey,
  parseUnlockKey,
  UNLOCK_KEY_BYTES,
  UNLOCK_KEY_PREFIX,
} from "./unlock_key.ts";
export {
  EXPIRED_RETRY_BASE_MS,
  EXPIRED_RETRY_MAX_MS,
  expiredRetryDelayMs,
  type ExpiredRetryOptions,
  renewalDelayMs,
  type RenewalDelayOptions,
  renewalTime,
  type RenewalTimeOptions,
} from "./renewal.ts";
export {
  decryptKeyPem,
  ENCRYPTED_KEY_PEM_TYPE,
  encryptKeyPem,
  isEncryptedKeyPem,
} from "./key_encryption.ts";
export {
  CERT_FILE_MODE,
  CERTIFICATES_DIR,
  KEY_FILE_MODE,
  NODE_CERT_FILE,
  NODE_KEY_FILE,
  type NodeFilePaths,
  nodeFilePaths,
  type NodeFiles,
  type ReadKeyOptions,
  readNodeFiles,
  type ReadNodeFilesResult,
  readRootCAFile,
  removeNodeFiles,
  ROOT_CA_FILE,
  writeFileAtomic,
  type WriteKeyOptions,
  writeNodeFiles,
  writeNodeKeyAndCert,
  writeRootCAFile,
} from "./key_files.ts";
export {
  type CallWithAuthContext,
  clientChannelOptions,
  clientCredentials,
  type ClientTlsOptions,
  createServerTls,
  peerIdentity,
  serverCredentials,
  type ServerTls,
  type ServerTlsMaterial,
  type ServerTlsOptions,
} from "./tls.ts";
export { type AuthorizationError, authorize, requireAuthorized } from "./authorize.ts";
export {
  CAUnavailableError,
  CertificateIssuanceError,
  CertificateRequestRefusedError,
  DEFAULT_CA_CALL_TIMEOUT_MS,
  DEFAULT_ISSUANCE_TIMEOUT_MS,
  fetchPinnedRootCA,
  type IssuanceOptions,
  type IssuedNodeCertificate,
  JoinRefusedError,
  type NodeAvailability,
  type NodeCAClientOptions,
  RenewalRefusedError,
  renewNodeCertificate,
  type RenewNodeCertificateOptions,
  requestNodeCertificate,
  type RequestNodeCertificateOptions,
  RootCAMismatchError,
} from "./node_ca_client.ts";
