// The one place that defines the indicators: the metric families, in order. Every other list —
// the keys by kind, the CSV column order, labels, the `stats` import, each key's source table,
// the compute stages — is derived here from the families' declarations.
import type { Family, Kind, SourceTable, StatsColumn } from './family.ts';
import { messages } from './families/messages.ts';
import { activeContacts } from './families/active-contacts.ts';
import { conversations } from './families/conversations.ts';
import { contacts } from './families/contacts.ts';
import { flows } from './families/flows.ts';
import { conversationWindows } from './families/conversation-windows.ts';
import { templates } from './families/templates.ts';

/** Bumped whenever a definition in METRICS.md (or our reading of it, docs/METRICS-DECISIONS.md) changes. */
export const DEFINITION_VERSION = 2;

/** Computed in this order; a new family's keys go after every existing column. */
export const FAMILIES = [messages, activeContacts, conversations, contacts, flows, conversationWindows, templates] as const;

type KeysOf<F> = F extends Family<infer K> ? K : never;
export type MetricKey = KeysOf<(typeof FAMILIES)[number]>;
export type MetricKind = Kind;

/**
 * The columns of definition version 1, in the order the CSV files have published them since.
 * Readers may rely on it, so it never changes; new keys are never added here (columnOrder).
 */
export const PUBLISHED_COLUMNS = [
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
] as const;

/**
 * CSV column order: the published columns as they are; a family's other keys right after its
 * last column so far, in declaration order; the keys of a family without published columns at the end.
 */
export function columnOrder(families: readonly Family[], published: readonly string[]): string[] {
  const out = [...published];
  for (const f of families) {
    const keys = Object.keys(f.keys);
    const fresh = keys.filter((k) => !out.includes(k));
    const last = Math.max(...keys.map((k) => out.indexOf(k)));
    out.splice(last < 0 ? out.length : last + 1, 0, ...fresh);
  }
  return out;
}

/** A registry that would mis-assemble or mis-order numbers fails at load, naming what is wrong. */
export function checkRegistry(families: readonly Family[], published: readonly string[]): void {
  const seen = new Map<string, string>();
  const names = new Set<string>();
  for (const f of families) {
    if (names.has(f.name)) throw new Error(`metric family "${f.name}" is registered twice`);
    names.add(f.name);
    for (const [key, def] of Object.entries(f.keys)) {
      if (seen.has(key)) throw new Error(`metric key "${key}" is declared by both families "${seen.get(key)}" and "${f.name}"`);
      seen.set(key, f.name);
      // A distinct count of a month is not a sum of days: it is the union of the days' id sets,
      // so only a family that hands them over has one.
      if ((def.kind === 'distinct') !== !!f.daySets) {
        throw new Error(`metric key "${key}" of family "${f.name}" is ${def.kind}, but the family ${f.daySets ? 'keeps' : 'does not keep'} the ids behind its day values`);
      }
    }
  }
  for (const key of published) if (!seen.has(key)) throw new Error(`published column "${key}" is declared by no metric family`);
}

checkRegistry(FAMILIES, PUBLISHED_COLUMNS);

export interface KeyInfo {
  kind: Kind;
  label: string;
  source: SourceTable;
  stats: StatsColumn | undefined;
  sumKnownDays: boolean;
  family: Family;
}

export const KEYS = Object.fromEntries(
  FAMILIES.flatMap((f: Family) =>
    Object.entries(f.keys).map(([key, def]) => [key, { kind: def.kind, label: def.label, source: def.source ?? f.source, stats: def.stats, sumKnownDays: !!def.sumKnownDays, family: f }]),
  ),
) as Record<MetricKey, KeyInfo>;

/** Every daily key, in CSV column order (then most_active_hour, which is not a key). */
export const DAILY_KEYS = columnOrder(FAMILIES, PUBLISHED_COLUMNS) as readonly MetricKey[];

const ofKind = (kind: Kind) => DAILY_KEYS.filter((k) => KEYS[k].kind === kind);
/** Summed over a period. */
export const EVENT_KEYS: readonly MetricKey[] = ofKind('event');
/** A period's value is distinct over the whole period, never a sum of days. */
export const DISTINCT_KEYS: readonly MetricKey[] = ofKind('distinct');
/** State at the end of the day (METRICS.md §3, second table); a period's is its last day's. */
export const SNAPSHOT_KEYS: readonly MetricKey[] = ofKind('snapshot');

export function kindOf(key: MetricKey): Kind {
  return KEYS[key].kind;
}

/** Human labels, for pages, charts and mail. */
export const LABELS = Object.fromEntries(DAILY_KEYS.map((k) => [k, KEYS[k].label])) as Record<MetricKey, string>;

/** Keys that Glific's `stats` table can fill for days before the raw data (METRICS.md §7). */
export const STATS_IMPORT = Object.fromEntries(DAILY_KEYS.filter((k) => KEYS[k].stats).map((k) => [k, KEYS[k].stats!])) as Partial<Record<MetricKey, StatsColumn>>;

/** Which Glific table each key is counted from: it decides which days can still be counted raw. */
export const SOURCE_OF = Object.fromEntries(DAILY_KEYS.map((k) => [k, KEYS[k].source])) as Record<MetricKey, SourceTable>;

/** The tables some key is counted from. */
export const SOURCE_TABLES: readonly SourceTable[] = [...new Set(DAILY_KEYS.map((k) => KEYS[k].source))];

/** The stages computeMetrics reports through onStage: the history lookup, each family, the stats import. */
export const COMPUTE_STAGE_NAMES: readonly string[] = ['history', ...FAMILIES.map((f) => f.name), 'glific_stats'];
