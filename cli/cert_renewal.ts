/**
 * When a node renews its certificate: at a random point between 50 % and 80 % of the current
 * certificate's validity (`pki/renewal.ts`), at once when that point has passed already (e.g.
 * after a long stop), and again with a backoff from 5 s up to 1 h while renewing fails. What a
 * renewal does (ask the CA, write the files, swap the credentials in place) is the caller's
 * `renew`; this file only decides when, on an injected clock and random source.
 *
 * Timers longer than a platform timer allows (about 24.8 days; a 90-day certificate renews after
 * 45 days or more) are split: the renewer wakes up, sees the time has not come, and waits again.
 *
 * @module
 */
import {
  expiredRetryDelayMs,
  type ExpiredRetryOptions,
  readNodeCertificate,
  renewalTime,
} from "../pki/mod.ts";
import { type Clock, realClock, type TimerId } from "../worker/fake_clock.ts";

/** Longest single timer: setTimeout fires at once for delays above 2^31 - 1 ms. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** Shortest wait after a successful renewal before the next one: 1 minute. */
export const DEFAULT_MIN_RENEWAL_INTERVAL_MS = 60_000;

/** Options of {@link CertRenewer}. */
export interface CertRenewerOptions {
  /** The certificate in use now, PEM (its validity decides when to renew). */
  readonly certPem: string;
  /**
   * Renews: gets a new certificate, puts it in use, and returns it (PEM). A rejection is retried
   * with backoff.
   */
  readonly renew: () => Promise<string>;
  /** @default the real clock */
  readonly clock?: Clock;
  /** Uniform numbers in [0, 1) that place the renewal within 50–80 % of validity.
   * @default Math.random */
  readonly random?: () => number;
  /** Backoff of failed renewals. @default 5 s doubling up to 1 h */
  readonly retry?: ExpiredRetryOptions;
  /** Shortest wait between a successful renewal and the next one (a certificate valid for one
   * hour may be due at once: it is backdated one hour).
   * @default {DEFAULT_MIN_RENEWAL_INTERVAL_MS} */
  readonly minIntervalMs?: number;
  /** @default no logging */
  readonly log?: (message: string) => void;
}

/** Renews a node's certificate on schedule (see the module doc). */
export class CertRenewer {
  readonly #o: CertRenewerOptions;
  readonly #clock: Clock;
  #timer: TimerId | undefined;
  /** When the next renewal is due (ms since the epoch on the clock). */
  #due = 0;
  #failures = 0;
  #running = false;
  #stopped = true;
  #certPem: string;

  constructor(options: CertRenewerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? realClock;
    this.#certPem = options.certPem;
  }

  /** When the next renewal is due, or undefined when stopped. */
  get nextRenewal(): Date | undefined {
    return this.#stopped ? undefined : new Date(this.#due);
  }

  /** How many renewals in a row have failed. */
  get failures(): number {
    return this.#failures;
  }

  /** Schedules the first renewal from the current certificate. */
  start(): void {
    if (!this.#stopped) return;
    this.#stopped = false;
    this.#schedule(this.#dueFor(this.#certPem, 0), "scheduled");
  }

  /**
   * Another path put a new certificate in use (e.g. a role change): reschedule from it and
   * forget failures.
   */
  reset(certPem: string): void {
    this.#certPem = certPem;
    this.#failures = 0;
    if (this.#stopped || this.#running) return;
    this.#schedule(this.#dueFor(certPem, 0), "rescheduled");
  }

  /** Cancels the next renewal; one in progress completes but schedules nothing. */
  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #dueFor(certPem: string, minWaitMs: number): number {
    const info = readNodeCertificate(certPem);
    const at = renewalTime({
      notBefore: info.notBefore,
      notAfter: info.notAfter,
      random: this.#o.random ?? Math.random,
    }).getTime();
    return Math.max(at, this.#clock.now() + minWaitMs);
  }

  #schedule(due: number, what: string): void {
    if (this.#timer !== undefined) this.#clock.clearTimeout(this.#timer);
    this.#due = due;
    const wait = Math.max(0, due - this.#clock.now());
    if (what !== "") {
      this.#o.log?.(
        wait === 0
          ? "certificate renewal is due now"
          : `certificate renewal ${what} for ${new Date(due).toISOString()}`,
      );
    }
    this.#timer = this.#clock.setTimeout(() => this.#fire(), Math.min(wait, MAX_TIMER_MS));
  }

  #fire(): void {
    this.#timer = undefined;
    if (this.#stopped) return;
    if (this.#clock.now() < this.#due) {
      this.#schedule(this.#due, ""); // a long wait, split
      return;
    }
    this.#running = true;
    this.#o.renew().then((certPem) => {
      const next = this.#dueFor(certPem, this.#o.minIntervalMs ?? DEFAULT_MIN_RENEWAL_INTERVAL_MS);
      this.#running = false;
      this.#certPem = certPem;
      this.#failures = 0;
      if (this.#stopped) return;
      this.#o.log?.(
        `certificate renewed: valid until ${readNodeCertificate(certPem).notAfter.toISOString()}`,
      );
      this.#schedule(next, "scheduled");
    }).catch((e: unknown) => {
      this.#running = false;
      if (this.#stopped) return;
      const delay = expiredRetryDelayMs(this.#failures++, this.#o.retry);
      this.#o.log?.(
        `certificate renewal failed (retrying in ${Math.round(delay / 1000)} s): ${
          e instanceof Error ? e.message : e
        }`,
      );
      this.#schedule(this.#clock.now() + delay, "");
    });
  }
}
