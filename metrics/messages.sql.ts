// inbound_messages, outbound_messages, hsm_messages, error_messages (METRICS.md §3) and the
// hourly activity (§4): one pass over the range's messages, grouped by org, local day and hour.
import type { Db } from '../db/connect.ts';
import { SCOPE_CTES, local, type Scope } from '../extract/windows.ts';

/** "errors holds something — not SQL NULL, not JSON null, {} or [] — or status/bsp_status = 'error'". */
export const MESSAGE_FAILED = `(
  (m.errors IS NOT NULL AND m.errors NOT IN ('null'::jsonb, '{}'::jsonb, '[]'::jsonb))
  OR m.status = 'error' OR m.bsp_status IS NOT DISTINCT FROM 'error')`;

/** Messages of real contacts inside each org's window; `o` and `sys` come from SCOPE_CTES. */
export const SCOPED_MESSAGES = `
  messages m JOIN o ON o.org_id = m.organization_id
  WHERE m.inserted_at >= CAST(:glo AS timestamp) AND m.inserted_at < CAST(:ghi AS timestamp)
    AND m.inserted_at >= o.lo AND m.inserted_at < o.hi
    AND m.contact_id NOT IN (SELECT id FROM sys)`;

export interface HourRow {
  org_id: number;
  day: string;
  hour: number;
  inbound: number;
  outbound: number;
  hsm: number;
  errors: number;
}

export async function messageCounts(db: Db, scope: Scope): Promise<HourRow[]> {
  const sql = `
    WITH ${SCOPE_CTES},
    per_hour AS (
      -- one zone conversion per row: the local hour is the only grouping key
      SELECT m.organization_id AS org_id,
             date_trunc('hour', ${local('m.inserted_at')}) AS local_hour,
             count(*) FILTER (WHERE m.flow = 'inbound') AS inbound,
             count(*) FILTER (WHERE m.flow = 'outbound') AS outbound,
             count(*) FILTER (WHERE m.flow = 'outbound' AND m.is_hsm IS TRUE) AS hsm,
             count(*) FILTER (WHERE ${MESSAGE_FAILED}) AS errors
        FROM ${SCOPED_MESSAGES}
       GROUP BY 1, 2
    )
    SELECT org_id, to_char(local_hour, 'YYYY-MM-DD') AS day, extract(hour FROM local_hour)::int AS hour,
           sum(inbound)::int AS inbound, sum(outbound)::int AS outbound, sum(hsm)::int AS hsm, sum(errors)::int AS errors
      FROM per_hour
     GROUP BY 1, 2, 3`;
  return (await db.raw<{ rows: HourRow[] }>(sql, scope.bindings)).rows;
}
