// Distinct counts (METRICS.md §3, §6) per day and, for months and ranges, distinct over the
// whole period — never a sum of the days. Used by the active_contacts and conversations families.
import { SCOPE_CTES } from '../extract/windows.ts';

export interface PeriodSpec {
  orgId: number;
  kind: 'month' | 'range';
  from: string;
  to: string;
}

export function periodBindings(periods: PeriodSpec[]) {
  return {
    p_orgs: periods.map((p) => p.orgId),
    p_froms: periods.map((p) => p.from),
    p_tos: periods.map((p) => p.to),
  };
}

/**
 * `pairs(org_id, day, item)` is distinct per day; the query counts items per day (rows with
 * `day`) and per requested period (rows with `period`, the index into the periods bound by
 * periodBindings), in a column named `key`.
 */
export function countPairs(pairsSql: string, key: string): string {
  return `
    WITH ${SCOPE_CTES},
    pairs AS (${pairsSql}),
    periods AS (
      SELECT (p.ord - 1)::int AS period, p.org_id, p.d_from, p.d_to
        FROM unnest(CAST(:p_orgs AS bigint[]), CAST(:p_froms AS date[]), CAST(:p_tos AS date[]))
             WITH ORDINALITY AS p(org_id, d_from, d_to, ord)
    )
    SELECT org_id, day, NULL::int AS period, count(*) AS ${key}, array_agg(item) AS ids FROM pairs GROUP BY org_id, day
    UNION ALL
    -- DISTINCT then count: PostgreSQL hashes a DISTINCT, while count(DISTINCT …) sorts each group
    SELECT org_id, NULL::date, period, count(*), NULL
      FROM (SELECT DISTINCT p.org_id, periods.period, p.item
              FROM pairs p JOIN periods ON periods.org_id = p.org_id AND p.day BETWEEN periods.d_from AND periods.d_to) AS per_period
     GROUP BY org_id, period`;
}
