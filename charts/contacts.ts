// Charts of contacts: new and active per day, and valid / invalid / blocked at the end of a period.
import { LABELS } from '../metrics/registry.ts';
import type { Chart } from './types.ts';
import { dailyLines, labelledBars } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, extremes, latestSnapshot, longRows, total, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatDate, formatSpan } from '../lib/words.ts';

export function contactsDaily(w: Window): Chart {
  const series = [
    { key: 'new_contacts' as const, label: LABELS.new_contacts, colour: OKABE_ITO.blue },
    { key: 'active_contacts' as const, label: LABELS.active_contacts, colour: OKABE_ITO.orange },
  ];
  const t = total(w, 'new_contacts');
  const peak = extremes(w, 'new_contacts').max;
  const act = extremes(w, 'active_contacts');
  const span = formatSpan(w.from, w.to);
  const description = t.sum === null && !act.max
    ? `New and active contacts are not known for ${span}.`
    : `${span}: ${formatCount(t.sum)} new contacts${peak ? ` (most on ${formatDate(peak.date)}: ${formatCount(peak.value)})` : ''}${daysNotKnown(t.missingDays)}; ` +
      (act.min && act.max ? `active contacts per day ranged from ${formatCount(act.min.value)} to ${formatCount(act.max.value)}.` : 'active contacts not known.');
  const title = 'New and active contacts per day';
  return {
    id: 'contacts-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Contacts', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series),
  };
}

export function contactStatus(w: Window): Chart {
  const keys = ['valid_contacts', 'invalid_contacts', 'blocked_contacts'] as const;
  const colours = [OKABE_ITO.green, OKABE_ITO.vermillion, OKABE_ITO.purple];
  const snap = latestSnapshot(w, [...keys]);
  const series = keys.map((k, i) => ({ key: k, label: LABELS[k], colour: colours[i] }));
  const v = (k: (typeof keys)[number]) => snap?.values[k] ?? null;
  const description = snap
    ? `At the end of ${formatDate(snap.date)}: ${formatCount(v('valid_contacts'))} valid, ${formatCount(v('invalid_contacts'))} invalid and ${formatCount(v('blocked_contacts'))} blocked contacts.`
    : `Contact status is not known for ${formatSpan(w.from, w.to)}.`;
  const title = 'Valid, invalid and blocked contacts';
  return {
    id: 'contact-status',
    title,
    description,
    spec: labelledBars({ title, description, xTitle: 'Contacts', series, values: series.map((s) => ({ series: s.label, value: v(s.key) })) }),
    table: { columns: ['Status', snap ? `At the end of ${snap.date}` : 'Contacts'], rows: series.map((s) => [s.label, v(s.key)]) },
  };
}
