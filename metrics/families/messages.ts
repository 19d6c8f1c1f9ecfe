// inbound_messages, outbound_messages, hsm_messages, error_messages (METRICS.md §3), the hourly
// activity (§4) and the error codes (§3b): one pass over the range's messages, grouped by org,
// local hour and (failed messages only) error code; the day values are the sums of the day's
// rows, so a day's codes always add up to its error_messages.
import { SCOPE_CTES, local, quarter } from '../../extract/windows.ts';
import { defineFamily, query, type ErrorCodeRow, type FamilyRow, type HourRow } from '../family.ts';
import { ERROR_CODE, MESSAGE_FAILED, SCOPED_MESSAGES_BY_ORG } from '../message-filters.sql.ts';

const SQL = `
  WITH ${SCOPE_CTES},
  per_quarter AS (
    -- grouped by UTC quarter hour first: one zone conversion per quarter, not per message
    SELECT m.organization_id AS org_id, ${quarter('m.inserted_at')} AS q,
           CASE WHEN ${MESSAGE_FAILED} THEN ${ERROR_CODE} END AS code,
           count(*) FILTER (WHERE m.flow = 'inbound') AS inbound,
           count(*) FILTER (WHERE m.flow = 'outbound') AS outbound,
           count(*) FILTER (WHERE m.flow = 'outbound' AND m.is_hsm IS TRUE) AS hsm,
           count(*) FILTER (WHERE ${MESSAGE_FAILED}) AS errors
      FROM ${SCOPED_MESSAGES_BY_ORG}
     GROUP BY 1, 2, 3
  ),
  per_hour AS (
    -- the code of a failed message, NULL for every other, so they group into one row per hour
    SELECT p.org_id, date_trunc('hour', ${local('p.q')}) AS local_hour, p.code,
           sum(p.inbound) AS inbound, sum(p.outbound) AS outbound, sum(p.hsm) AS hsm, sum(p.errors) AS errors
      FROM per_quarter p JOIN o ON o.org_id = p.org_id
     WHERE p.q >= o.lo AND p.q < o.hi
     GROUP BY 1, 2, 3
  )
  SELECT org_id, to_char(local_hour, 'YYYY-MM-DD') AS day, extract(hour FROM local_hour)::int AS hour, code,
         inbound::int AS inbound_messages, outbound::int AS outbound_messages,
         hsm::int AS hsm_messages, errors::int AS error_messages
    FROM per_hour`;

/** Result columns that are not day values. */
const GROUPING = new Set(['org_id', 'day', 'hour', 'code']);

export const messages = defineFamily({
  name: 'messages',
  cost: 10,
  source: 'messages',
  keys: {
    inbound_messages: { kind: 'event', label: 'Inbound messages', stats: 'inbound' },
    outbound_messages: { kind: 'event', label: 'Outbound messages', stats: 'outbound' },
    hsm_messages: { kind: 'event', label: 'HSM (template) messages', stats: 'hsm' },
    error_messages: { kind: 'event', label: 'Error messages' },
  },
  async run({ glific, scope }) {
    const { columns, rows } = await query(glific, SQL, scope.bindings);
    const sums = columns.filter((c) => !GROUPING.has(c));
    const days = new Map<string, FamilyRow>();
    const hours = new Map<string, HourRow>();
    const errors: ErrorCodeRow[] = [];
    for (const r of rows) {
      const org_id = r.org_id as number;
      const day = r.day as string;
      const id = `${org_id}|${day}`;
      let d = days.get(id);
      if (!d) days.set(id, (d = { org_id, day, ...Object.fromEntries(sums.map((c) => [c, 0])) }));
      for (const c of sums) (d[c] as number) += r[c] as number;
      const hid = `${id}|${r.hour}`;
      const h = hours.get(hid);
      if (h) {
        h.inbound += r.inbound_messages as number;
        h.outbound += r.outbound_messages as number;
      } else hours.set(hid, { org_id, day, hour: r.hour as number, inbound: r.inbound_messages as number, outbound: r.outbound_messages as number });
      if (r.code !== null) errors.push({ org_id, day, code: r.code as string, count: r.error_messages as number });
    }
    return { columns: columns.filter((c) => c !== 'hour' && c !== 'code'), rows: [...days.values()], tables: { hourly: [...hours.values()], errors: perDayAndCode(errors) } };
  },
});

/** One row per org, day and code: the query's rows are per hour. */
function perDayAndCode(rows: ErrorCodeRow[]): ErrorCodeRow[] {
  const out = new Map<string, ErrorCodeRow>();
  for (const r of rows) {
    const id = `${r.org_id}|${r.day}|${r.code}`;
    const e = out.get(id);
    if (e) e.count += r.count;
    else out.set(id, { ...r });
  }
  return [...out.values()];
}
