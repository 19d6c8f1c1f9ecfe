// flows_started, flows_completed and contacts_in_flows (METRICS.md §3). Draft test runs and
// sub-flow runs are excluded; runs of system contacts too (WhatsApp-group runs, contact NULL, count).
import { SCOPE_CTES, local } from '../../extract/windows.ts';
import { defineFamily, query } from '../family.ts';

const SQL = `
  WITH ${SCOPE_CTES},
  fc AS (
    SELECT f.organization_id AS org_id, f.contact_id, f.is_killed,
           ${local('f.inserted_at')}::date AS start_day,
           ${local('f.completed_at')}::date AS end_day
      FROM flow_contexts f JOIN o ON o.org_id = f.organization_id
     WHERE f.status = 'published' AND f.parent_id IS NULL
       AND (f.contact_id IS NULL OR f.contact_id NOT IN (SELECT id FROM sys))
       AND f.inserted_at < o.hi
       -- a run completed before the range counts on none of its days
       AND (f.completed_at IS NULL OR f.completed_at >= o.lo)
       -- the same bounds for all orgs at once, tested before the join: most of the table is
       -- runs completed long ago
       AND f.inserted_at < (SELECT max(hi) FROM o) AND (f.completed_at IS NULL OR f.completed_at >= (SELECT min(lo) FROM o))
  ),
  days AS (
    SELECT o.org_id, d::date AS day FROM o, generate_series(o.d_from::timestamp, o.d_to::timestamp, interval '1 day') AS d
  ),
  started AS (SELECT org_id, start_day AS day, count(*) AS n FROM fc GROUP BY 1, 2),
  completed AS (SELECT org_id, end_day AS day, count(*) AS n FROM fc WHERE fc.is_killed IS NOT TRUE AND end_day IS NOT NULL GROUP BY 1, 2),
  spans AS (
    -- each run is in progress on the days [start_day, end_day); a contact's overlapping runs
    -- are merged into islands first, so that counting the islands' starts and ends per day
    -- counts each contact once
    SELECT org_id, contact_id, start_day, coalesce(end_day, 'infinity'::date) AS end_day,
           max(coalesce(end_day, 'infinity'::date)) OVER (PARTITION BY org_id, contact_id ORDER BY start_day, end_day
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS reach
      FROM fc
     WHERE contact_id IS NOT NULL AND (end_day IS NULL OR end_day > start_day)
  ),
  islands AS (
    SELECT org_id, contact_id, island, min(start_day) AS start_day, max(end_day) AS end_day
      FROM (SELECT *, count(*) FILTER (WHERE reach IS NULL OR start_day > reach)
                        OVER (PARTITION BY org_id, contact_id ORDER BY start_day, end_day) AS island
              FROM spans) s
     GROUP BY 1, 2, 3
  ),
  in_flow_changes AS (
    -- +1 where an island starts, -1 where it ends; the changes before the range all fold into its first day
    SELECT e.org_id, greatest(e.day, o.d_from) AS day, sum(e.n) AS n
      FROM (SELECT org_id, start_day AS day, 1 AS n FROM islands
            UNION ALL
            SELECT org_id, end_day, -1 FROM islands WHERE end_day <> 'infinity') e
      JOIN o ON o.org_id = e.org_id
     WHERE e.day <= o.d_to
     GROUP BY 1, 2
  ),
  in_flows AS (
    SELECT days.org_id, days.day, sum(coalesce(c.n, 0)) OVER (PARTITION BY days.org_id ORDER BY days.day) AS n
      FROM days LEFT JOIN in_flow_changes c ON c.org_id = days.org_id AND c.day = days.day
  )
  SELECT days.org_id, to_char(days.day, 'YYYY-MM-DD') AS day,
         coalesce(started.n, 0)::int AS flows_started,
         coalesce(completed.n, 0)::int AS flows_completed,
         coalesce(in_flows.n, 0)::int AS contacts_in_flows
    FROM days
    LEFT JOIN started ON started.org_id = days.org_id AND started.day = days.day
    LEFT JOIN completed ON completed.org_id = days.org_id AND completed.day = days.day
    LEFT JOIN in_flows ON in_flows.org_id = days.org_id AND in_flows.day = days.day
   ORDER BY 1, 2`;

export const flows = defineFamily({
  name: 'flows',
  cost: 4,
  source: 'flow_contexts',
  keys: {
    flows_started: { kind: 'event', label: 'Flows started', stats: 'flows_started' },
    flows_completed: { kind: 'event', label: 'Flows completed', stats: 'flows_completed' },
    contacts_in_flows: { kind: 'snapshot', label: 'Contacts in flows' },
  },
  run: ({ glific, scope }) => query(glific, SQL, scope.bindings),
});
