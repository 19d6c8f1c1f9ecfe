// Reading the stored error codes (METRICS.md §3b; written by store/write.ts with the day's values).
import type { Db } from '../db/connect.ts';
import type { ErrorCount } from '../metrics/report.ts';

/** An org's stored codes per local day. */
export async function readErrorCodes(store: Db, orgId: number): Promise<Map<string, ErrorCount[]>> {
  return errorCodesByDay(await store('error_values').where({ org_id: orgId }).select('day', 'code', 'count'));
}

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
