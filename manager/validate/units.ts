/**
 * Formatting of CPU and memory amounts for messages and tables.
 *
 * @module
 */

const NANO = 1_000_000_000n;
const UNITS = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"] as const;

/** Formats nano-CPUs as a decimal number of CPUs: 500000000n → "0.5". */
export function formatCpus(nanoCpus: bigint): string {
  const sign = nanoCpus < 0n ? "-" : "";
  const n = nanoCpus < 0n ? -nanoCpus : nanoCpus;
  const whole = n / NANO;
  const frac = n % NANO;
  if (frac === 0n) return `${sign}${whole}`;
  return `${sign}${whole}.${frac.toString().padStart(9, "0").replace(/0+$/, "")}`;
}

/** Formats bytes with binary units: 67108864n → "64MiB", 1536n → "1.5KiB", 100n → "100B". */
export function formatBytes(bytes: bigint): string {
  const sign = bytes < 0n ? "-" : "";
  let n = bytes < 0n ? -bytes : bytes;
  let unit = 0;
  let scale = 1n;
  while (unit < UNITS.length - 1 && n >= scale * 1024n) {
    scale *= 1024n;
    unit++;
  }
  const whole = n / scale;
  n %= scale;
  // Up to two decimals, trailing zeros removed.
  const hundredths = (n * 100n) / scale;
  const frac = hundredths === 0n ? "" : `.${hundredths.toString().padStart(2, "0")}`.replace(
    /0+$/,
    "",
  );
  return `${sign}${whole}${frac}${UNITS[unit]}`;
}
