// inbound_messages, outbound_messages, hsm_messages, error_messages (METRICS.md §3) and the
// hourly activity (§4): one pass over the range's messages, grouped by org, local day and hour;
// the day values are the sums of the day's hours.
import { SCOPE_CTES, local } from '../../extract/windows.ts';
import { defineFamily, query, type FamilyRow, type HourRow } from '../family.ts';
import { MESSAGE_FAILED, SCOPED_MESSAGES } from '../message-filters.sql.ts';

const SQL = `
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
         sum(inbound)::int AS inbound_messages, sum(outbound)::int AS outbound_messages,
         sum(hsm)::int AS hsm_messages, sum(errors)::int AS error_messages
    FROM per_hour
   GROUP BY 1, 2, 3`;

export const messages = defineFamily({
  name: 'messages',
  source: 'messages',
  keys: {
    inbound_messages: { kind: 'event', label: 'Inbound messages', stats: 'inbound' },
    outbound_messages: { kind: 'event', label: 'Outbound messages', stats: 'outbound' },
    hsm_messages: { kind: 'event', label: 'HSM (template) messages', stats: 'hsm' },
    error_messages: { kind: 'event', label: 'Error messages' },
  },
  async run({ glific, scope }) {
    const { columns, rows } = await query(glific, SQL, scope.bindings);
    const sums = columns.filter((c) => c !== 'org_id' && c !== 'day' && c !== 'hour');
    const days = new Map<string, FamilyRow>();
    const hourly: HourRow[] = [];
    for (const r of rows) {
      const id = `${r.org_id}|${r.day}`;
      let d = days.get(id);
      if (!d) days.set(id, (d = { org_id: r.org_id, day: r.day, ...Object.fromEntries(sums.map((c) => [c, 0])) }));
      for (const c of sums) (d[c] as number) += r[c] as number;
      hourly.push({ org_id: r.org_id as number, day: r.day as string, hour: r.hour as number, inbound: r.inbound_messages as number, outbound: r.outbound_messages as number });
    }
    return { columns: columns.filter((c) => c !== 'hour'), rows: [...days.values()], tables: { hourly } };
  },
});
