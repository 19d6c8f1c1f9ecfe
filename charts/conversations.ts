// Charts of conversations: reported by the BSP (billed until 30 June 2025, free-entry-point traffic
// only since per-message pricing) and derived 24-hour windows, per day and per month.
import { LABELS } from '../metrics/registry.ts';
import { conversationsLabel } from '../metrics/pricing.ts';
import type { OrgReport } from '../metrics/report.ts';
import type { Chart } from './types.ts';
import { dailyLines, groupedBars } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, extremes, longRows, total, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatMonth, formatSpan } from '../lib/words.ts';

const lowerFirst = (s: string) => s[0].toLowerCase() + s.slice(1);

function seriesFor(from: string, to: string) {
  return [
    { key: 'conversations' as const, label: conversationsLabel(from, to), colour: OKABE_ITO.blue },
    { key: 'conversation_windows' as const, label: '24-hour windows', colour: OKABE_ITO.orange },
  ];
}

export function conversationsDaily(w: Window): Chart {
  const SERIES = seriesFor(w.from, w.to);
  const bspWords = lowerFirst(SERIES[0].label);
  const billed = extremes(w, 'conversations');
  const windows = total(w, 'conversation_windows');
  const span = formatSpan(w.from, w.to);
  const description = !billed.max && windows.sum === null
    ? `Conversations are not known for ${span}.`
    : `${span}: ` +
      (billed.min && billed.max ? `${bspWords} per day ranged from ${formatCount(billed.min.value)} to ${formatCount(billed.max.value)}` : `${bspWords} not known`) +
      `; ${formatCount(windows.sum)} 24-hour conversation windows opened${daysNotKnown(windows.missingDays)}.`;
  const title = 'Conversations per day';
  return {
    id: 'conversations-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Conversations', series: SERIES, from: w.from, to: w.to, values: longRows(w, SERIES) }),
    table: dailyTable(w, SERIES.map((s) => ({ key: s.key, label: s.key === 'conversations' ? s.label : LABELS[s.key] }))),
  };
}

/** Up to the last 12 months ending with the month of `to`. */
export function monthlyConversations(report: OrgReport, to: string): Chart {
  const lastMonth = to.slice(0, 7);
  const months = report.months
    .filter((m) => m.key <= lastMonth)
    .sort((a, b) => a.key.localeCompare(b.key))
    .slice(-12);
  const latest = months[months.length - 1];
  const SERIES = seriesFor(months[0]?.from ?? to, to);
  const description = latest
    ? `${formatMonth(latest.key)}${latest.closed ? '' : ' so far'}: ${formatCount(latest.values.conversations ?? null)} ${lowerFirst(SERIES[0].label)} and ${formatCount(latest.values.conversation_windows ?? null)} 24-hour windows` +
      (months.length > 1 ? `; ${months.length} months shown from ${formatMonth(months[0].key)}.` : '.')
    : 'No monthly conversation figures yet.';
  const title = 'Conversations per month';
  return {
    id: 'monthly-conversations',
    title,
    description,
    spec: groupedBars({
      title, description, xField: 'month', xTitle: 'Month', xOrder: months.map((m) => m.key), yTitle: 'Conversations',
      series: SERIES,
      values: months.flatMap((m) => SERIES.map((s) => ({ month: m.key, series: s.label, value: m.values[s.key] ?? null }))),
    }),
    table: {
      columns: ['Month', ...SERIES.map((s) => (s.key === 'conversations' ? s.label : LABELS[s.key]))],
      rows: months.map((m) => [m.closed ? m.key : `${m.key} (so far)`, ...SERIES.map((s) => m.values[s.key] ?? null)]),
    },
  };
}
