// What raw history Glific still holds per org, and Glific's own `stats` day rows for the days
// before it (METRICS.md §7). Glific purges messages after 2 months, messages_conversations after
// 1 month and flow contexts after days: a day entirely before the oldest row of a table cannot
// be counted from it, so a rerun must not overwrite what was captured while the rows existed.
import type { Db } from '../db/connect.ts';
import { SCOPE_CTES, local, type Scope } from '../extract/windows.ts';
import type { SourceTable } from './family.ts';
import { STATS_IMPORT, type MetricKey } from './registry.ts';

/** The tables Glific purges (contacts are never purged). */
export type PurgedTable = Exclude<SourceTable, 'contacts'>;

/**
 * Days Glific certainly still holds, whatever the oldest row: its purges delete messages older
 * than 2 months and billing events older than 1 month (weekly), and flow contexts 3 days after
 * they complete (SCHEMA.md §10.2). Kept a little inside those limits.
 */
export const SURELY_HELD_DAYS: Record<PurgedTable, number> = { messages: 56, messages_conversations: 28, flow_contexts: 3 };

const OLDEST: Record<PurgedTable, string> = {
  messages: '(SELECT min(m.inserted_at) FROM messages m WHERE m.organization_id = o.org_id)',
  messages_conversations: '(SELECT min(mc.inserted_at) FROM messages_conversations mc WHERE mc.organization_id = o.org_id)',
  // No inserted_at index here: per org, the min would fetch every row of the org through the
  // organization_id index (seconds for twenty orgs). Only the window's days are judged, so a row
  // older than the window settles it (as the instant just before it): the org's first row by
  // primary key, found in a few index entries, nearly always is one. Otherwise the exact oldest,
  // from one scan of the table grouped by org (fc_oldest, below).
  flow_contexts: `coalesce(
    (SELECT o.lo - interval '1 microsecond'
       FROM (SELECT f.inserted_at FROM flow_contexts f WHERE f.organization_id = o.org_id ORDER BY f.id LIMIT 1) first
      WHERE first.inserted_at < o.lo),
    (SELECT fo.oldest FROM fc_oldest fo WHERE fo.org_id = o.org_id))`,
};

/**
 * Computed once (MATERIALIZED, not once per org), and only when some org's first row does not
 * settle it: PostgreSQL runs a CTE only when something reads it.
 */
const FC_OLDEST = `
  fc_oldest AS MATERIALIZED (
    SELECT f.organization_id AS org_id, min(f.inserted_at) AS oldest
      FROM flow_contexts f WHERE f.organization_id = ANY(CAST(:ids AS bigint[])) GROUP BY 1
  )`;

export function isPurged(table: SourceTable): table is PurgedTable {
  return table in SURELY_HELD_DAYS;
}

/**
 * Per org, the local day of the oldest row held per table, and `inbound_24h`: the first local day
 * that starts at least 24 hours after the oldest inbound message held, the first a
 * customer-service window can be decided on (null: no such row for the org, or not asked).
 */
export type Held = { org_id: number; inbound_24h: string | null } & Record<PurgedTable, string | null>;

/** 24 hours after the oldest inbound message held: a window opened before it may have been purged. */
const INBOUND_24H = `((SELECT min(m.inserted_at) FROM messages m WHERE m.organization_id = o.org_id AND m.flow = 'inbound') + interval '24 hours')`;

/** The oldest day held per org, only for the tables asked for and, with `inbound24h`, the first day after 24 h of inbound messages (the others come back NULL). */
export async function heldHistory(db: Db, scope: Scope, tables: PurgedTable[], inbound24h = false): Promise<Held[]> {
  const col = (t: PurgedTable) => `${tables.includes(t) ? `to_char(${local(OLDEST[t])}, 'YYYY-MM-DD')` : 'NULL::text'} AS ${t}`;
  // The local day of that instant, or the next one when the instant is past the day's start
  // (start(D) computed as resolveWindows does, so a DST-skipped midnight is no special case).
  const next = `CASE WHEN (h.d::timestamp AT TIME ZONE o.tz) AT TIME ZONE 'UTC' >= h.t THEN h.d ELSE h.d + 1 END`;
  const sql = `
    WITH ${SCOPE_CTES}, ${FC_OLDEST}
    SELECT o.org_id, ${(Object.keys(OLDEST) as PurgedTable[]).map(col).join(', ')},
           ${inbound24h ? `to_char(${next}, 'YYYY-MM-DD')` : 'NULL::text'} AS inbound_24h
      FROM o ${inbound24h ? `CROSS JOIN LATERAL (SELECT t, ${local('t')}::date AS d FROM (SELECT ${INBOUND_24H} AS t) x) h` : ''}`;
  return (await db.raw<{ rows: Held[] }>(sql, scope.bindings)).rows;
}

export interface StatsDay {
  org_id: number;
  day: string;
  values: Partial<Record<MetricKey, number>>;
}

/** Glific `stats` day rows in each org's requested days, one per (org, period, date, hour): the highest id wins. */
export async function statsDays(db: Db, scope: Scope): Promise<StatsDay[]> {
  const cols = Object.values(STATS_IMPORT) as string[];
  const sql = `
    WITH ${SCOPE_CTES},
    dedup AS (
      SELECT DISTINCT ON (s.organization_id, s.period, s.date, s.hour) s.*
        FROM stats s JOIN o ON o.org_id = s.organization_id
       WHERE s.period = 'day' AND s.date BETWEEN o.d_from AND o.d_to
       ORDER BY s.organization_id, s.period, s.date, s.hour, s.id DESC
    )
    SELECT organization_id AS org_id, to_char(date, 'YYYY-MM-DD') AS day,
           ${cols.map((c) => `sum(${c})::int AS ${c}`).join(', ')}
      FROM dedup GROUP BY organization_id, date ORDER BY 1, 2`;
  const rows = (await db.raw<{ rows: Array<Record<string, number | string>> }>(sql, scope.bindings)).rows;
  return rows.map((r) => {
    const values: Partial<Record<MetricKey, number>> = {};
    for (const [key, col] of Object.entries(STATS_IMPORT)) {
      const v = r[col as string];
      if (v !== null && v !== undefined) values[key as MetricKey] = Number(v);
    }
    return { org_id: Number(r.org_id), day: String(r.day), values };
  });
}
