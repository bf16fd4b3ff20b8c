/**
 * Stop signal names. Specs store the canonical upper-case `SIG` form that `Deno.kill` takes.
 *
 * @module
 */

import { quote } from "./names.ts";
import { ValidationError } from "./validation_error.ts";

/** Signals a task may be stopped with. */
export const STOP_SIGNALS: readonly string[] = [
  "SIGABRT",
  "SIGALRM",
  "SIGHUP",
  "SIGINT",
  "SIGKILL",
  "SIGPWR",
  "SIGQUIT",
  "SIGTERM",
  "SIGUSR1",
  "SIGUSR2",
  "SIGWINCH",
];

/**
 * Turns user input such as "term", "SIGTERM" or "int" into the canonical "SIGTERM" form.
 *
 * @throws {ValidationError} when the signal is not in {@linkcode STOP_SIGNALS}.
 */
export function normalizeSignal(input: string): string {
  const upper = input.trim().toUpperCase();
  const name = upper.startsWith("SIG") ? upper : `SIG${upper}`;
  if (!STOP_SIGNALS.includes(name)) throw badSignal(input);
  return name;
}

/**
 * Checks a stored stop signal: empty (SIGTERM) or a canonical name from {@linkcode STOP_SIGNALS}.
 *
 * @throws {ValidationError}
 */
export function validateStopSignal(signal: string): void {
  if (signal !== "" && !STOP_SIGNALS.includes(signal)) throw badSignal(signal);
}

function badSignal(signal: string): ValidationError {
  return new ValidationError(
    `invalid stop signal ${quote(signal)}: use one of ${STOP_SIGNALS.join(", ")}`,
  );
}
