// Charts of messages: inbound, outbound, HSM and errors per day, the most active hour and the
// hour-by-weekday heat map.
import { LABELS } from '../metrics/registry.ts';
import type { Chart } from './types.ts';
import { dailyLines, groupedBars, heatMap } from './shapes.ts';
import { OKABE_ITO } from './palette.ts';
import { dailyTable, hourlyTotals, longRows, mostActiveHour, total, type Window } from './series.ts';
import { daysNotKnown, formatCount, formatHour, formatSpan } from '../lib/words.ts';
import { WEEKDAYS } from '../lib/calendar.ts';

export function messagesDaily(w: Window): Chart {
  const series = [
    { key: 'inbound_messages' as const, label: 'Inbound', colour: OKABE_ITO.blue },
    { key: 'outbound_messages' as const, label: 'Outbound', colour: OKABE_ITO.orange },
    { key: 'hsm_messages' as const, label: 'HSM (template)', colour: OKABE_ITO.green },
    { key: 'error_messages' as const, label: 'Errors', colour: OKABE_ITO.vermillion },
  ];
  const t = Object.fromEntries(series.map((s) => [s.key, total(w, s.key)]));
  const span = formatSpan(w.from, w.to);
  const description = series.every((s) => t[s.key].sum === null)
    ? `Messages are not known for ${span}.`
    : `${span}: ${formatCount(t.inbound_messages.sum)} inbound and ${formatCount(t.outbound_messages.sum)} outbound messages ` +
      `(${formatCount(t.hsm_messages.sum)} HSM), ${formatCount(t.error_messages.sum)} with errors${daysNotKnown(t.inbound_messages.missingDays)}.`;
  const title = 'Messages per day';
  return {
    id: 'messages-daily',
    title,
    description,
    spec: dailyLines({ title, description, yTitle: 'Messages', series, from: w.from, to: w.to, values: longRows(w, series) }),
    table: dailyTable(w, series.map((s) => ({ key: s.key, label: LABELS[s.key] }))),
  };
}

export function activeHour(w: Window): Chart {
  const h = hourlyTotals(w);
  const hours = Array.from({ length: 24 }, (_, i) => i);
  const best = mostActiveHour(h);
  const span = formatSpan(w.from, w.to);
  const description = !h.known
    ? `Messages by hour are not known for ${span}.`
    : best === null
      ? `No messages were sent or received ${w.from === w.to ? 'on' : 'from'} ${span}.`
      : `Most active hour ${w.from === w.to ? 'on' : 'from'} ${span}: ${formatHour(best)} local time, with ${formatCount(h.inbound[best] + h.outbound[best])} messages (${formatCount(h.inbound[best])} inbound, ${formatCount(h.outbound[best])} outbound).`;
  const title = 'Messages by hour of the day';
  const values = h.known ? hours.flatMap((hr) => [
    { hour: String(hr).padStart(2, '0'), series: 'Inbound', value: h.inbound[hr] },
    { hour: String(hr).padStart(2, '0'), series: 'Outbound', value: h.outbound[hr] },
  ]) : [];
  return {
    id: 'active-hour',
    title,
    description,
    spec: groupedBars({
      title, description, xField: 'hour', xTitle: 'Hour of the day (local time)', xOrder: hours.map((x) => String(x).padStart(2, '0')),
      yTitle: 'Messages', values,
      series: [{ label: 'Inbound', colour: OKABE_ITO.blue }, { label: 'Outbound', colour: OKABE_ITO.orange }],
    }),
    table: {
      columns: ['Hour (local time)', 'Inbound messages', 'Outbound messages'],
      rows: hours.map((hr) => [formatHour(hr), h.known ? h.inbound[hr] : null, h.known ? h.outbound[hr] : null]),
    },
  };
}

export function hourWeekdayHeatMap(w: Window): Chart {
  const h = hourlyTotals(w);
  let best: { wd: number; hour: number; n: number } | null = null;
  for (let wd = 0; wd < 7; wd++) for (let hr = 0; hr < 24; hr++) {
    const n = h.byWeekday[wd][hr];
    if (n > 0 && (!best || n > best.n)) best = { wd, hour: hr, n };
  }
  const span = formatSpan(w.from, w.to);
  const description = !h.known
    ? `Messages by hour and weekday are not known for ${span}.`
    : best
      ? `Busiest hour of the week from ${span}: ${WEEKDAYS[best.wd]}s ${formatHour(best.hour)} local time, with ${formatCount(best.n)} messages in all.`
      : `No messages from ${span}.`;
  const title = 'Messages by weekday and hour';
  const values = h.known ? WEEKDAYS.flatMap((day, wd) => h.byWeekday[wd].map((n, hour) => ({ weekday: day, hour, messages: n }))) : [];
  return {
    id: 'hour-weekday',
    title,
    description,
    spec: heatMap({ title, description, values, weekdays: WEEKDAYS }),
    table: {
      columns: ['Weekday', ...Array.from({ length: 24 }, (_, hr) => String(hr).padStart(2, '0'))],
      rows: WEEKDAYS.map((day, wd) => [day, ...h.byWeekday[wd].map((n) => (h.known ? n : null))]),
    },
  };
}
