/**
 * Rules for environment entries of a task.
 *
 * @module
 */

import { quote } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/**
 * Checks each entry is `KEY=VALUE` with a non-empty key. The value may be empty or contain '='.
 *
 * @throws {ValidationError}
 */
export function validateEnv(entries: readonly string[]): void {
  for (const entry of entries) validateEnvEntry(entry);
}

/** Checks one `KEY=VALUE` entry. @throws {ValidationError} */
export function validateEnvEntry(entry: string): void {
  const eq = entry.indexOf("=");
  if (eq < 0) {
    throw new ValidationError(
      `invalid environment variable ${quote(entry)}: use KEY=VALUE, e.g. ${
        /^[A-Za-z_][A-Za-z0-9_]*$/.test(entry) ? entry : "PORT"
      }=8080`,
    );
  }
  if (entry.slice(0, eq).trim() === "") {
    throw new ValidationError(
      `invalid environment variable ${quote(entry)}: the key before '=' is empty; use KEY=VALUE`,
    );
  }
  if (entry.includes("\0")) {
    throw new ValidationError(
      `invalid environment variable ${quote(entry)}: it contains a NUL character`,
    );
  }
}
