// Charts of WhatsApp opt-in: opt-ins and opt-outs per day and the opted-in / opted-out /
// non-opted split at the end of a period.
import { LABELS } from '../metrics/registry.ts';
import type { Chart } from './types.ts';
import { dailyLines, labelledBars } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, latestSnapshot, longRows, total, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatDate, formatSpan, shareOf } from '../lib/words.ts';

export function optinsDaily(w: Window): Chart {
  const series = [
    { key: 'optins' as const, label: LABELS.optins, colour: OKABE_ITO.green },
    { key: 'optouts' as const, label: LABELS.optouts, colour: OKABE_ITO.vermillion },
  ];
  const ins = total(w, 'optins');
  const outs = total(w, 'optouts');
  const span = formatSpan(w.from, w.to);
  const description = ins.sum === null && outs.sum === null
    ? `Opt-ins and opt-outs are not known for ${span}.`
    : `${span}: ${formatCount(ins.sum)} opt-ins and ${formatCount(outs.sum)} opt-outs${daysNotKnown(Math.max(ins.missingDays, outs.missingDays))}.`;
  const title = 'Opt-ins and opt-outs per day';
  return {
    id: 'optins-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Contacts', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series),
  };
}

export function optStatus(w: Window): Chart {
  const keys = ['opted_in_contacts', 'opted_out_contacts', 'non_opted_contacts'] as const;
  const colours = [OKABE_ITO.green, OKABE_ITO.vermillion, OKABE_ITO.sky];
  const snap = latestSnapshot(w, [...keys, 'total_contacts']);
  const series = keys.map((k, i) => ({ key: k, label: ['Opted in', 'Opted out', 'Not opted'][i], colour: colours[i] }));
  const v = (k: (typeof keys)[number] | 'total_contacts') => snap?.values[k] ?? null;
  const all = v('total_contacts');
  const description = snap
    ? `At the end of ${formatDate(snap.date)}: ${formatCount(v('opted_in_contacts'))} contacts opted in${shareOf(v('opted_in_contacts'), all)}, ` +
      `${formatCount(v('opted_out_contacts'))} opted out${shareOf(v('opted_out_contacts'), all)} and ${formatCount(v('non_opted_contacts'))} not opted${shareOf(v('non_opted_contacts'), all)}, of ${formatCount(all)}.`
    : `Opt-in status is not known for ${formatSpan(w.from, w.to)}.`;
  const title = 'Opted-in, opted-out and non-opted contacts';
  return {
    id: 'opt-status',
    title,
    description,
    spec: labelledBars({ title, description, xTitle: 'Contacts', series, values: series.map((s) => ({ series: s.label, value: v(s.key) })) }),
    table: { columns: ['Status', snap ? `At the end of ${snap.date}` : 'Contacts'], rows: [...series.map((s) => [LABELS[s.key], v(s.key)]), [LABELS.total_contacts, all]] },
  };
}
