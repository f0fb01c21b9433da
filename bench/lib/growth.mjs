// Growth exponents for the scaling curves: time ∝ n^k between consecutive sizes, next to the k that
// n log n alone would give for the same step (the bound: anything worse is a bug to fix or explain).

/** k = log(t₂ / t₁) / log(n₂ / n₁). */
export const growthExponent = (n1, t1, n2, t2) => +(Math.log(t2 / t1) / Math.log(n2 / n1)).toFixed(2);

/** The exponent n log n would show from n₁ to n₂ (slightly above 1; 1.12 from 1,000 to 10,000). */
export const nLogNExponent = (n1, n2) => +(Math.log((n2 * Math.log(n2)) / (n1 * Math.log(n1))) / Math.log(n2 / n1)).toFixed(2);

/**
 * The slack allowed above n log n's exponent before a step counts as worse than n log n: the
 * same tolerance the correlation curve was first judged by (cache and allocation effects at
 * 100,000 items move a two-point exponent by about that much).
 */
export const N_LOG_N_SLACK = 0.1;

/** Adds `growth_exponent` and `n_log_n_exponent` to every row after the first (rows sorted by size). */
export function withGrowth(rows, size, time) {
  for (let i = 1; i < rows.length; i++) {
    const [a, b] = [rows[i - 1], rows[i]];
    b.growth_exponent = growthExponent(a[size], a[time], b[size], b[time]);
    b.n_log_n_exponent = nLogNExponent(a[size], b[size]);
  }
  return rows;
}

/** Whether a curve's last step stays within n log n (plus the slack). */
export const withinNLogN = (row) => row.growth_exponent <= row.n_log_n_exponent + N_LOG_N_SLACK;
