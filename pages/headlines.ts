// The numbers a period leads with, chosen here for the site's pages and the email digests alike,
// and one number of a period as both show it: its value, its change against what the period is
// compared with, and the marks that say it is provisional. A headline is data; how it looks is the
// templates' business.
import { LABELS, SNAPSHOT_KEYS, STATS_IMPORT, type MetricKey } from '../metrics/registry.ts';
import { conversationsLabel, PER_MESSAGE_PRICING_FROM, pricingRulesDuring } from '../metrics/pricing.ts';
import type { DayRow, OrgReport, PeriodRow, Values } from '../metrics/report.ts';
import { periodCost, type Cost } from '../metrics/cost.ts';
import path from 'node:path';
import { describeChange, formatDate, type Change } from '../lib/words.ts';

/**
 * A metric key, or a number made of keys: all messages (inbound + outbound), and template sends
 * by outcome (delivered, pending: sent but neither delivered nor failed, METRICS.md §3a).
 */
export type HeadlineKey = MetricKey | 'messages' | 'templates_delivered' | 'templates_pending';

/** Where a headline is shown: the cards on top of a site page, the tiles on top of a digest. */
export type Surface = 'page' | 'digest';

/** Why a value is provisional: from Glific's stats (a UTC day), or a snapshot captured late. */
export type Mark = 'utc' | 'late';

/**
 * The headlines, in the order they are shown, and on which surfaces. The one list to change when
 * a period should lead with other numbers.
 */
export const HEADLINES: ReadonlyArray<{ key: HeadlineKey; on: readonly Surface[] }> = [
  // What a programme or finance person asks first: the bill (estimated), the templates
  // delivered by category, and how template sends ended.
  { key: 'billable_messages', on: ['page', 'digest'] },
  { key: 'delivered_marketing', on: ['page', 'digest'] },
  { key: 'delivered_utility', on: ['page', 'digest'] },
  { key: 'delivered_authentication', on: ['page', 'digest'] },
  { key: 'delivered_other', on: ['page'] },
  { key: 'templates_delivered', on: ['page', 'digest'] },
  { key: 'templates_failed', on: ['page', 'digest'] },
  { key: 'templates_pending', on: ['page', 'digest'] },
  // Reach. `conversations` is not a headline: since per-message pricing it counts only
  // free-entry-point conversations, never the bill.
  { key: 'messages', on: ['digest'] },
  { key: 'active_contacts', on: ['page', 'digest'] },
  { key: 'new_contacts', on: ['page', 'digest'] },
  { key: 'service_windows', on: ['page'] },
  { key: 'inbound_messages', on: ['page'] },
  { key: 'outbound_messages', on: ['page'] },
  { key: 'optins', on: ['page'] },
  { key: 'flows_completed', on: ['page'] },
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
  'service_windows',
  'service_messages',
  'utility_in_window',
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
  /** What the number is, when its label cannot say it all (the pricing rule of an estimate). */
  note: string | null;
}

/** What a period's numbers are compared with (pages/comparison.ts decides and words it). */
export interface Compared {
  values: Values;
  /** Worded for a change: '4 January 2025', 'the same days of December 2024'. */
  against: string;
  comparable: (key: MetricKey) => boolean;
}

/** The keys a headline adds up, and those it takes away. */
interface Parts {
  plus: MetricKey[];
  minus: MetricKey[];
}
const DELIVERED: MetricKey[] = ['delivered_marketing', 'delivered_utility', 'delivered_authentication', 'delivered_other'];
const PARTS: Record<HeadlineKey, Parts> = {
  ...(Object.fromEntries(Object.keys(LABELS).map((k) => [k, { plus: [k as MetricKey], minus: [] as MetricKey[] }])) as unknown as Record<MetricKey, Parts>),
  messages: { plus: ['inbound_messages', 'outbound_messages'], minus: [] },
  templates_delivered: { plus: DELIVERED, minus: [] },
  templates_pending: { plus: ['templates_marketing', 'templates_utility', 'templates_authentication', 'templates_other'], minus: [...DELIVERED, 'templates_failed'] },
};
const partsOf = (key: HeadlineKey) => [...PARTS[key].plus, ...PARTS[key].minus];

