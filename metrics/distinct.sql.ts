// active_contacts and conversations (METRICS.md §3, §6): distinct counts per day and, for months
// and ranges, distinct over the whole period — never a sum of the days.
import type { Db } from '../db/connect.ts';
import { SCOPE_CTES, local, type Scope } from '../extract/windows.ts';
import { SCOPED_MESSAGES } from './messages.sql.ts';
import { idFloor } from '../extract/id-floor.ts';

export interface PeriodSpec {
  orgId: number;
  kind: 'month' | 'range';
  from: string;
  to: string;
}

export interface DistinctRow {
  org_id: number;
  /** Set for a daily value. */
  day: string | null;
  /** Set for a period value: index into the periods passed in. */
  period: number | null;
  n: number;
}

function periodBindings(periods: PeriodSpec[]) {
  return {
    p_orgs: periods.map((p) => p.orgId),
    p_froms: periods.map((p) => p.from),
    p_tos: periods.map((p) => p.to),
  };
}

/** `pairs(org_id, day, item)` is distinct per day; counts per day and per requested period. */
function countPairs(pairsSql: string): string {
  return `
    WITH ${SCOPE_CTES},
    pairs AS (${pairsSql}),
    periods AS (
      SELECT (p.ord - 1)::int AS period, p.org_id, p.d_from, p.d_to
        FROM unnest(CAST(:p_orgs AS bigint[]), CAST(:p_froms AS date[]), CAST(:p_tos AS date[]))
             WITH ORDINALITY AS p(org_id, d_from, d_to, ord)
    )
    SELECT org_id, day, NULL::int AS period, count(*) AS n FROM pairs GROUP BY org_id, day
    UNION ALL
    -- DISTINCT then count: PostgreSQL hashes a DISTINCT, while count(DISTINCT …) sorts each group
    SELECT org_id, NULL::date, period, count(*)
      FROM (SELECT DISTINCT p.org_id, periods.period, p.item
              FROM pairs p JOIN periods ON periods.org_id = p.org_id AND p.day BETWEEN periods.d_from AND periods.d_to) AS per_period
     GROUP BY org_id, period`;
}

/** Distinct real contacts with at least one inbound message. */
export async function activeContacts(db: Db, scope: Scope, periods: PeriodSpec[]): Promise<DistinctRow[]> {
  const pairs = `
    SELECT DISTINCT m.organization_id AS org_id, ${local('m.inserted_at')}::date AS day, m.contact_id AS item
      FROM ${SCOPED_MESSAGES} AND m.flow = 'inbound'`;
  return (await db.raw<{ rows: DistinctRow[] }>(countPairs(pairs), { ...scope.bindings, ...periodBindings(periods) })).rows;
}

/**
 * Distinct BSP conversation ids among the org's messages_conversations rows: billable or not,
 * whatever message or contact they point to.
 */
export async function bspConversations(db: Db, scope: Scope, periods: PeriodSpec[]): Promise<DistinctRow[]> {
  // The table has no inserted_at index: bound the primary key instead (extract/id-floor.ts).
  const floor = await idFloor(db, 'messages_conversations', new Date(Math.min(...scope.windows.map((w) => w.lo.getTime()))));
  const pairs = `
    SELECT DISTINCT mc.organization_id AS org_id, ${local('mc.inserted_at')}::date AS day, mc.conversation_id AS item
      FROM messages_conversations mc JOIN o ON o.org_id = mc.organization_id
     WHERE mc.id >= CAST(:mc_floor AS bigint)
       AND mc.inserted_at >= o.lo AND mc.inserted_at < o.hi AND mc.conversation_id IS NOT NULL`;
  return (await db.raw<{ rows: DistinctRow[] }>(countPairs(pairs), { ...scope.bindings, ...periodBindings(periods), mc_floor: floor })).rows;
}
