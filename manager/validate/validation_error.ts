/**
 * ValidationError is thrown by every validator in this folder. Its message says what is wrong and
 * what is allowed; the control API maps it to gRPC INVALID_ARGUMENT.
 *
 * @module
 */

/** A spec or name that breaks a rule. The message is safe to show to the user as is. */
export class ValidationError extends Error {
  override name = "ValidationError";

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
  }
}
