// The digest model: what one daily or monthly email says, computed from an OrgReport as plain
// data (numbers, their change against the previous period, provisional marks, labels). The
// HTML and text renderings are both made from this, so they always carry the same numbers.
import { LABELS, STATS_IMPORT, SNAPSHOT_KEYS, type MetricKey } from '../metrics/registry.ts';
import { compareDay, compareMonth, dayPeriod, monthPeriod, previousPeriod as periodBefore } from '../metrics/period.ts';
import type { DayRow, OrgReport, PeriodRow, Values } from '../metrics/report.ts';

export type DigestKind = 'daily' | 'monthly';

/** A value shown in a digest: a metric key or the sum of inbound and outbound messages. */
export type HeadlineKey = MetricKey | 'messages';

export type ProvisionalMark = 'utc' | 'late';

export interface Change {
  direction: 'up' | 'down' | 'same' | 'none';
  /** e.g. "▲ +12 (+9.8%)", "▼ -3 (-5.0%)", "= 0 (no change)", "—" */
  label: string;
  /** the same, spelled out for screen readers and the text part */
  spoken: string;
}

export interface Headline {
  key: HeadlineKey;
  label: string;
  value: number | null;
  previous: number | null;
  valueText: string;
  previousText: string;
  change: Change;
  marks: ProvisionalMark[];
  /** "†", "*", "†*" or "" */
  markText: string;
}

export interface DigestModel {
  kind: DigestKind;
  period: string;
  previousPeriod: string;
  org: { name: string; shortcode: string; timezone: string; timezoneIsFallback: boolean };
  /** "Sunday, 1 March 2026" or "March 2026" */
  periodLabel: string;
  previousPeriodLabel: string;
  /** The big numbers on top. */
  tiles: Headline[];
  /** Every number, in table order. */
  rows: Headline[];
  mostActiveHour: number | null;
  mostActiveHourText: string;
  pageUrl: string;
  dataCutoffText: string;
  notes: string[];
  hasUtcImport: boolean;
  hasLateSnapshot: boolean;
  subject: string;
  /** One line for the inbox preview. */
  summary: string;
}

export const DASH = '—';

const TILE_KEYS: HeadlineKey[] = ['messages', 'active_contacts', 'new_contacts', 'flows_completed'];
const ROW_KEYS: HeadlineKey[] = [
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

const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const percent = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/** 1234 -> "1,234"; null/undefined -> "—" (an unknown value is never shown as 0). */
export function formatNumber(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? DASH : integer.format(v);
}

/** Arrow and sign both, so the direction never rests on colour alone. */
export function describeChange(value: number | null, previous: number | null): Change {
  if (value === null || previous === null) {
    return { direction: 'none', label: DASH, spoken: 'no comparison' };
  }
  const diff = value - previous;
  const pct = previous !== 0 ? ` (${diff > 0 ? '+' : diff < 0 ? '-' : ''}${percent.format(Math.abs(diff / previous) * 100)}%)` : '';
  if (diff === 0) return { direction: 'same', label: '= 0 (no change)', spoken: 'no change' };
  const abs = integer.format(Math.abs(diff));
  if (diff > 0) return { direction: 'up', label: `▲ +${abs}${pct}`, spoken: `up ${abs}${pct}` };
  return { direction: 'down', label: `▼ -${abs}${pct}`, spoken: `down ${abs}${pct}` };
}

export function hourText(h: number | null): string {
  if (h === null || h === undefined) return DASH;
  const two = (n: number) => String(n).padStart(2, '0');
  return `${two(h)}:00–${two((h + 1) % 24)}:00`;
}

export function periodLabel(kind: DigestKind, period: string): string {
  if (kind === 'daily') {
    const [y, m, d] = period.split('-').map(Number);
    return new Intl.DateTimeFormat('en-GB', { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
      new Date(Date.UTC(y, m - 1, d)),
    );
  }
  const [y, m] = period.split('-').map(Number);
  return new Intl.DateTimeFormat('en-GB', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, 1)));
}

/** An ISO instant shown in the org's zone, e.g. "2026-03-02 00:00 Asia/Kolkata". */
export function instantInZone(iso: string | null, zone: string): string {
  if (!iso) return DASH;
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return DASH;
  try {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', {
        timeZone: zone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
      })
        .formatToParts(t)
        .map((p) => [p.type, p.value]),
    );
    return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute} ${zone}`;
  } catch {
    return `${t.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  }
}

/** Untrusted text for a header or a one-line label: no control characters, bounded length. */
export function oneLine(s: string, max = 80): string {
  const clean = s.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ').replace(/\s+/g, ' ').trim();
  return clean.length > max ? clean.slice(0, max - 1) + '…' : clean;
}

function valueOf(values: Values | undefined, key: HeadlineKey): number | null {
  if (!values) return null;
  if (key === 'messages') {
    const i = values.inbound_messages;
    const o = values.outbound_messages;
    return i === null || i === undefined || o === null || o === undefined ? null : i + o;
  }
  const v = values[key];
  return v === undefined ? null : v;
}

const isSnapshot = (k: MetricKey) => (SNAPSHOT_KEYS as readonly string[]).includes(k);

/** Which marks a single metric carries in a row (METRICS.md §7–8). */
function metricMarks(key: MetricKey, row: DayRow | PeriodRow): ProvisionalMark[] {
  const marks: ProvisionalMark[] = [];
  const prov = 'provenance' in row ? row.provenance?.[key] : undefined;
  const hasProvenance = 'provenance' in row && row.provenance && Object.keys(row.provenance).length > 0;
  if (prov?.source === 'glific_stats') marks.push('utc');
  else if (!hasProvenance && row.utcDayImport && key in STATS_IMPORT) marks.push('utc');
  if (prov?.late) marks.push('late');
  else if (!hasProvenance && row.lateSnapshot && isSnapshot(key)) marks.push('late');
  return marks;
}

