/**
 * Error classes for the conditions that callers of `pki/` handle.
 *
 * Every class extends {@link PkiError}, so a caller can catch the whole family at once, and sets
 * `name` so that logs and `instanceof`-free checks (`err.name === "WrongUnlockKeyError"`) work.
 * Messages are written for the person running `swarm`: they say what is wrong and what to do.
 *
 * @module
 */

/** Base class of every error thrown on purpose by `pki/`. */
export class PkiError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "PkiError";
  }
}

/** Text that should hold PEM (a certificate, a CSR or a key) cannot be decoded or parsed. */
export class MalformedPemError extends PkiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MalformedPemError";
  }
}

/** A private key does not belong to the certificate it was paired with. */
export class KeyMismatchError extends PkiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "KeyMismatchError";
  }
}

/** A certificate signing request is malformed, badly signed or uses an unsupported key. */
export class InvalidCSRError extends PkiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "InvalidCSRError";
  }
}

/** A requested certificate validity is shorter than the allowed minimum (or not a number). */
export class InvalidValidityError extends PkiError {
  /** The rejected validity in milliseconds. */
  readonly validityMs: number;
  /** The smallest validity accepted, in milliseconds. */
  readonly minimumMs: number;

  constructor(validityMs: number, minimumMs: number) {
    super(
      `Certificate validity is too short: ${validityMs} ms was requested, the minimum is ` +
        `${minimumMs} ms (${minimumMs / 3_600_000} h)`,
    );
    this.name = "InvalidValidityError";
    this.validityMs = validityMs;
    this.minimumMs = minimumMs;
  }
}

/**
 * Base class of the reasons a node certificate is refused by `verifyNodeCertificate`.
 * Catch this to refuse any bad certificate; catch a subclass to tell the reasons apart.
 */
export class CertificateVerificationError extends PkiError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CertificateVerificationError";
  }
}

/** The certificate does not parse, or its subject does not describe a swarm node. */
export class MalformedCertificateError extends CertificateVerificationError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "MalformedCertificateError";
  }
}

/** The certificate does not chain to the trusted root CA (signed by another CA, or forged). */
export class UntrustedCertificateError extends CertificateVerificationError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "UntrustedCertificateError";
  }
}

/** The certificate (or a certificate in its chain) expired before `now`. */
export class CertificateExpiredError extends CertificateVerificationError {
  /** When the offending certificate stopped being valid. */
  readonly notAfter: Date;

  constructor(message: string, notAfter: Date) {
    super(message);
    this.name = "CertificateExpiredError";
    this.notAfter = notAfter;
  }
}

/** The certificate (or a certificate in its chain) only becomes valid after `now`. */
export class CertificateNotYetValidError extends CertificateVerificationError {
  /** When the offending certificate starts being valid. */
  readonly notBefore: Date;

  constructor(message: string, notBefore: Date) {
    super(message);
    this.name = "CertificateNotYetValidError";
    this.notBefore = notBefore;
  }
}

/** The certificate belongs to another cluster (its O is not the expected cluster ID). */
export class WrongClusterError extends CertificateVerificationError {
  /** The cluster ID the caller expected. */
  readonly expected: string;
  /** The cluster ID found in the certificate. */
  readonly actual: string;

  constructor(expected: string, actual: string) {
    super(
      `Certificate belongs to another cluster: expected cluster ${expected}, ` +
        `the certificate names cluster ${actual}`,
    );
    this.name = "WrongClusterError";
    this.expected = expected;
    this.actual = actual;
  }
}

/** A join token does not have the `SWMTKN-1-<50 chars>-<25 chars>` shape. */
export class MalformedJoinTokenError extends PkiError {
  constructor(message: string) {
    super(message);
    this.name = "MalformedJoinTokenError";
  }
}

/** An unlock key does not have the `SWMKEY-1-<base64 of 32 bytes>` shape. */
export class MalformedUnlockKeyError extends PkiError {
  constructor(message: string) {
    super(message);
    this.name = "MalformedUnlockKeyError";
  }
}

/** The node's private key is encrypted at rest and no unlock key was given. */
export class LockedError extends PkiError {
  constructor(message = "This node is locked: its private key is encrypted. Run `swarm unlock`") {
    super(message);
    this.name = "LockedError";
  }
}

/** The node's private key is encrypted at rest and the unlock key given does not open it. */
export class WrongUnlockKeyError extends PkiError {
  constructor(
    message = "The unlock key is wrong: it does not decrypt this node's private key. " +
      "Run `swarm unlock` with the current unlock key (a manager shows it with " +
      "`swarm unlock-key`)",
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = "WrongUnlockKeyError";
  }
}

/** The node's certificate directory exists but lacks a file that should be there. */
export class IncompleteNodeFilesError extends PkiError {
  /** Paths of the files that are missing. */
  readonly missing: readonly string[];

  constructor(missing: readonly string[]) {
    super(
      `Node certificate files are incomplete: missing ${missing.join(", ")}. ` +
        "Remove the certificates directory and join the cluster again",
    );
    this.name = "IncompleteNodeFilesError";
    this.missing = missing;
  }
}

/**
 * The caller of an RPC presented no valid client certificate. Map to gRPC status
 * UNAUTHENTICATED (16).
 */
export class UnauthenticatedError extends PkiError {
  /** The gRPC status name callers should answer with. */
  readonly grpcStatus = "UNAUTHENTICATED" as const;

  constructor(message: string) {
    super(message);
    this.name = "UnauthenticatedError";
  }
}

/**
 * The caller of an RPC is identified but may not call it (wrong role, wrong cluster, revoked).
 * Map to gRPC status PERMISSION_DENIED (7).
 */
export class PermissionDeniedError extends PkiError {
  /** The gRPC status name callers should answer with. */
  readonly grpcStatus = "PERMISSION_DENIED" as const;

  constructor(message: string) {
    super(message);
    this.name = "PermissionDeniedError";
  }
}
