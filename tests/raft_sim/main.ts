/**
 * Replays simulated seeds: `deno task sim --seeds N --from S [--verbose] [--quiet]`.
 * Prints each failing seed with its parameters and the last events, then a summary line
 * "N seeds, V violations"; exits with status 1 when there is any violation.
 *
 * @module
 */

import { parseArgs } from "node:util";
import { formatFailure, runSeed } from "./run.ts";

function main(args: string[]): number {
  const { values } = parseArgs({
    args,
    options: {
      seeds: { type: "string", default: "100" },
      from: { type: "string", default: "1" },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log("usage: deno task sim [--seeds N] [--from S] [--verbose]");
    return 0;
  }
  const seeds = Number(values.seeds);
  const from = Number(values.from);
  if (!Number.isSafeInteger(seeds) || seeds < 1 || !Number.isSafeInteger(from)) {
    console.error(
      `--seeds must be a positive integer and --from an integer: got ${values.seeds}, ${values.from}`,
    );
    return 2;
  }
  const started = performance.now();
  let violations = 0;
  let ticks = 0;
  let acked = 0;
  for (let seed = from; seed < from + seeds; seed++) {
    const result = runSeed(seed);
    ticks += result.stats.ticks;
    acked += result.stats.acked;
    if (!result.ok) {
      violations++;
      console.log(formatFailure(result));
    } else if (values.verbose) {
      console.log(`seed ${seed}: ok ${JSON.stringify(result.stats)}`);
    }
  }
  const secs = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${seeds} seeds, ${violations} violations (seeds ${from}..${
      from + seeds - 1
    }, ${ticks} ticks, ` +
      `${acked} acknowledged proposals, ${secs} s)`,
  );
  return violations === 0 ? 0 : 1;
}

if (import.meta.main) Deno.exit(main(Deno.args));
