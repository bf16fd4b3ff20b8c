/**
 * When a node renews its certificate, as pure functions of the certificate's validity period, the
 * current time and an injected random number.
 *
 * - A valid certificate is renewed at a uniformly random point between 50 % and 80 % of its
 *   validity (spreading a cluster's renewals over time).
 * - When renewal fails and the certificate has expired, retries back off exponentially from 5 s
 *   up to 1 h.
 *
 * @module
 */

/** Renewal starts no earlier than this fraction of the validity period. */
export const RENEWAL_MIN_FRACTION = 0.5;
/** Renewal starts no later than this fraction of the validity period. */
export const RENEWAL_MAX_FRACTION = 0.8;
/** First retry delay after a failed renewal of an expired certificate: 5 s. */
export const EXPIRED_RETRY_BASE_MS = 5_000;
/** Longest retry delay after a failed renewal of an expired certificate: 1 h. */
export const EXPIRED_RETRY_MAX_MS = 3_600_000;

/** Options of {@link renewalTime}. */
export interface RenewalTimeOptions {
  /** Start of the certificate's validity. */
  readonly notBefore: Date;
  /** End of the certificate's validity. */
  readonly notAfter: Date;
  /** A source of uniform numbers in [0, 1), e.g. `Math.random` or a seeded generator. */
  readonly random: () => number;
}

/**
 * The time to renew a certificate: `notBefore + validity × (0.5 + 0.3 × random())`.
 *
 * @throws {RangeError} when `random()` is outside [0, 1] or `notAfter` is before `notBefore`.
 */
export function renewalTime(options: RenewalTimeOptions): Date {
  const start = options.notBefore.getTime();
  const validity = options.notAfter.getTime() - start;
  if (!(validity >= 0)) {
    throw new RangeError(
      `Certificate validity ends before it starts: ${options.notBefore.toISOString()} .. ` +
        options.notAfter.toISOString(),
    );
  }
  const r = options.random();
  if (!(r >= 0 && r <= 1)) throw new RangeError(`random() must return a number in [0, 1): ${r}`);
  const fraction = RENEWAL_MIN_FRACTION + (RENEWAL_MAX_FRACTION - RENEWAL_MIN_FRACTION) * r;
  return new Date(start + Math.floor(validity * fraction));
}

/** Options of {@link renewalDelayMs}. */
export interface RenewalDelayOptions extends RenewalTimeOptions {
  /** The current time. */
  readonly now: Date;
}

/** Milliseconds from `now` until {@link renewalTime}; 0 when that time has passed. */
export function renewalDelayMs(options: RenewalDelayOptions): number {
  return Math.max(0, renewalTime(options).getTime() - options.now.getTime());
}

/** Options of {@link expiredRetryDelayMs}. */
export interface ExpiredRetryOptions {
  /**
   * Delay before the first retry.
   * @default {EXPIRED_RETRY_BASE_MS} (5 s)
   */
  readonly baseMs?: number;
  /**
   * Longest delay.
   * @default {EXPIRED_RETRY_MAX_MS} (1 h)
   */
  readonly maxMs?: number;
}

/**
 * Delay before retry number `attempt` (0 for the first retry) of a renewal whose certificate has
 * expired: `min(baseMs × 2^attempt, maxMs)`.
 *
 * @throws {RangeError} when `attempt` is not a non-negative integer.
 */
export function expiredRetryDelayMs(attempt: number, options: ExpiredRetryOptions = {}): number {
  if (!Number.isInteger(attempt) || attempt < 0) {
    throw new RangeError(`Retry attempt must be a non-negative integer: ${attempt}`);
  }
  const base = options.baseMs ?? EXPIRED_RETRY_BASE_MS;
  const max = options.maxMs ?? EXPIRED_RETRY_MAX_MS;
  return Math.min(base * 2 ** Math.min(attempt, 62), max);
}
