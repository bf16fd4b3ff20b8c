/**
 * Runs one seed and reports the outcome: the seed, its parameters, the violation (if any) and the
 * last events leading to it.
 *
 * @module
 */

import { seededRandom } from "../../raft/rand.ts";
import { describeParams, randomParams, type SimParams } from "./params.ts";
import { type SimStats, Simulation } from "./simulation.ts";

export interface SeedResult {
  readonly seed: number;
  readonly ok: boolean;
  readonly params: SimParams;
  readonly stats: SimStats;
  readonly violation?: string;
  readonly trace: readonly string[];
}

export function runSeed(seed: number, overrides: Partial<SimParams> = {}): SeedResult {
  const params = { ...randomParams(seededRandom(seed * 7919 + 17)), ...overrides };
  const sim = new Simulation(seed, params);
  try {
    sim.run();
    return { seed, ok: true, params, stats: sim.stats, trace: [] };
  } catch (e) {
    const violation = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    const stack = e instanceof Error && !["SafetyViolation", "LivenessViolation"].includes(e.name)
      ? [e.stack ?? ""]
      : [];
    return {
      seed,
      ok: false,
      params,
      stats: sim.stats,
      violation,
      trace: [...sim.trace.lines(), ...stack],
    };
  }
}

export function formatFailure(r: SeedResult): string {
  return [
    `VIOLATION seed ${r.seed}: ${r.violation}`,
    `  replay: deno task sim --seeds 1 --from ${r.seed}`,
    `  params: ${describeParams(r.params)}`,
    `  last events:`,
    ...r.trace,
  ].join("\n");
}
