// Distinct counts (METRICS.md §3, §6) per day, with the ids behind each day's count: a month's
// or range's value is the size of the union of its days' ids (store/id-sets.ts), never a sum of
// the days, and never a second pass over the messages. Used by the active_contacts and
// conversations families.
import { SCOPE_CTES } from '../extract/windows.ts';

export interface PeriodSpec {
  orgId: number;
  kind: 'month' | 'range';
  from: string;
  to: string;
}

/**
 * `pairs(org_id, day, item)` is distinct per day; the query counts items per day in a column
 * named `key`, with the items themselves in `ids`. Integer ids come as the array's text
 * ('{1,2,3}', parsed by takeIdSets): millions of them as one string per day instead of a string
 * per id.
 */
export function countPairs(pairsSql: string, key: string, ids: 'int' | 'text'): string {
  return `
    WITH ${SCOPE_CTES},
    pairs AS (${pairsSql})
    SELECT org_id, day, count(*) AS ${key}, array_agg(item)${ids === 'int' ? '::text' : ''} AS ids FROM pairs GROUP BY org_id, day`;
}
