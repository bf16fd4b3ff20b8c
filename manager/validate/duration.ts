/**
 * Checks for google.protobuf.Duration fields of specs.
 *
 * @module
 */

import type { Duration } from "@bufbuild/protobuf/wkt";
import { ValidationError } from "./validation_error.ts";

const NANOS_PER_SECOND = 1_000_000_000n;

/** The total length of a duration in nanoseconds. */
export function durationNanos(d: Duration): bigint {
  return d.seconds * NANOS_PER_SECOND + BigInt(d.nanos);
}

/** Formats a duration the way the CLI accepts it, e.g. "1m30s", "500ms", "-5s", "0s". */
export function formatDuration(d: Duration): string {
  return formatNanos(durationNanos(d));
}

/** Formats nanoseconds as "1h2m3.5s", "500ms", "0s" (like Go's time.Duration.String). */
export function formatNanos(total: bigint): string {
  if (total === 0n) return "0s";
  const sign = total < 0n ? "-" : "";
  let n = total < 0n ? -total : total;
  if (n < 1_000n) return `${sign}${n}ns`;
  if (n < 1_000_000n) return `${sign}${decimal(n, 1_000n)}µs`;
  if (n < NANOS_PER_SECOND) return `${sign}${decimal(n, 1_000_000n)}ms`;
  const hours = n / (3600n * NANOS_PER_SECOND);
  n -= hours * 3600n * NANOS_PER_SECOND;
  const minutes = n / (60n * NANOS_PER_SECOND);
  n -= minutes * 60n * NANOS_PER_SECOND;
  let out = sign;
  if (hours > 0n) out += `${hours}h`;
  if (hours > 0n || minutes > 0n) out += `${minutes}m`;
  return `${out}${decimal(n, NANOS_PER_SECOND)}s`;
}

function decimal(n: bigint, unit: bigint): string {
  const whole = n / unit;
  const frac = n % unit;
  if (frac === 0n) return whole.toString();
  const digits = unit.toString().length - 1;
  return `${whole}.${frac.toString().padStart(digits, "0").replace(/0+$/, "")}`;
}

/**
 * Checks that a duration is well formed and at least `min` nanoseconds long (0 by default, i.e.
 * not negative). An unset duration passes.
 *
 * @param what the field, for the message, e.g. "restart delay".
 * @throws {ValidationError}
 */
export function validateDuration(
  d: Duration | undefined,
  what: string,
  options: { minNanos?: bigint; minText?: string } = {},
): void {
  if (d === undefined) return;
  const { seconds, nanos } = d;
  if (
    !Number.isInteger(nanos) || nanos <= -1_000_000_000 || nanos >= 1_000_000_000 ||
    (seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0)
  ) {
    throw new ValidationError(
      `invalid ${what}: malformed duration (seconds ${seconds}, nanos ${nanos}); nanos must be within ±999999999 and have the sign of seconds`,
    );
  }
  const min = options.minNanos ?? 0n;
  const total = durationNanos(d);
  if (total < 0n) {
    throw new ValidationError(
      `invalid ${what} ${formatNanos(total)}: must not be negative`,
    );
  }
  if (total < min) {
    throw new ValidationError(
      `invalid ${what} ${formatNanos(total)}: must be at least ${
        options.minText ?? formatNanos(min)
      }`,
    );
  }
}
