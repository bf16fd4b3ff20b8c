/**
 * Name rules for services, secrets and configs (SwarmKit `manager/controlapi/common.go`).
 *
 * @module
 */

import { ValidationError } from "./validation_error.ts";

/** Longest service name: one DNS label. */
export const MAX_SERVICE_NAME_LENGTH = 63;
/** Longest secret or config name. */
export const MAX_SECRET_NAME_LENGTH = 64;

// SwarmKit writes this rule as /^[a-zA-Z0-9](?:[-_]*[A-Za-z0-9]+)*$/. That form has nested
// quantifiers and backtracks exponentially on a long name ending in a bad character (30 letters
// and a '!' take seconds), so we use the equivalent linear form: a letter or digit, then
// optionally any run of letters, digits, '-' and '_' that ends in a letter or digit.
const SERVICE_NAME = /^[A-Za-z0-9](?:[-_A-Za-z0-9]*[A-Za-z0-9])?$/;
const SECRET_NAME = /^[A-Za-z0-9](?:[-_.A-Za-z0-9]*[A-Za-z0-9])?$/;

const SERVICE_RULE =
  `names may contain letters, digits, '-' and '_', must start and end with a letter or digit, at most ${MAX_SERVICE_NAME_LENGTH} characters`;

/**
 * Checks a service name: a DNS label of letters, digits, '-' and '_'.
 *
 * @throws {ValidationError} when the name is empty, too long or has other characters.
 */
export function validateServiceName(name: string): void {
  if (name === "") {
    throw new ValidationError(
      "missing service name: give one with --name, e.g. swarm service create --name web -- sleep 1000",
    );
  }
  if (name.length > MAX_SERVICE_NAME_LENGTH || !SERVICE_NAME.test(name)) {
    throw new ValidationError(`invalid service name ${quote(name)}: ${SERVICE_RULE}`);
  }
}

/** Checks a secret name. @throws {ValidationError} */
export function validateSecretName(name: string): void {
  validateSecretOrConfigName("secret", name);
}

/** Checks a config name. @throws {ValidationError} */
export function validateConfigName(name: string): void {
  validateSecretOrConfigName("config", name);
}

function validateSecretOrConfigName(kind: string, name: string): void {
  if (name === "") {
    throw new ValidationError(
      `missing ${kind} name: give one, e.g. swarm ${kind} create my-${kind} ./file`,
    );
  }
  if (name.length > MAX_SECRET_NAME_LENGTH || !SECRET_NAME.test(name)) {
    throw new ValidationError(
      `invalid ${kind} name ${
        quote(name)
      }: names may contain letters, digits, '-', '_' and '.', must start and end with a letter or digit, at most ${MAX_SECRET_NAME_LENGTH} characters`,
    );
  }
}

/**
 * Checks label keys: every key must be non-empty.
 *
 * @param what where the labels are, for the message, e.g. "service".
 * @throws {ValidationError}
 */
export function validateLabels(labels: Readonly<Record<string, string>>, what: string): void {
  for (const key of Object.keys(labels)) {
    if (key.trim() === "") {
      throw new ValidationError(
        `invalid ${what} label with an empty key: labels are key=value with a non-empty key`,
      );
    }
  }
}

/** Quotes a user-supplied value for a message, cutting very long ones. */
export function quote(value: string): string {
  const shown = value.length > 80 ? `${value.slice(0, 77)}...` : value;
  return JSON.stringify(shown);
}
