/**
 * Typed gRPC status errors shared by the server and client halves of the bridge.
 *
 * A handler throws a {@link GrpcStatusError} (usually through a helper such as
 * {@link notFound}) and the client receives a `GrpcStatusError` with the same
 * `code` and the same `message`. Any other thrown value becomes `INTERNAL` on
 * the wire (see {@link toServiceError}).
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";

/** gRPC status codes (the grpc-js `status` enum). */
export const Status = grpc.status;
/** A gRPC status code. */
export type Status = grpc.status;

/** Returns the canonical name of a status code, e.g. `"NOT_FOUND"`. */
export function statusName(code: number): string {
  const name = (grpc.status as unknown as Record<number, string | undefined>)[code];
  return name ?? `CODE_${code}`;
}

/** An error carrying a gRPC status code; thrown by handlers, surfaced to callers. */
export class GrpcStatusError extends Error {
  /** The gRPC status code. */
  readonly code: Status;
  /** Trailing metadata received with (or to be sent with) the status, if any. */
  readonly metadata: grpc.Metadata | undefined;

  constructor(
    code: Status,
    message: string,
    options: { cause?: unknown; metadata?: grpc.Metadata } = {},
  ) {
    super(message, "cause" in options ? { cause: options.cause } : undefined);
    this.name = "GrpcStatusError";
    this.code = code;
    this.metadata = options.metadata;
  }

  /** Canonical name of {@link code}, e.g. `"UNAVAILABLE"`. */
  get codeName(): string {
    return statusName(this.code);
  }

  override toString(): string {
    return `${this.name} ${this.codeName}: ${this.message}`;
  }
}

/** True if `err` is a {@link GrpcStatusError}, optionally with one of `codes`. */
export function isGrpcStatusError(err: unknown, ...codes: Status[]): err is GrpcStatusError {
  return err instanceof GrpcStatusError && (codes.length === 0 || codes.includes(err.code));
}

/** CANCELLED: the operation was cancelled, typically by the caller. */
export const cancelled = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.CANCELLED, message);
/** INVALID_ARGUMENT: the request is malformed regardless of system state. */
export const invalidArgument = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.INVALID_ARGUMENT, message);
/** DEADLINE_EXCEEDED: the deadline expired before the operation completed. */
export const deadlineExceeded = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.DEADLINE_EXCEEDED, message);
/** NOT_FOUND: a requested entity does not exist. */
export const notFound = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.NOT_FOUND, message);
/** ALREADY_EXISTS: the entity a client tried to create already exists. */
export const alreadyExists = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.ALREADY_EXISTS, message);
/** PERMISSION_DENIED: the caller is authenticated but not allowed to do this. */
export const permissionDenied = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.PERMISSION_DENIED, message);
/** RESOURCE_EXHAUSTED: a quota or limit was hit. */
export const resourceExhausted = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.RESOURCE_EXHAUSTED, message);
/** FAILED_PRECONDITION: the system is not in a state required for the operation. */
export const failedPrecondition = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.FAILED_PRECONDITION, message);
/** ABORTED: concurrency conflict (e.g. version mismatch); the caller may retry at a higher level. */
export const aborted = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.ABORTED, message);
/** OUT_OF_RANGE: an index or offset is past the valid range. */
export const outOfRange = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.OUT_OF_RANGE, message);
/** UNIMPLEMENTED: the operation is not implemented or not supported. */
export const unimplemented = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.UNIMPLEMENTED, message);
/** INTERNAL: an invariant was broken. */
export const internal = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.INTERNAL, message);
/** UNAVAILABLE: transient; the caller may retry (idempotent calls only). */
export const unavailable = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.UNAVAILABLE, message);
/** UNAUTHENTICATED: the caller has no valid credentials. */
export const unauthenticated = (message: string): GrpcStatusError =>
  new GrpcStatusError(Status.UNAUTHENTICATED, message);

/**
 * Server side: converts anything a handler threw into the object grpc-js sends as status.
 * A {@link GrpcStatusError} keeps its code and message; anything else becomes `INTERNAL`
 * with the error's message (prefixed `internal error: `).
 */
export function toServiceError(err: unknown): Partial<grpc.StatusObject> & { code: Status } {
  if (err instanceof GrpcStatusError) {
    const out: Partial<grpc.StatusObject> & { code: Status } = {
      code: err.code,
      details: err.message,
    };
    if (err.metadata !== undefined) out.metadata = err.metadata;
    return out;
  }
  const message = err instanceof Error ? err.message : String(err);
  return { code: Status.INTERNAL, details: `internal error: ${message}` };
}

/**
 * Client side: converts a grpc-js `ServiceError` (or anything else) into a {@link GrpcStatusError}.
 * The server's message (the status `details`) becomes the error message; the original error is
 * kept as `cause`.
 */
export function fromServiceError(err: unknown): GrpcStatusError {
  if (err instanceof GrpcStatusError) return err;
  if (typeof err === "object" && err !== null && "code" in err && typeof err.code === "number") {
    const details = "details" in err && typeof err.details === "string"
      ? err.details
      : err instanceof Error
      ? err.message
      : "";
    const metadata = "metadata" in err && err.metadata instanceof grpc.Metadata
      ? err.metadata
      : undefined;
    return new GrpcStatusError(
      err.code as Status,
      details,
      metadata === undefined ? { cause: err } : { cause: err, metadata },
    );
  }
  const message = err instanceof Error ? err.message : String(err);
  return new GrpcStatusError(Status.UNKNOWN, message, { cause: err });
}
