// Templates by category, delivery, customer-service windows and per-message pricing
// (METRICS.md §3a):
// - sends: the range's outbound messages grouped by org, UTC quarter hour (then local day),
//   template row (none for a message that is not a template send) and outcome (a hash aggregate
//   that parallel workers share, no sort), then joined with session_templates for the category —
//   once per group, not per message;
// - service windows: from the ordered pass over each contact's messages that the conversation
//   chain reads too (families/conversation-windows.ts, metrics/conversation-windows.ts): an
//   inbound message opens a window when the contact's latest one is at least 24 h old, a utility
//   send is inside one when it is less than 24 h old; only 24 hours before the range are read.
import { SCOPE_CTES, local, quarter } from '../../extract/windows.ts';
import { defineFamily, query, type FamilyRow } from '../family.ts';
import { MESSAGE_FAILED, SCOPED_MESSAGES_BY_ORG } from '../message-filters.sql.ts';
import { billableMessages } from '../pricing.ts';
import { chainStream } from './conversation-windows.ts';

const CATEGORY = `CASE upper(st.category) WHEN 'MARKETING' THEN 'marketing' WHEN 'UTILITY' THEN 'utility'
                    WHEN 'AUTHENTICATION' THEN 'authentication' ELSE 'other' END`;

const CATEGORIES = ['marketing', 'utility', 'authentication', 'other'] as const;

/** The columns of the sends query besides org_id and day. */
const SEND_COLUMNS = [...CATEGORIES.map((c) => `templates_${c}`), ...CATEGORIES.map((c) => `delivered_${c}`), 'templates_failed', 'service_messages'];

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
  )
  SELECT s.org_id, to_char(s.day, 'YYYY-MM-DD') AS day,
         ${CATEGORIES.map((c) => `s.templates_${c}::int AS templates_${c}`).join(', ')},
         ${CATEGORIES.map((c) => `s.delivered_${c}::int AS delivered_${c}`).join(', ')},
         s.templates_failed::int AS templates_failed,
         s.service_messages::int AS service_messages
    FROM send_days s`;

export const templates = defineFamily({
  name: 'templates',
  // after the other queries: once its sends are counted it waits for the shared stream
  cost: 1,
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
  async run(ctx) {
    const [sends, chains] = await Promise.all([query(ctx.glific, SQL, ctx.scope.bindings), chainStream(ctx)]);
    // A day with windows but no send has no row of its own yet: 0 sends, its windows.
    const rows = new Map<string, FamilyRow>(sends.rows.map((r) => [`${r.org_id}|${r.day}`, { ...r, utility_in_window: 0, service_windows: 0 }]));
    for (const [orgId, chain] of chains) {
      for (const [day, w] of chain.windows) {
        const key = `${orgId}|${day}`;
        let r = rows.get(key);
        if (!r) {
          r = { org_id: orgId, day, ...Object.fromEntries(SEND_COLUMNS.map((c) => [c, 0])), utility_in_window: 0, service_windows: 0 };
          rows.set(key, r);
        }
        r.utility_in_window = w.utilityInWindow;
        r.service_windows = w.opened;
      }
    }
    // in the keys' declared order, as every family's result is
    const columns = [...sends.columns.filter((c) => c !== 'service_messages'), 'utility_in_window', 'service_messages', 'service_windows'];
    return { columns, rows: [...rows.values()] };
  },
});
