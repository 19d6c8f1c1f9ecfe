// SQL fragments over Glific's messages shared by the families that count from them (messages,
// active_contacts, conversation_windows, templates): one definition of a failed message, of a
// delivered one and of the messages that count at all.

/** "errors holds something — not SQL NULL, not JSON null, {} or [] — or status/bsp_status = 'error'" (METRICS.md §3). */
export const MESSAGE_FAILED = `(
  (m.errors IS NOT NULL AND m.errors NOT IN ('null'::jsonb, '{}'::jsonb, '[]'::jsonb))
  OR m.status = 'error' OR m.bsp_status IS NOT DISTINCT FROM 'error')`;

/** Delivered: not failed, and the BSP said delivered or read (METRICS.md §3a). */
export const MESSAGE_DELIVERED = `(NOT ${MESSAGE_FAILED} AND m.bsp_status IN ('delivered', 'read'))`;

/**
 * A delivered send of one of the org's utility templates (METRICS.md §3a: the sends a service
 * window makes free); `o` comes from SCOPE_CTES.
 */
export const UTILITY_SEND = `(m.flow = 'outbound' AND m.is_hsm IS TRUE AND ${MESSAGE_DELIVERED}
  AND (m.organization_id, m.template_id) IN (
    SELECT st.organization_id, st.id FROM session_templates st JOIN o ON o.org_id = st.organization_id WHERE upper(st.category) = 'UTILITY'))`;

/** Messages of real contacts inside each org's window; `o` and `sys` come from SCOPE_CTES. */
export const SCOPED_MESSAGES = `
  messages m JOIN o ON o.org_id = m.organization_id
  WHERE m.inserted_at >= CAST(:glo AS timestamp) AND m.inserted_at < CAST(:ghi AS timestamp)
    AND m.inserted_at >= o.lo AND m.inserted_at < o.hi
    AND m.contact_id NOT IN (SELECT id FROM sys)`;

/**
 * The error code of a failed message (METRICS.md §3b): a BSP `failed` event's code, else a
 * top-level code of the response body, else '' (a failure without a code).
 */
export const ERROR_CODE = `coalesce(m.errors #>> '{payload,payload,code}', m.errors ->> 'code', '')`;

/**
 * The same messages, bounded by the whole scope's UTC span and by org only: for queries that
 * group by UTC quarter hour and keep each org's quarters inside its window (o.lo, o.hi) after
 * grouping, so that no per-message zone or window test is needed.
 */
export const SCOPED_MESSAGES_BY_ORG = `
  messages m
  WHERE m.inserted_at >= CAST(:glo AS timestamp) AND m.inserted_at < CAST(:ghi AS timestamp)
    AND m.organization_id = ANY(CAST(:ids AS bigint[]))
    AND m.contact_id NOT IN (SELECT id FROM sys)`;
