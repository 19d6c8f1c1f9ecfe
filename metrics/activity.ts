// The most active hour (METRICS.md §4), the one definition the store, the charts and the
// digests share.

/**
 * The hour (0–23) whose inbound + outbound total is largest; ties go to the earliest hour; a
 * period without messages has none. `totals[h]` is the period's inbound + outbound in hour h.
 */
export function mostActiveHourOf(totals: ArrayLike<number>): number | null {
  let best: number | null = null;
  for (let h = 0; h < 24; h++) if ((totals[h] ?? 0) > 0 && (best === null || totals[h] > totals[best])) best = h;
  return best;
}
