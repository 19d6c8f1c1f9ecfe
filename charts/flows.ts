// Charts of flows: started and completed per day, the completion rate, contacts in flows.
import { LABELS } from '../metrics/registry.ts';
import type { Chart } from './types.ts';
import { dailyLines } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, extremes, longRows, total, valueOf, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatDate, formatPercent, formatSpan } from '../lib/words.ts';

/** Flows completed as a share of flows started; the two sets differ (runs cross midnight). */
export function completionRate(started: number | null, completed: number | null): number | null {
  if (started === null || completed === null || started <= 0) return null;
  return completed / started;
}

export function flowsDaily(w: Window): Chart {
  const series = [
    { key: 'flows_started' as const, label: LABELS.flows_started, colour: OKABE_ITO.blue },
    { key: 'flows_completed' as const, label: LABELS.flows_completed, colour: OKABE_ITO.green },
  ];
  const s = total(w, 'flows_started');
  const c = total(w, 'flows_completed');
  const span = formatSpan(w.from, w.to);
  const description = s.sum === null && c.sum === null
    ? `Flow runs are not known for ${span}.`
    : `${span}: ${formatCount(s.sum)} flows started and ${formatCount(c.sum)} completed, a completion rate of ${formatPercent(completionRate(s.sum, c.sum))}${daysNotKnown(s.missingDays)}.`;
  const title = 'Flows started and completed per day';
  return {
    id: 'flows-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Flow runs', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series),
  };
}

export function flowCompletion(w: Window): Chart {
  const s = total(w, 'flows_started');
  const c = total(w, 'flows_completed');
  const rate = completionRate(s.sum, c.sum);
  const span = formatSpan(w.from, w.to);
  const daily = w.dates.map((date) => ({ date, rate: completionRate(valueOf(w, date, 'flows_started'), valueOf(w, date, 'flows_completed')) }));
  const description = rate === null
    ? `The flow completion rate is not known for ${span}.`
    : `${span}: ${formatPercent(rate)} of flow runs completed (${formatCount(c.sum)} completed, ${formatCount(s.sum)} started).`;
  const title = 'Flow completion rate per day';
  return {
    id: 'flow-completion',
    title,
    description,
    spec: dailyLines({
      title, description, yTitle: 'Completed ÷ started', percent: true, from: w.from, to: w.to,
      series: [{ label: 'Completion rate', colour: OKABE_ITO.purple }],
      // A day can complete more runs than it starts; the axis stops at 100% and says so in the table.
      values: daily.map((d) => ({ date: d.date, series: 'Completion rate', value: d.rate === null ? null : Math.min(d.rate, 1) })),
    }),
    table: {
      columns: ['Date', LABELS.flows_started, LABELS.flows_completed, 'Completion rate'],
      rows: daily.map((d) => [d.date, valueOf(w, d.date, 'flows_started'), valueOf(w, d.date, 'flows_completed'), d.rate === null ? null : formatPercent(d.rate)]),
    },
  };
}

export function contactsInFlows(w: Window): Chart {
  const e = extremes(w, 'contacts_in_flows');
  const last = [...w.dates].reverse().find((d) => valueOf(w, d, 'contacts_in_flows') !== null);
  const span = formatSpan(w.from, w.to);
  const description = !e.max || !e.min || !last
    ? `Contacts in flows are not known for ${span}.`
    : `${span}: between ${formatCount(e.min.value)} and ${formatCount(e.max.value)} contacts were in a flow at the end of a day (${formatCount(valueOf(w, last, 'contacts_in_flows'))} at the end of ${formatDate(last)}).`;
  const series = [{ key: 'contacts_in_flows' as const, label: LABELS.contacts_in_flows, colour: OKABE_ITO.purple }];
  const title = 'Contacts in flows at the end of each day';
  return {
    id: 'contacts-in-flows',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Contacts', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series),
  };
}
