// The few chart shapes the reports use, as Vega-Lite spec builders. Specs hold their data
// inline (`data.values`) and the window bounds as top-level params, so the renderer can compile a
// shape once and feed it new data (charts/render.ts).
import type { VegaLiteSpec } from './types.ts';
import { daysBetween, toUtcMs } from '../lib/calendar.ts';
import { DASHES, SEQUENTIAL_SCHEME } from './palette.ts';

export interface Series {
  label: string;
  colour: string;
}

export interface LongRow {
  [field: string]: string | number | null;
}

const WIDTH = 420;

function colourScale(series: Series[]) {
  return { domain: series.map((s) => s.label), range: series.map((s) => s.colour) };
}

interface DailyOptions {
  title: string;
  description: string;
  yTitle: string;
  series: Series[];
  from: string;
  to: string;
  values: LongRow[];
}

/**
 * What every chart over local dates shares: the window [from, to] as params (fixed even when days
 * are missing), and an x axis of UTC midnights standing for local dates — UTC time units and
 * scale keep the server's zone out of the axis. `extraDay`: bars need room for the last day.
 */
function dailyFrame(o: DailyOptions, extraDay: boolean) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    description: o.description,
    width: WIDTH,
    height: 180,
    params: [
      { name: 'x_from', value: toUtcMs(o.from) },
      { name: 'x_to', value: toUtcMs(o.to) },
    ],
    data: { values: o.values },
    x: {
      field: 'date', type: 'temporal', timeUnit: 'utcyearmonthdate', title: null,
      scale: { type: 'utc', domain: [{ expr: 'x_from' }, { expr: extraDay ? 'x_to + 86400000' : 'x_to' }] },
      axis: { format: '%d %b', labelOverlap: 'greedy', labelAngle: 0, tickCount: 6 },
    },
  };
}

/**
 * Windows longer than this draw their lines without a marker on every day: a year's 365 markers
 * per series, a pixel apart, only thicken the line (and were most of a range page's drawing time
 * and bytes). Days that have no known neighbour keep their marker, or they would not show at all.
 */
export const DENSE_DAYS = 92;

/** One line per series over local dates. */
export function dailyLines(o: DailyOptions & { percent?: boolean }): VegaLiteSpec {
  const { x, ...frame } = dailyFrame(o, false);
  const encoding = {
    x,
    y: {
      field: 'value', type: 'quantitative', title: o.yTitle,
      axis: o.percent ? { format: '.0%' } : { format: ',d', tickMinStep: 1 },
      scale: o.percent ? { domain: [0, 1] } : { zero: true },
    },
    color: { field: 'series', type: 'nominal', title: null, scale: colourScale(o.series), sort: o.series.map((s) => s.label), legend: { symbolType: 'stroke' } },
    strokeDash: {
      field: 'series', type: 'nominal', title: null,
      scale: { domain: o.series.map((s) => s.label), range: o.series.map((_, i) => DASHES[i % DASHES.length]) },
    },
  };
  if (daysBetween(o.from, o.to) + 1 <= DENSE_DAYS) {
    return { ...frame, mark: { type: 'line', point: { size: 18 }, strokeWidth: 2 }, encoding } as VegaLiteSpec;
  }
  return {
    ...frame,
    data: { values: markLoneDays(o.values) },
    encoding,
    layer: [
      { mark: { type: 'line', strokeWidth: 2 } },
      { transform: [{ filter: 'datum.lone' }], mark: { type: 'point', filled: true, size: 18, opacity: 1 } },
    ],
  } as VegaLiteSpec;
}

/** The rows with `lone` set on each known value whose series has no known value the day before or after. */
function markLoneDays(values: LongRow[]): LongRow[] {
  const dayOf = (date: unknown) => toUtcMs(String(date)) / 86_400_000;
  const known = new Set<string>();
  for (const r of values) if (r.value !== null && r.value !== undefined) known.add(`${r.series}|${dayOf(r.date)}`);
  return values.map((r) => {
    const day = dayOf(r.date);
    const lone = known.has(`${r.series}|${day}`) && !known.has(`${r.series}|${day - 1}`) && !known.has(`${r.series}|${day + 1}`);
    return { ...r, lone: lone ? 1 : 0 };
  });
}

