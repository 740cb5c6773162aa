/**
 * A tiny seeded pseudo-random generator (mulberry32) for the fake's scripted chaos: the same seed
 * gives the same sequence on every run, so a shuffled or delayed user data stream can be replayed
 * exactly. Not for anything that needs real randomness.
 */

/** Returns a function giving uniformly distributed numbers in [0, 1), determined by the seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Shuffles a copy of the list in place with the generator (Fisher-Yates) and returns it. */
export function shuffled<T>(list: readonly T[], random: () => number): T[] {
  const out = [...list];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}
