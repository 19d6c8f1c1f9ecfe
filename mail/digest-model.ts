// The digest model: what one daily or monthly email says, computed from an OrgReport as plain
// data (numbers, their change against the previous period, provisional marks, labels). The
// HTML and text renderings are both made from this, so they always carry the same numbers.
import { dayPeriod, monthPeriod, previousPeriod as periodBefore } from '../metrics/period.ts';
import type { DayRow, OrgReport, PeriodRow } from '../metrics/report.ts';
import { DASH, describeChange, formatDate, formatMonth, showCount, showHour, showMoney, type Change } from '../lib/words.ts';
import { costFigure, DIGEST_TABLE, figure, headlines, spanOf, type HeadlineKey, type Headline as Figure, type Mark } from '../pages/headlines.ts';
import { comparisonOf } from '../pages/comparison.ts';
import { reportIndex } from '../pages/report-index.ts';
import { digestErrors, type DigestErrors } from './digest-errors.ts';

export type DigestKind = 'daily' | 'monthly';

export type { HeadlineKey, Change };

export type ProvisionalMark = Mark;

/** A number as a digest shows it (pages/headlines.ts chooses which, and words the change). */
export interface Headline {
  key: HeadlineKey | 'estimated_cost';
  label: string;
  value: number | null;
  previous: number | null;
  valueText: string;
  previousText: string;
  /** Always set: "—" / "no comparison" when the number is not compared. */
  change: Change;
  marks: ProvisionalMark[];
  /** "†", "*", "†*" or "" */
  markText: string;
  /** What the number is, when its label cannot say it all (the pricing rule of an estimate). */
  note: string | null;
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
  /** Why messages failed: the top error codes. */
  errors: DigestErrors;
  pageUrl: string;
  dataCutoffText: string;
  notes: string[];
  hasUtcImport: boolean;
  hasLateSnapshot: boolean;
  subject: string;
  /** One line for the inbox preview. */
  summary: string;
}

export { DASH };

export function periodLabel(kind: DigestKind, period: string): string {
  return kind === 'daily' ? formatDate(period, { weekday: true }) : formatMonth(period);
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

const MARK_SIGN: Record<ProvisionalMark, string> = { utc: '†', late: '*' };

function shown(f: Figure, against: string): Headline {
  const previous = f.change ? f.previous : null;
  return {
    key: f.key,
    label: f.label,
    value: f.value,
    previous,
    valueText: showCount(f.value).text,
    previousText: showCount(previous).text,
    change: f.change ?? describeChange(f.value, null, against),
    marks: f.marks,
    markText: f.marks.map((m) => MARK_SIGN[m]).join(''),
    note: f.note,
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
  const ref = kind === 'daily' ? dayPeriod(period) : monthPeriod(period);
  const previousPeriod = periodBefore(ref).key;
  // What the period is compared with, and how that is said: the same rule and words as the site.
  const comparison = comparisonOf(reportIndex(report), ref, kind === 'daily' ? null : (row as PeriodRow));
  const against = comparison.compared?.against ?? (kind === 'daily' ? formatDate(comparison.period.key) : formatMonth(comparison.period.key));

  const tiles = headlines('digest', row.values, comparison.compared, row).map((f) => shown(f, against));
  // The estimated cost goes right after billable messages, only when the operator gave a rate card.
  const cost = costFigure(report, spanOf(row));
  if (cost) {
    const money = showMoney(cost.cost.micros, cost.cost.currency);
    tiles.splice(tiles.findIndex((t) => t.key === 'billable_messages') + 1, 0, {
      key: 'estimated_cost', label: cost.label, value: null, previous: null, valueText: money.text, previousText: showCount(null).text,
      change: describeChange(null, null, against), marks: [], markText: '', note: cost.note,
    });
  }
  const rows = DIGEST_TABLE.map((k) => shown(figure(k, row.values, comparison.compared, row), against));
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
  const byKey = (k: HeadlineKey) => rows.find((r) => r.key === k) ?? shown(figure(k, row.values, comparison.compared, row), against);
  const messages = byKey('messages');
  const active = byKey('active_contacts');
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
    mostActiveHourText: showHour(row.mostActiveHour).text,
    errors: digestErrors(report, ref.from, ref.to, kind === 'daily' ? 'day' : 'month'),
    pageUrl: digestPageUrl(siteUrl, org.shortcode, kind, period),
    dataCutoffText: instantInZone(report.dataCutoff, zone),
    notes,
    hasUtcImport,
    hasLateSnapshot,
    subject,
    summary:
      `${messages.valueText} messages (${messages.change.spoken}), ${active.valueText} active contacts (${active.change.spoken}), ` +
      `most active hour ${showHour(row.mostActiveHour).text}.`,
  };
}