const LABEL: Partial<Record<HeadlineKey, string>> = {
  messages: 'Messages (inbound + outbound)',
  templates_delivered: 'Templates delivered',
  templates_pending: 'Templates pending (no final status yet)',
};

/** Inclusive local dates of the period a number is of. */
export interface Span {
  from: string;
  to: string;
}

/** A headline's label; some depend on the days the period covers. */
export function headlineLabel(key: HeadlineKey, span?: Span): string {
  if (key === 'conversations' && span) return conversationsLabel(span.from, span.to);
  return LABEL[key] ?? LABELS[key as MetricKey];
}

/** Which pricing rule an estimate of billable messages used over a period, in words. */
export function billingRuleNote(span: Span): string {
  const rules = pricingRulesDuring(span.from, span.to);
  const before = span.from < PER_MESSAGE_PRICING_FROM ? ' Before 1 July 2025 WhatsApp billed 24-hour conversations: those days have no value.' : '';
  if (rules.length === 0) return 'WhatsApp billed 24-hour conversations before 1 July 2025: no per-message estimate.';
  if (rules.length === 1) return `Estimated: ${rules[0].words}.${before}`;
  return `Estimated: ${rules.map((r, i) => `${i === 0 ? 'until' : 'from'} ${i === 0 ? formatDate(r.to!) : formatDate(r.from)}, ${r.words}`).join('; ')}.${before}`;
}

/** A headline's value in a period's values; unknown when any of its parts is. */
export function headlineValue(values: Values | null | undefined, key: HeadlineKey): number | null {
  if (!values) return null;
  let sum = 0;
  for (const [keys, sign] of [[PARTS[key].plus, 1], [PARTS[key].minus, -1]] as const) {
    for (const k of keys) {
      const v = values[k];
      if (v === null || v === undefined) return null;
      sum += sign * v;
    }
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
  for (const k of partsOf(key)) {
    const p = provenance?.[k];
    if (p?.source === 'glific_stats' || (!provenance && row.utcDayImport && k in STATS_IMPORT)) set.add('utc');
    if (p?.late || (!provenance && row.lateSnapshot && isSnapshot(k))) set.add('late');
  }
  return (['utc', 'late'] as const).filter((m) => set.has(m));
}

/** The days a row covers. */
export function spanOf(row: DayRow | PeriodRow): Span {
  return 'date' in row ? { from: row.date, to: row.date } : { from: row.from, to: row.to };
}

/** One number of a period: value, what it is compared with, change, marks (from `markRow`), and the label and note for the period's days (`span`, default the mark row's). */
export function figure(key: HeadlineKey, values: Values, compared: Compared | null, markRow?: DayRow | PeriodRow, span?: Span): Headline {
  const value = headlineValue(values, key);
  const days = span ?? (markRow ? spanOf(markRow) : undefined);
  const comparable = compared !== null && partsOf(key).every((k) => compared.comparable(k));
  const previous = comparable ? headlineValue(compared.values, key) : null;
  return {
    key,
    label: headlineLabel(key, days),
    value,
    previous,
    change: comparable ? describeChange(value, previous, compared.against) : null,
    marks: marksOf(key, markRow),
    note: key === 'billable_messages' && days ? billingRuleNote(days) : null,
  };
}

/**
 * The estimated cost of a period's billable messages at the operator's rate card, or null when no
 * card is set (then no money is shown anywhere) or the period has no billable estimate.
 */
export function costFigure(report: OrgReport, span: Span): { label: string; cost: Cost; note: string } | null {
  if (!report.rateCard) return null;
  const cost = periodCost(report.rateCard, report.days.filter((d) => d.date >= span.from && d.date <= span.to));
  if (!cost) return null;
  return {
    label: 'Estimated cost',
    cost,
    note: `Billable messages at the prices of the rate card ${path.basename(report.rateCard.file)}, in ${cost.currency}; an upper bound, not an invoice.`,
  };
}

/** The headlines a surface shows, in order. */
export function headlines(surface: Surface, values: Values, compared: Compared | null, markRow?: DayRow | PeriodRow, span?: Span): Headline[] {
  return HEADLINES.filter((h) => h.on.includes(surface)).map((h) => figure(h.key, values, compared, markRow, span));
}