/** Bars per local date, the series stacked in order. */
export function dailyStackedBars(o: DailyOptions): VegaLiteSpec {
  const order = o.series.map((s) => s.label);
  const { x, ...frame } = dailyFrame(o, true);
  return {
    ...frame,
    // The stack order is the series order, bottom first: an index field, not the label's spelling.
    transform: [{ calculate: `indexof(${JSON.stringify(order)}, datum.series)`, as: 'series_order' }],
    mark: { type: 'bar' },
    encoding: {
      x,
      y: { field: 'value', type: 'quantitative', title: o.yTitle, stack: 'zero', axis: { format: ',d', tickMinStep: 1 } },
      color: { field: 'series', type: 'nominal', title: null, scale: colourScale(o.series), sort: order },
      order: { field: 'series_order', type: 'quantitative' },
    },
  } as VegaLiteSpec;
}

/** Side-by-side bars per ordinal category (hours, months), one bar per series. */
export function groupedBars(o: { title: string; description: string; xField: string; xTitle: string; xOrder: string[]; yTitle: string; series: Series[]; values: LongRow[]; width?: number }): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    description: o.description,
    width: o.width ?? WIDTH,
    height: 180,
    data: { values: o.values },
    mark: { type: 'bar' },
    encoding: {
      x: { field: o.xField, type: 'ordinal', title: o.xTitle, sort: o.xOrder, axis: { labelAngle: 0, labelOverlap: 'greedy' } },
      xOffset: { field: 'series', type: 'nominal', sort: o.series.map((s) => s.label) },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, axis: { format: ',d', tickMinStep: 1 } },
      color: { field: 'series', type: 'nominal', title: null, scale: colourScale(o.series), sort: o.series.map((s) => s.label) },
    },
  } as VegaLiteSpec;
}

/** Horizontal bars, one per category, with the value written at the end of each bar. */
export function labelledBars(o: { title: string; description: string; series: Series[]; values: LongRow[]; xTitle: string }): VegaLiteSpec {
  const order = o.series.map((s) => s.label);
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    description: o.description,
    width: WIDTH - 60,
    height: { step: 26 },
    data: { values: o.values },
    encoding: {
      y: { field: 'series', type: 'nominal', sort: order, title: null },
      x: { field: 'value', type: 'quantitative', title: o.xTitle, axis: { format: ',d', tickMinStep: 1 }, scale: { zero: true } },
    },
    layer: [
      { mark: { type: 'bar' }, encoding: { color: { field: 'series', type: 'nominal', legend: null, scale: colourScale(o.series) } } },
      { mark: { type: 'text', align: 'left', dx: 4 }, encoding: { text: { field: 'value', type: 'quantitative', format: ',d' } } },
    ],
  } as VegaLiteSpec;
}

/** Hour (x) by weekday (y) grid, colour = messages. */
export function heatMap(o: { title: string; description: string; values: LongRow[]; weekdays: string[] }): VegaLiteSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: o.title,
    description: o.description,
    width: WIDTH,
    height: { step: 20 },
    data: { values: o.values },
    mark: { type: 'rect' },
    encoding: {
      x: { field: 'hour', type: 'ordinal', title: 'Hour of the day (local time)', sort: Array.from({ length: 24 }, (_, h) => h), axis: { labelAngle: 0, values: [0, 3, 6, 9, 12, 15, 18, 21] } },
      y: { field: 'weekday', type: 'ordinal', title: null, sort: o.weekdays },
      color: { field: 'messages', type: 'quantitative', title: 'Messages', scale: { scheme: SEQUENTIAL_SCHEME }, legend: { orient: 'right', format: ',d', gradientLength: 120 } },
    },
  } as VegaLiteSpec;
}
