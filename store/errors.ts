// The stored error codes per day (METRICS.md §3b; written by store/write.ts with the day's values,
// read with the org's report by store/read.ts).
import type { ErrorCount } from '../metrics/report.ts';

/** Stored error_values rows of one org, per local day. */
export function errorCodesByDay(rows: Array<{ day: string; code: string; count: string | number }>): Map<string, ErrorCount[]> {
  const byDay = new Map<string, ErrorCount[]>();
  for (const r of rows) {
    const list = byDay.get(r.day);
    const e = { code: r.code as string, count: Number(r.count) };
    if (list) list.push(e);
    else byDay.set(r.day, [e]);
  }
  return byDay;
}
