/**
 * A small seeded pseudo-random source (mulberry32): the only randomness the core and the simulator
 * use, so that every run can be replayed from its seed.
 *
 * @module
 */

/** Returns a generator of numbers in [0, 1) fully determined by `seed` (any 32-bit integer). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** An integer in [lo, hi) drawn from `random`. */
export function randomInt(random: () => number, lo: number, hi: number): number {
  if (!(hi > lo)) throw new RangeError(`Empty range [${lo}, ${hi}): hi must be greater than lo`);
  return lo + Math.floor(random() * (hi - lo));
}