function marksOf(key: HeadlineKey, row: DayRow | PeriodRow | undefined): ProvisionalMark[] {
  if (!row) return [];
  const keys: MetricKey[] = key === 'messages' ? ['inbound_messages', 'outbound_messages'] : [key];
  const set = new Set(keys.flatMap((k) => metricMarks(k, row)));
  return (['utc', 'late'] as const).filter((m) => set.has(m));
}

const MARK_SIGN: Record<ProvisionalMark, string> = { utc: '†', late: '*' };

function labelOf(key: HeadlineKey): string {
  return key === 'messages' ? 'Messages (inbound + outbound)' : LABELS[key];
}

function headline(key: HeadlineKey, row: DayRow | PeriodRow | undefined, prev: Values | undefined): Headline {
  const value = valueOf(row?.values, key);
  const previous = valueOf(prev, key);
  const marks = marksOf(key, row);
  return {
    key,
    label: labelOf(key),
    value,
    previous,
    valueText: formatNumber(value),
    previousText: formatNumber(previous),
    change: describeChange(value, previous),
    marks,
    markText: marks.map((m) => MARK_SIGN[m]).join(''),
  };
}

export function digestPageUrl(siteUrl: string, shortcode: string, kind: DigestKind, period: string): string {
  const base = siteUrl.replace(/\/+$/, '');
  return `${base}/${encodeURIComponent(shortcode)}/${kind}/${encodeURIComponent(period)}.html`;
}

export class MissingPeriodError extends Error {}

export function findPeriodRow(report: OrgReport, kind: DigestKind, period: string): DayRow | PeriodRow | undefined {
  return kind === 'daily' ? report.days.find((d) => d.date === period) : report.months.find((m) => m.key === period);
}

/**
 * Build the digest of one period. Throws MissingPeriodError when the report holds no row for it:
 * a digest of a period that was not computed would show nothing but dashes.
 */
export function buildDigest(report: OrgReport, kind: DigestKind, period: string, siteUrl: string, extra: { lateSince?: string } = {}): DigestModel {
  const row = findPeriodRow(report, kind, period);
  if (!row) throw new MissingPeriodError(`no ${kind === 'daily' ? 'day' : 'month'} ${period} in the report of ${report.org.shortcode}`);
  const previousPeriod = periodBefore(kind === 'daily' ? dayPeriod(period) : monthPeriod(period)).key;
  // What the period is compared with (metrics/period.ts): the day or month before; for a month
  // not over yet, the same days of the month before.
  const days = new Map(report.days.map((d) => [d.date, d]));
  const cmp = kind === 'daily' ? compareDay(period, days) : compareMonth(row as PeriodRow, days, new Map(report.months.map((m) => [m.key, m])));
  const prev = cmp?.values;

  const tiles = TILE_KEYS.map((k) => headline(k, row, prev));
  const rows = ROW_KEYS.map((k) => headline(k, row, prev));
  const hasUtcImport = rows.some((r) => r.marks.includes('utc')) || row.utcDayImport;
  const hasLateSnapshot = rows.some((r) => r.marks.includes('late')) || row.lateSnapshot;
  const { org } = report;
  const zone = org.timezone;

  const notes: string[] = [];
  if (extra.lateSince) {
    notes.push(`This report is late: it was due ${instantInZone(extra.lateSince, zone)} and is sent now, after the reports service was not running.`);
  }
  if (hasUtcImport) {
    notes.push(
      `† Provisional: imported from Glific's own statistics, which cover the UTC ${kind === 'daily' ? 'day' : 'days'} ` +
        `(00:00–24:00 UTC), not the local ${kind === 'daily' ? 'day' : 'days'} in ${zone}. The raw messages of that time are no longer in Glific.`,
    );
  }
  if (hasLateSnapshot) {
    notes.push('* Provisional: contact counts captured long after the end of the period, so they describe a later state and may not be exact.');
  }
  if ('complete' in row && !row.complete) {
    notes.push('Not every day of this month has been computed yet: the monthly values are partial.');
  }
  if (org.timezoneIsFallback) {
    notes.push(`This organization has no time zone set in Glific; days and hours use ${zone}.`);
  }

  const name = oneLine(org.name, 60) || org.shortcode;
  const messages = tiles[0];
  const active = tiles[1];
  const title = kind === 'daily' ? 'Daily report' : 'Monthly report';
  const subject = `[${name}] ${title} ${period}: ${messages.valueText} messages, ${active.valueText} active contacts`;

  return {
    kind,
    period,
    previousPeriod,
    org: { name: org.name, shortcode: org.shortcode, timezone: zone, timezoneIsFallback: org.timezoneIsFallback },
    periodLabel: periodLabel(kind, period),
    previousPeriodLabel: periodLabel(kind, previousPeriod),
    tiles,
    rows,
    mostActiveHour: row.mostActiveHour ?? null,
    mostActiveHourText: hourText(row.mostActiveHour ?? null),
    pageUrl: digestPageUrl(siteUrl, org.shortcode, kind, period),
    dataCutoffText: instantInZone(report.dataCutoff, zone),
    notes,
    hasUtcImport,
    hasLateSnapshot,
    subject,
    summary:
      `${messages.valueText} messages (${messages.change.spoken}), ${active.valueText} active contacts (${active.change.spoken}), ` +
      `most active hour ${hourText(row.mostActiveHour ?? null)}.`,
  };
}
