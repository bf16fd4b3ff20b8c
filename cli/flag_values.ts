/**
 * Parsers for flag values: counts, durations ("1m30s"), sizes ("64MiB"), CPUs ("0.5"),
 * ratios, choices and key=value pairs. Each throws a {@linkcode UsageError} naming the flag.
 *
 * @module
 */

import { create } from "@bufbuild/protobuf";
import { DurationSchema } from "@bufbuild/protobuf/wkt";
import type { Duration } from "@bufbuild/protobuf/wkt";
import { UsageError } from "./usage_error.ts";

/** Where a flag value came from, for messages: the flag and the command it was given to. */
export interface FlagSource {
  flag: string;
  command: string;
}

function invalid(src: FlagSource, value: string, rule: string): UsageError {
  return new UsageError(
    `invalid value ${JSON.stringify(value)} for --${src.flag}: ${rule}`,
    src.command,
  );
}

/** Largest uint32, the range of replica counts and other counters. */
export const MAX_UINT32 = 4_294_967_295;

/** A whole number from 0 to `max` (uint32 by default). Rejects signs, decimals and spaces. */
export function parseCount(src: FlagSource, value: string, max = MAX_UINT32): number {
  if (!/^\d+$/.test(value) || Number(value) > max) {
    throw invalid(src, value, `must be a whole number from 0 to ${max}`);
  }
  return Number(value);
}

const NANOS: Record<string, bigint> = {
  ns: 1n,
  us: 1_000n,
  "µs": 1_000n,
  "μs": 1_000n,
  ms: 1_000_000n,
  s: 1_000_000_000n,
  m: 60_000_000_000n,
  h: 3_600_000_000_000n,
};

/**
 * A Go-style duration such as "5s", "1m30s", "500ms", "1.5h" or "0", as nanoseconds.
 * Negative durations are rejected.
 */
export function parseDurationNanos(src: FlagSource, value: string): bigint {
  const rule = "use a duration such as 500ms, 5s, 1m30s or 1h (units ns, us, ms, s, m, h)";
  if (value === "0") return 0n;
  if (value.startsWith("-")) throw invalid(src, value, "must not be negative");
  const part = /(\d+)(?:\.(\d+))?(ns|us|µs|μs|ms|s|m|h)/gy;
  let total = 0n;
  let at = 0;
  const text = value.startsWith("+") ? value.slice(1) : value;
  if (text === "") throw invalid(src, value, rule);
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (m === null) {
      throw invalid(
        src,
        value,
        /^\d+(\.\d+)?$/.test(text) ? `add a unit, e.g. ${text}s; ${rule}` : rule,
      );
    }
    const [, whole = "0", frac = "", unit = "s"] = m;
    const scale = NANOS[unit] ?? 1n;
    total += BigInt(whole) * scale;
    if (frac !== "") {
      const digits = frac.slice(0, 18);
      total += (BigInt(digits) * scale) / 10n ** BigInt(digits.length);
    }
    at = part.lastIndex;
  }
  return total;
}

/** {@linkcode parseDurationNanos} as a google.protobuf.Duration. */
export function parseDuration(src: FlagSource, value: string): Duration {
  const n = parseDurationNanos(src, value);
  return create(DurationSchema, {
    seconds: n / 1_000_000_000n,
    nanos: Number(n % 1_000_000_000n),
  });
}

const SIZE_UNITS: Record<string, bigint> = {
  "": 1n,
  k: 1024n,
  m: 1024n ** 2n,
  g: 1024n ** 3n,
  t: 1024n ** 4n,
  p: 1024n ** 5n,
};

/**
 * A memory size in bytes, like Docker's `RAMInBytes`: a number with an optional unit k, m, g,
 * t or p, optionally followed by "b" or "ib"; every unit is binary ("64MiB" = "64m" = "64MB").
 */
export function parseBytes(src: FlagSource, value: string): bigint {
  const m = /^(\d+)(?:\.(\d+))? ?([kmgtp])?(?:i?b)?$/i.exec(value.trim());
  if (m === null) {
    throw invalid(src, value, "use a size such as 512k, 64MiB or 1g (binary units k, m, g, t, p)");
  }
  const [, whole = "0", frac = "", unitText = ""] = m;
  const unit = SIZE_UNITS[unitText.toLowerCase()] ?? 1n;
  let bytes = BigInt(whole) * unit;
  if (frac !== "") bytes += (BigInt(frac) * unit) / 10n ** BigInt(frac.length);
  return bytes;
}

/** A number of CPUs such as "0.5" or "2", as nano-CPUs (at most 9 decimals). */
export function parseCpus(src: FlagSource, value: string): bigint {
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(value);
  if (m === null) {
    throw invalid(src, value, "use a number of CPUs such as 0.5 or 2 (at most 9 decimals)");
  }
  const [, whole = "0", frac = ""] = m;
  return BigInt(whole) * 1_000_000_000n + BigInt(frac.padEnd(9, "0"));
}

/** A ratio from 0 to 1, e.g. "0.2". */
export function parseRatio(src: FlagSource, value: string): number {
  const n = /^\d+(\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw invalid(src, value, "must be a number from 0 to 1, e.g. 0.2");
  return n;
}

/** One of a fixed set of words (case-insensitive); returns the mapped value. */
export function parseChoice<T>(src: FlagSource, value: string, choices: Record<string, T>): T {
  const key = value.toLowerCase();
  if (!Object.hasOwn(choices, key)) {
    throw invalid(src, value, `use one of ${Object.keys(choices).join(", ")}`);
  }
  return choices[key] as T;
}

/** "key=value" (or "key", meaning an empty value, when `valueOptional`). The key is non-empty. */
export function parseKeyValue(
  src: FlagSource,
  value: string,
  valueOptional = true,
): [string, string] {
  const eq = value.indexOf("=");
  const key = eq < 0 ? value : value.slice(0, eq);
  if (key.trim() === "" || (eq < 0 && !valueOptional)) {
    throw invalid(src, value, `use key=value with a non-empty key, e.g. --${src.flag} tier=web`);
  }
  return [key, eq < 0 ? "" : value.slice(eq + 1)];
}
