// new_contacts, optins, optouts and the contact snapshots at the end of each day (METRICS.md §3).
//
// Snapshots are cumulative: each real contact contributes +1 to total/status counts from the day
// it was inserted, and its opt state changes at (at most) two events, optin_time and
// optout_time. Turning those into per-day deltas and summing them over the org's whole history
// with a window gives every day's end-of-day state in one pass over `contacts`.
import { SCOPE_CTES, local } from '../../extract/windows.ts';
import { defineFamily, query } from '../family.ts';

/**
 * The local day of an event as far as the requested days care: events before the range all fold
 * into the day before it (only their sum, the state at the start, matters), events after it are
 * NULL (ignored). Only the events inside the range pay for a zone conversion.
 */
function dayInRange(column: string): string {
  return `CASE WHEN ${column} < o.lo THEN o.d_from - 1 WHEN ${column} < o.hi THEN ${local(column)}::date END`;
}

// day_end: the UTC instant the day ended, for the late-snapshot mark.
const SQL = `
  WITH ${SCOPE_CTES},
  rc AS (
    -- contacts alike as far as the requested days can tell are one row with a weight: every
    -- contact whose events all lie before the range is one of a few such rows
    SELECT org_id, ins_day, in_day, out_day, status, in_first, count(*) AS n
      FROM (
        SELECT c.organization_id AS org_id,
               ${dayInRange('c.inserted_at')} AS ins_day,
               ${dayInRange('c.optin_time')} AS in_day,
               ${dayInRange('c.optout_time')} AS out_day,
               c.status,
               -- Of the two opt events, which came first. Ties: the opt-out is taken as first so
               -- that the opt-in is the later one and wins (METRICS.md: "a tie counts as an opt-in").
               (c.optout_time IS NULL OR (c.optin_time IS NOT NULL AND c.optin_time < c.optout_time)) AS in_first
          FROM contacts c JOIN o ON o.org_id = c.organization_id
         WHERE c.id NOT IN (SELECT id FROM sys)
      ) c
     GROUP BY 1, 2, 3, 4, 5, 6
  ),
  ev AS (
    SELECT org_id, ins_day, status, in_day, out_day, in_first, n,
           CASE WHEN in_day IS NULL AND out_day IS NULL THEN NULL WHEN in_first THEN in_day ELSE out_day END AS first_day,
           CASE WHEN in_day IS NOT NULL AND out_day IS NOT NULL THEN CASE WHEN in_first THEN out_day ELSE in_day END END AS second_day
      FROM rc
  ),
  -- (day, new, optins, optouts, total, valid, invalid, blocked, opted_in, opted_out) deltas
  deltas AS (
    SELECT org_id, ins_day AS day, n AS new_c, 0 AS optins, 0 AS optouts, n AS total,
           CASE WHEN status = 'valid' THEN n ELSE 0 END AS valid, CASE WHEN status IN ('invalid', 'failed') THEN n ELSE 0 END AS invalid,
           CASE WHEN status = 'blocked' THEN n ELSE 0 END AS blocked, 0 AS opted_in, 0 AS opted_out
      FROM ev WHERE ins_day IS NOT NULL
    UNION ALL
    SELECT org_id, in_day, 0, n, 0, 0, 0, 0, 0, 0, 0 FROM ev WHERE in_day IS NOT NULL
    UNION ALL
    SELECT org_id, out_day, 0, 0, n, 0, 0, 0, 0, 0, 0 FROM ev WHERE out_day IS NOT NULL
    UNION ALL
    -- A contact is only counted in snapshots once it exists, so its opt state starts no
    -- earlier than its insertion day.
    SELECT org_id, greatest(ins_day, first_day), 0, 0, 0, 0, 0, 0, 0,
           CASE WHEN in_first THEN n ELSE 0 END, CASE WHEN in_first THEN 0 ELSE n END
      FROM ev WHERE first_day IS NOT NULL AND ins_day IS NOT NULL
    UNION ALL
    SELECT org_id, greatest(ins_day, second_day), 0, 0, 0, 0, 0, 0, 0,
           CASE WHEN in_first THEN -n ELSE n END, CASE WHEN in_first THEN n ELSE -n END
      FROM ev WHERE second_day IS NOT NULL AND ins_day IS NOT NULL
    UNION ALL
    SELECT o.org_id, d::date, 0, 0, 0, 0, 0, 0, 0, 0, 0
      FROM o, generate_series(o.d_from::timestamp, o.d_to::timestamp, interval '1 day') AS d
  ),
  per_day AS (
    SELECT org_id, day, sum(new_c) AS new_c, sum(optins) AS optins, sum(optouts) AS optouts,
           sum(total) AS total, sum(valid) AS valid, sum(invalid) AS invalid, sum(blocked) AS blocked,
           sum(opted_in) AS opted_in, sum(opted_out) AS opted_out
      FROM deltas GROUP BY org_id, day
  ),
  running AS (
    SELECT org_id, day, new_c, optins, optouts,
           sum(total) OVER w AS total, sum(valid) OVER w AS valid, sum(invalid) OVER w AS invalid,
           sum(blocked) OVER w AS blocked, sum(opted_in) OVER w AS opted_in, sum(opted_out) OVER w AS opted_out
      FROM per_day
    WINDOW w AS (PARTITION BY org_id ORDER BY day ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
  )
  SELECT r.org_id, to_char(r.day, 'YYYY-MM-DD') AS day,
         ((r.day + 1)::timestamp AT TIME ZONE o.tz) AS day_end,
         r.new_c::int AS new_contacts, r.optins::int AS optins, r.optouts::int AS optouts,
         r.total::int AS total_contacts, r.valid::int AS valid_contacts, r.invalid::int AS invalid_contacts,
         r.blocked::int AS blocked_contacts, r.opted_in::int AS opted_in_contacts, r.opted_out::int AS opted_out_contacts
    FROM running r JOIN o ON o.org_id = r.org_id
   WHERE r.day BETWEEN o.d_from AND o.d_to
   ORDER BY r.org_id, r.day`;

export const contacts = defineFamily({
  name: 'contacts',
  cost: 3,
  source: 'contacts',
  keys: {
    new_contacts: { kind: 'event', label: 'New contacts' },
    optins: { kind: 'event', label: 'Opt-ins' },
    optouts: { kind: 'event', label: 'Opt-outs' },
    total_contacts: { kind: 'snapshot', label: 'Total contacts' },
    valid_contacts: { kind: 'snapshot', label: 'Valid contacts' },
    invalid_contacts: { kind: 'snapshot', label: 'Invalid contacts' },
    blocked_contacts: { kind: 'snapshot', label: 'Blocked contacts' },
    opted_in_contacts: { kind: 'snapshot', label: 'Opted-in contacts' },
    opted_out_contacts: { kind: 'snapshot', label: 'Opted-out contacts' },
    non_opted_contacts: {
      kind: 'snapshot',
      label: 'Non-opted contacts',
      derive: (v) => v.total_contacts! - v.opted_in_contacts! - v.opted_out_contacts!,
    },
  },
  run: ({ glific, scope }) => query(glific, SQL, scope.bindings),
});
