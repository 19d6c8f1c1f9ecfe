// Templates by category, delivery, customer-service windows and per-message pricing
// (METRICS.md §3a), in one statement over the whole scope:
// - `sends`: the range's outbound messages grouped by org, UTC quarter hour (then local day),
//   template row (none for a message that is not a template send) and outcome (a hash aggregate
//   that parallel workers
//   share, no sort), then joined with session_templates for the category — once per group, not
//   per message;
// - `stream`: per contact, the inbound messages from 24 hours before the range on and the range's
//   delivered utility template sends, in time order with an instant's inbound messages first
//   (then by id). The latest inbound before each row says whether a window was open: an inbound
//   opens one when that latest one is at least 24 h old, a utility send is inside one when it is
//   less than 24 h old. Only these rows are sorted, and only 24 hours of history are read.
import { SCOPE_CTES, local, quarter } from '../../extract/windows.ts';
import { defineFamily, query } from '../family.ts';
import { MESSAGE_FAILED, SCOPED_MESSAGES_BY_ORG } from '../message-filters.sql.ts';
import { billableMessages } from '../pricing.ts';

const DELIVERED = `(NOT ${MESSAGE_FAILED} AND m.bsp_status IN ('delivered', 'read'))`;

const CATEGORY = `CASE upper(st.category) WHEN 'MARKETING' THEN 'marketing' WHEN 'UTILITY' THEN 'utility'
                    WHEN 'AUTHENTICATION' THEN 'authentication' ELSE 'other' END`;

const CATEGORIES = ['marketing', 'utility', 'authentication', 'other'] as const;

