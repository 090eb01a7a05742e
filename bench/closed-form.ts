/**
 * The closed-form state count of the calibration model (shared/bench/calibration.md), computed
 * independently of the engine: reachable states of N philosophers = cyclic words over {0,1,2}
 * of length N in which a 2 is always followed by a 0 = trace(M^N), M = [[1,1,1],[1,1,1],[1,0,0]]
 * (rows and columns in the order 0, 1, 2). BigInt arithmetic, so the count is exact for any N.
 */
type Matrix = bigint[][];

const M: Matrix = [
  [1n, 1n, 1n],
  [1n, 1n, 1n],
  [1n, 0n, 0n],
];

function multiply(a: Matrix, b: Matrix): Matrix {
  return a.map((row) => b[0].map((_, j) => row.reduce((sum, x, k) => sum + x * b[k][j], 0n)));
}

/** trace(M^n): the number of reachable states of the calibration model with n philosophers. */
export function philosophersStateCount(n: number): bigint {
  if (!Number.isInteger(n) || n < 2) throw new RangeError(`n must be an integer ≥ 2, got ${n}`);
  let power: Matrix = M;
  for (let i = 1; i < n; i++) power = multiply(power, M);
  return power[0][0] + power[1][1] + power[2][2];
}
