/**
 * The calibration model (shared/bench/calibration.md): N dining philosophers, the same model
 * SPIN and TLC run, so the engine is measured on the same work. p[i]: 0 thinks, 1 holds its
 * left fork, 2 eats; f[j]: fork j is taken. Every philosopher holding its left fork deadlocks.
 */
import { action, defineModel, invariant, range } from '../../src/index.js';

export interface PhilosophersState {
  p: number[];
  f: boolean[];
}

export function philosophers(n: number) {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`philosophers: n must be an integer ≥ 2, got ${n}`);
  return defineModel<PhilosophersState>({
    name: 'philosophers',
    config: { n },
    init: () => ({ p: Array(n).fill(0), f: Array(n).fill(false) }),
    actions: [
      action('takeLeft', range(n), (s, i) => s.p[i] === 0 && !s.f[i], (s, i) => {
        s.f[i] = true;
        s.p[i] = 1;
      }),
      action('takeRight', range(n), (s, i) => s.p[i] === 1 && !s.f[(i + 1) % n], (s, i) => {
        s.f[(i + 1) % n] = true;
        s.p[i] = 2;
      }),
      action('release', range(n), (s, i) => s.p[i] === 2, (s, i) => {
        s.f[i] = false;
        s.f[(i + 1) % n] = false;
        s.p[i] = 0;
      }),
    ],
    invariants: [
      invariant(
        'forksConsistent',
        (s) => s.f.every((taken, j) => taken === (s.p[j] > 0 || s.p[(j + n - 1) % n] === 2)),
        {
          statement: 'a fork is taken exactly when its left user holds it or its right neighbour eats',
          ref: 'calibration.md',
          explain: (s) => {
            const j = s.f.findIndex((taken, k) => taken !== (s.p[k] > 0 || s.p[(k + n - 1) % n] === 2));
            return `fork ${j} is ${s.f[j] ? 'taken' : 'free'} while philosopher ${j} is at ${s.p[j]} and philosopher ${(j + n - 1) % n} at ${s.p[(j + n - 1) % n]}`;
          },
        },
      ),
    ],
    terminal: () => false,
    // Rotational symmetry (the philosophers sit at a round table): the representative is the
    // rotation of (p, f) that is least position by position (p[i], then f[i]). Fork i is
    // philosopher i's left fork in every rotation, so rotating both arrays together renames
    // philosophers and forks consistently; the invariant reads every position alike.
    symmetry: (s) => {
      const code = (k: number): number => s.p[k] * 2 + (s.f[k] ? 1 : 0);
      let best = 0;
      for (let r = 1; r < n; r++) {
        for (let i = 0; i < n; i++) {
          const d = code((i + r) % n) - code((i + best) % n);
          if (d < 0) best = r;
          if (d !== 0) break;
        }
      }
      if (best === 0) return s;
      return { p: s.p.map((_, i) => s.p[(i + best) % n]), f: s.f.map((_, i) => s.f[(i + best) % n]) };
    },
  });
}
