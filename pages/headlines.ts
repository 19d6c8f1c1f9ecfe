// The numbers a period leads with, chosen here for the site's pages and the email digests alike,
// and one number of a period as both show it: its value, its change against what the period is
// compared with, and the marks that say it is provisional. A headline is data; how it looks is the
// templates' business.
import { LABELS, SNAPSHOT_KEYS, STATS_IMPORT, type MetricKey } from '../metrics/registry.ts';
import type { DayRow, PeriodRow, Values } from '../metrics/report.ts';
import { describeChange, type Change } from '../lib/words.ts';

/** A metric key, or the sum of inbound and outbound messages. */
export type HeadlineKey = MetricKey | 'messages';

/** Where a headline is shown: the cards on top of a site page, the tiles on top of a digest. */
export type Surface = 'page' | 'digest';

/** Why a value is provisional: from Glific's stats (a UTC day), or a snapshot captured late. */
export type Mark = 'utc' | 'late';

/**
 * The headlines, in the order they are shown, and on which surfaces. The one list to change when
 * a period should lead with other numbers.
 */
export const HEADLINES: ReadonlyArray<{ key: HeadlineKey; on: readonly Surface[] }> = [
  { key: 'messages', on: ['digest'] },
  { key: 'active_contacts', on: ['page', 'digest'] },
  { key: 'new_contacts', on: ['page', 'digest'] },
  { key: 'inbound_messages', on: ['page'] },
  { key: 'outbound_messages', on: ['page'] },
  { key: 'conversations', on: ['page'] },
  { key: 'optins', on: ['page'] },
  { key: 'flows_completed', on: ['page', 'digest'] },
  { key: 'error_messages', on: ['page'] },
];

/** The digest's table of numbers, in order (a site page's table shows every key). */
export const DIGEST_TABLE: readonly HeadlineKey[] = [
  'messages',
  'inbound_messages',
  'outbound_messages',
  'active_contacts',
  'new_contacts',
  'optins',
  'optouts',
  'flows_started',
  'flows_completed',
  'conversation_windows',
  'conversations',
  'error_messages',
  'total_contacts',
  'opted_in_contacts',
  'contacts_in_flows',
];

export interface Headline {
  key: HeadlineKey;
  label: string;
  value: number | null;
  /** What it is compared with; null when it is not compared. */
  previous: number | null;
  /** Null when the period is not compared, or this number cannot be (see Compared). */
  change: Change | null;
  marks: Mark[];
}

/** What a period's numbers are compared with (pages/comparison.ts decides and words it). */
export interface Compared {
  values: Values;
  /** Worded for a change: '4 January 2025', 'the same days of December 2024'. */
  against: string;
  comparable: (key: MetricKey) => boolean;
}

const PARTS: Record<HeadlineKey, MetricKey[]> = Object.fromEntries(
  Object.keys(LABELS).map((k) => [k, [k as MetricKey]]),
) as Record<HeadlineKey, MetricKey[]>;
PARTS.messages = ['inbound_messages', 'outbound_messages'];

export function headlineLabel(key: HeadlineKey): string {
  return key === 'messages' ? 'Messages (inbound + outbound)' : LABELS[key];
}

/** A headline's value in a period's values; unknown when any of its parts is. */
export function headlineValue(values: Values | null | undefined, key: HeadlineKey): number | null {
  if (!values) return null;
  let sum = 0;
  for (const k of PARTS[key]) {
    const v = values[k];
    if (v === null || v === undefined) return null;
    sum += v;
  }
  return sum;
}

const isSnapshot = (k: MetricKey) => (SNAPSHOT_KEYS as readonly string[]).includes(k);

/**
 * Why a number of a row is provisional (METRICS.md §7–8). A day says so per value in its
 * provenance; a row without provenance (a month, a range) by its flags: a UTC-day import marks
 * the keys Glific's stats can fill, a late snapshot the snapshot keys.
 */
export function marksOf(key: HeadlineKey, row: DayRow | PeriodRow | undefined): Mark[] {
  if (!row) return [];
  const provenance = 'provenance' in row && Object.keys(row.provenance ?? {}).length > 0 ? row.provenance : null;
  const set = new Set<Mark>();
  for (const k of PARTS[key]) {
    const p = provenance?.[k];
    if (p?.source === 'glific_stats' || (!provenance && row.utcDayImport && k in STATS_IMPORT)) set.add('utc');
    if (p?.late || (!provenance && row.lateSnapshot && isSnapshot(k))) set.add('late');
  }
  return (['utc', 'late'] as const).filter((m) => set.has(m));
}

/** One number of a period: value, what it is compared with, change, marks (from `markRow`). */
export function figure(key: HeadlineKey, values: Values, compared: Compared | null, markRow?: DayRow | PeriodRow): Headline {
  const value = headlineValue(values, key);
  const comparable = compared !== null && PARTS[key].every((k) => compared.comparable(k));
  const previous = comparable ? headlineValue(compared.values, key) : null;
  return {
    key,
    label: headlineLabel(key),
    value,
    previous,
    change: comparable ? describeChange(value, previous, compared.against) : null,
    marks: marksOf(key, markRow),
  };
}

/** The headlines a surface shows, in order. */
export function headlines(surface: Surface, values: Values, compared: Compared | null, markRow?: DayRow | PeriodRow): Headline[] {
  return HEADLINES.filter((h) => h.on.includes(surface)).map((h) => figure(h.key, values, compared, markRow));
}