const SQL = `
  WITH ${SCOPE_CTES},
  sends AS (
    -- by UTC quarter hour first: one zone conversion per quarter, not per message
    SELECT q.org_id, ${local('q.q')}::date AS day, q.template_id, q.outcome, sum(q.n) AS n
      FROM (
        SELECT m.organization_id AS org_id, ${quarter('m.inserted_at')} AS q,
               -- NULL: not a template send; 0: a template send without a template row
               CASE WHEN m.is_hsm IS TRUE THEN coalesce(m.template_id, 0) END AS template_id,
               CASE WHEN ${MESSAGE_FAILED} THEN 'failed' WHEN m.bsp_status IN ('delivered', 'read') THEN 'delivered' ELSE 'pending' END AS outcome,
               count(*) AS n
          FROM ${SCOPED_MESSAGES_BY_ORG} AND m.flow = 'outbound'
         GROUP BY 1, 2, 3, 4
      ) q JOIN o ON o.org_id = q.org_id
     WHERE q.q >= o.lo AND q.q < o.hi
     GROUP BY 1, 2, 3, 4
  ),
  send_days AS (
    SELECT s.org_id, s.day,
           ${CATEGORIES.map((c) => `coalesce(sum(s.n) FILTER (WHERE s.template_id IS NOT NULL AND ${CATEGORY} = '${c}'), 0) AS templates_${c}`).join(',\n           ')},
           ${CATEGORIES.map((c) => `coalesce(sum(s.n) FILTER (WHERE s.template_id IS NOT NULL AND s.outcome = 'delivered' AND ${CATEGORY} = '${c}'), 0) AS delivered_${c}`).join(',\n           ')},
           coalesce(sum(s.n) FILTER (WHERE s.template_id IS NOT NULL AND s.outcome = 'failed'), 0) AS templates_failed,
           coalesce(sum(s.n) FILTER (WHERE s.template_id IS NULL AND s.outcome = 'delivered'), 0) AS service_messages
      FROM sends s LEFT JOIN session_templates st ON st.id = s.template_id AND st.organization_id = s.org_id
     GROUP BY 1, 2
  ),
  utility AS NOT MATERIALIZED (
    SELECT st.organization_id, st.id FROM session_templates st JOIN o ON o.org_id = st.organization_id WHERE upper(st.category) = 'UTILITY'
  ),
  stream AS (
    SELECT m.organization_id AS org_id, m.inserted_at, m.flow,
           max(m.inserted_at) FILTER (WHERE m.flow = 'inbound') OVER (
             PARTITION BY m.contact_id ORDER BY m.inserted_at, m.flow <> 'inbound', m.id
             ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS last_inbound
      FROM messages m JOIN o ON o.org_id = m.organization_id
     WHERE m.inserted_at >= CAST(:glo AS timestamp) - interval '24 hours' AND m.inserted_at < CAST(:ghi AS timestamp)
       AND m.inserted_at >= o.lo - interval '24 hours' AND m.inserted_at < o.hi
       AND m.contact_id NOT IN (SELECT id FROM sys)
       AND (m.flow = 'inbound'
            OR (m.flow = 'outbound' AND m.is_hsm IS TRUE AND ${DELIVERED} AND (m.organization_id, m.template_id) IN (SELECT organization_id, id FROM utility)))
  ),
  counted AS (
    SELECT w.org_id, w.inserted_at, w.flow = 'outbound' AS in_window
      FROM stream w
     WHERE (w.flow = 'outbound' AND w.last_inbound > w.inserted_at - interval '24 hours')
        OR (w.flow = 'inbound' AND (w.last_inbound IS NULL OR w.last_inbound <= w.inserted_at - interval '24 hours'))
  ),
  window_quarters AS (
    -- only the rows that count are grouped (a day without any is 0 all the same), by UTC
    -- quarter hour first like the sends
    SELECT w.org_id, ${quarter('w.inserted_at')} AS q,
           count(*) FILTER (WHERE w.in_window) AS utility_in_window,
           count(*) FILTER (WHERE NOT w.in_window) AS service_windows
      FROM counted w
     GROUP BY 1, 2
  ),
  window_days AS (
    SELECT w.org_id, ${local('w.q')}::date AS day,
           sum(w.utility_in_window) AS utility_in_window, sum(w.service_windows) AS service_windows
      FROM window_quarters w JOIN o ON o.org_id = w.org_id
     WHERE w.q >= o.lo AND w.q < o.hi
     GROUP BY 1, 2
  )
  SELECT coalesce(s.org_id, w.org_id) AS org_id, to_char(coalesce(s.day, w.day), 'YYYY-MM-DD') AS day,
         ${CATEGORIES.map((c) => `coalesce(s.templates_${c}, 0)::int AS templates_${c}`).join(', ')},
         ${CATEGORIES.map((c) => `coalesce(s.delivered_${c}, 0)::int AS delivered_${c}`).join(', ')},
         coalesce(s.templates_failed, 0)::int AS templates_failed,
         coalesce(w.utility_in_window, 0)::int AS utility_in_window,
         coalesce(s.service_messages, 0)::int AS service_messages,
         coalesce(w.service_windows, 0)::int AS service_windows
    FROM send_days s FULL JOIN window_days w ON w.org_id = s.org_id AND w.day = s.day`;

export const templates = defineFamily({
  name: 'templates',
  cost: 12,
  source: 'messages',
  keys: {
    templates_marketing: { kind: 'event', label: 'Marketing templates sent' },
    templates_utility: { kind: 'event', label: 'Utility templates sent' },
    templates_authentication: { kind: 'event', label: 'Authentication templates sent' },
    templates_other: { kind: 'event', label: 'Other templates sent' },
    delivered_marketing: { kind: 'event', label: 'Marketing templates delivered' },
    delivered_utility: { kind: 'event', label: 'Utility templates delivered' },
    delivered_authentication: { kind: 'event', label: 'Authentication templates delivered' },
    delivered_other: { kind: 'event', label: 'Other templates delivered' },
    templates_failed: { kind: 'event', label: 'Templates failed' },
    utility_in_window: { kind: 'event', label: 'Utility templates delivered in a service window', needs24hBefore: true },
    service_messages: { kind: 'event', label: 'Service messages delivered' },
    service_windows: { kind: 'event', label: 'Service windows opened', needs24hBefore: true },
    // Only days from 2025-07-01 have one: a month or range sums those (METRICS.md §6).
    billable_messages: { kind: 'event', label: 'Billable messages (estimated)', sumKnownDays: true, derive: (day, date) => billableMessages(day, date) },
  },
  run: ({ glific, scope }) => query(glific, SQL, scope.bindings),
});
