/**
 * Seeded pseudo-random numbers (xoshiro128**, seeded through splitmix32): the same seed gives
 * the same sequence on every machine, so random walks are reproducible from their seed.
 */
export interface Rng {
  /** A uniform integer in [0, n). */
  below(n: number): number;
}

function splitmix32(seed: number): () => number {
  let x = seed | 0;
  return () => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** The generator for walk `stream` of a run with seed `seed`. */
export function rng(seed: number, stream = 0): Rng {
  const sm = splitmix32((seed ^ Math.imul(stream + 1, 0x2c1b3c6d)) | 0);
  let a = sm(), b = sm(), c = sm(), d = sm();
  if ((a | b | c | d) === 0) a = 1;
  const next = (): number => {
    const r = Math.imul(((Math.imul(b, 5) << 7) | (Math.imul(b, 5) >>> 25)), 9) >>> 0;
    const t = b << 9;
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r;
  };
  return {
    below(n) {
      // Rejection sampling: no modulo bias.
      const limit = 0x100000000 - (0x100000000 % n);
      for (;;) {
        const r = next();
        if (r < limit) return r % n;
      }
    },
  };
}
