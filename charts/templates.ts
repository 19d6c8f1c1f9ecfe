// Charts of WhatsApp template messages since per-message pricing (METRICS.md §3a): delivered
// templates per day by category, the outcome of template sends per day, and customer-service
// windows opened per day.
import { LABELS, type MetricKey } from '../metrics/registry.ts';
import type { Chart } from './types.ts';
import { dailyLines, dailyStackedBars, type LongRow } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, longRows, total, valueOf, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatSpan } from '../lib/words.ts';

const CATEGORIES = [
  { key: 'delivered_marketing' as const, label: 'Marketing', colour: OKABE_ITO.blue },
  { key: 'delivered_utility' as const, label: 'Utility', colour: OKABE_ITO.orange },
  { key: 'delivered_authentication' as const, label: 'Authentication', colour: OKABE_ITO.green },
  { key: 'delivered_other' as const, label: 'Other', colour: OKABE_ITO.purple },
];

export function templatesDelivered(w: Window): Chart {
  const t = Object.fromEntries(CATEGORIES.map((c) => [c.key, total(w, c.key)]));
  const span = formatSpan(w.from, w.to);
  const description = CATEGORIES.every((c) => t[c.key].sum === null)
    ? `Delivered templates are not known for ${span}.`
    : `${span}: delivered templates by category: ${CATEGORIES.map((c) => `${formatCount(t[c.key].sum)} ${c.label.toLowerCase()}`).join(', ')}${daysNotKnown(t.delivered_marketing.missingDays)}.`;
  const title = 'Delivered templates per day, by category';
  return {
    id: 'templates-delivered-daily',
    title,
    description,
    spec: dailyStackedBars({ title, description, yTitle: 'Templates delivered', series: CATEGORIES, from: w.from, to: w.to, values: longRows(w, CATEGORIES) }),
    table: dailyTable(w, CATEGORIES.map((c) => ({ key: c.key, label: LABELS[c.key] }))),
  };
}

const SENT: readonly MetricKey[] = ['templates_marketing', 'templates_utility', 'templates_authentication', 'templates_other'];
const DELIVERED: readonly MetricKey[] = CATEGORIES.map((c) => c.key);

/** A day's template sends by outcome; null where a part is not known. */
export function templateOutcome(w: Window, date: string): { delivered: number | null; failed: number | null; pending: number | null } {
  const sum = (keys: readonly MetricKey[]) => {
    let s = 0;
    for (const k of keys) {
      const v = valueOf(w, date, k);
      if (v === null) return null;
      s += v;
    }
    return s;
  };
  const sent = sum(SENT);
  const delivered = sum(DELIVERED);
  const failed = valueOf(w, date, 'templates_failed');
  const pending = sent === null || delivered === null || failed === null ? null : sent - delivered - failed;
  return { delivered, failed, pending };
}

const OUTCOMES = [
  { field: 'delivered' as const, label: 'Delivered', colour: OKABE_ITO.green },
  { field: 'failed' as const, label: 'Failed', colour: OKABE_ITO.vermillion },
  { field: 'pending' as const, label: 'Pending (no final status)', colour: OKABE_ITO.sky },
];

export function templateOutcomes(w: Window): Chart {
  const days = w.dates.map((date) => ({ date, ...templateOutcome(w, date) }));
  const known = days.filter((d) => d.delivered !== null);
  const sum = (f: 'delivered' | 'failed' | 'pending') => known.reduce((s, d) => s + (d[f] ?? 0), 0);
  const span = formatSpan(w.from, w.to);
  const description = known.length === 0
    ? `Template outcomes are not known for ${span}.`
    : `${span}: of the template messages sent, ${formatCount(sum('delivered'))} were delivered, ${formatCount(sum('failed'))} failed and ${formatCount(sum('pending'))} have no final status${daysNotKnown(days.length - known.length)}.`;
  const title = 'Template messages per day, by outcome';
  const values: LongRow[] = days.flatMap((d) => OUTCOMES.map((o) => ({ date: d.date, series: o.label, value: d[o.field] })));
  return {
    id: 'templates-outcome-daily',
    title,
    description,
    spec: dailyStackedBars({ title, description, yTitle: 'Template messages', series: OUTCOMES, from: w.from, to: w.to, values }),
    table: { columns: ['Date', ...OUTCOMES.map((o) => o.label)], rows: days.map((d) => [d.date, ...OUTCOMES.map((o) => d[o.field])]) },
  };
}

export function serviceWindowsDaily(w: Window): Chart {
  const series = [{ key: 'service_windows' as const, label: 'Service windows opened', colour: OKABE_ITO.blue }];
  const t = total(w, 'service_windows');
  const span = formatSpan(w.from, w.to);
  const description = t.sum === null
    ? `Customer-service windows are not known for ${span}.`
    : `${span}: contacts opened ${formatCount(t.sum)} customer-service windows (a message from a contact with no other message from them in the 24 hours before)${daysNotKnown(t.missingDays)}.`;
  const title = 'Customer-service windows opened per day';
  return {
    id: 'service-windows-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Windows opened', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series.map((s) => ({ key: s.key, label: LABELS[s.key] }))),
  };
}
