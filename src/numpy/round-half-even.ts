/** To the nearest integer, ties to even: NumPy's `round`, which Optuna's grids snap with. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
