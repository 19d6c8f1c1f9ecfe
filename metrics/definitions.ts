// The keys of ../shared/METRICS.md and what kind of number each is. Every CSV column, chart,
// page and email names its numbers from here; the SQL that computes each family sits beside it
// in metrics/*.sql.ts.

/** Bumped whenever a definition in METRICS.md (or our reading of it, docs/METRICS-DECISIONS.md) changes. */
export const DEFINITION_VERSION = 1;

export const EVENT_KEYS = [
  'new_contacts',
  'inbound_messages',
  'outbound_messages',
  'hsm_messages',
  'error_messages',
  'optins',
  'optouts',
  'flows_started',
  'flows_completed',
  'conversation_windows',
] as const;

/** Distinct counts: a period's value is distinct over the whole period, never a sum of days. */
export const DISTINCT_KEYS = ['active_contacts', 'conversations'] as const;

/** State at the end of the day (METRICS.md §3, second table). */
export const SNAPSHOT_KEYS = [
  'total_contacts',
  'valid_contacts',
  'invalid_contacts',
  'blocked_contacts',
  'opted_in_contacts',
  'opted_out_contacts',
  'non_opted_contacts',
  'contacts_in_flows',
] as const;

export type EventKey = (typeof EVENT_KEYS)[number];
export type DistinctKey = (typeof DISTINCT_KEYS)[number];
export type SnapshotKey = (typeof SNAPSHOT_KEYS)[number];
export type MetricKey = EventKey | DistinctKey | SnapshotKey;

/** CSV column order: the order of METRICS.md §3, then most_active_hour. */
export const DAILY_KEYS: readonly MetricKey[] = [
  'new_contacts',
  'active_contacts',
  'inbound_messages',
  'outbound_messages',
  'hsm_messages',
  'error_messages',
  'optins',
  'optouts',
  'flows_started',
  'flows_completed',
  'conversations',
  'conversation_windows',
  'total_contacts',
  'valid_contacts',
  'invalid_contacts',
  'blocked_contacts',
  'opted_in_contacts',
  'opted_out_contacts',
  'non_opted_contacts',
  'contacts_in_flows',
];

export type MetricKind = 'event' | 'distinct' | 'snapshot';

export function kindOf(key: MetricKey): MetricKind {
  if ((SNAPSHOT_KEYS as readonly string[]).includes(key)) return 'snapshot';
  if ((DISTINCT_KEYS as readonly string[]).includes(key)) return 'distinct';
  return 'event';
}

/** Human labels, for pages, charts and mail. */
export const LABELS: Record<MetricKey, string> = {
  new_contacts: 'New contacts',
  active_contacts: 'Active contacts',
  inbound_messages: 'Inbound messages',
  outbound_messages: 'Outbound messages',
  hsm_messages: 'HSM (template) messages',
  error_messages: 'Error messages',
  optins: 'Opt-ins',
  optouts: 'Opt-outs',
  flows_started: 'Flows started',
  flows_completed: 'Flows completed',
  conversations: 'Conversations (billed by the BSP)',
  conversation_windows: 'Conversations (24-hour windows)',
  total_contacts: 'Total contacts',
  valid_contacts: 'Valid contacts',
  invalid_contacts: 'Invalid contacts',
  blocked_contacts: 'Blocked contacts',
  opted_in_contacts: 'Opted-in contacts',
  opted_out_contacts: 'Opted-out contacts',
  non_opted_contacts: 'Non-opted contacts',
  contacts_in_flows: 'Contacts in flows',
};

/** Keys that Glific's `stats` table can fill for days before the raw data (METRICS.md §7). */
export const STATS_IMPORT: Partial<Record<MetricKey, string>> = {
  new_contacts: 'contacts',
  inbound_messages: 'inbound',
  outbound_messages: 'outbound',
  hsm_messages: 'hsm',
  conversations: 'conversations',
  flows_started: 'flows_started',
  flows_completed: 'flows_completed',
};
