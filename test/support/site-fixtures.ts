// Hand-made OrgReport data for the site and chart tests and the site benchmark: deterministic,
// plausible numbers, no database.
import type { DayErrorCodes, DayRow, HourlyRow, OrgReport, PeriodRow, Provenance, Values } from '../../metrics/report.ts';
import { DAILY_KEYS, DEFINITION_VERSION, DISTINCT_KEYS, KEYS, STATS_IMPORT, type MetricKey } from '../../metrics/registry.ts';
import { periodValues } from '../../metrics/period.ts';
import { addDays, eachDate, lastOfMonth, firstOfMonth } from '../../lib/calendar.ts';

function rng(seed: number) {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13; s >>>= 0;
    s ^= s >> 17;
    s ^= s << 5; s >>>= 0;
    return s / 0x1_0000_0000;
  };
}

export interface FixtureOptions {
  shortcode: string;
  name: string;
  id?: number;
  timezone?: string;
  timezoneIsFallback?: boolean;
  bookmarks?: Record<string, string>;
  from: string;
  to: string;
  /** Days (inclusive) imported from Glific's stats (UTC days). */
  statsImportUntil?: string;
  /** Days whose snapshot was captured late. */
  lateDays?: string[];
  /** Local date of "today" for month closedness; default the day after `to`. */
  today?: string;
  seed?: number;
  ranges?: Array<[string, string]>;
  /** Override values of chosen days. */
  overrides?: Record<string, Values>;
}

const prov = (source: Provenance['source'], date: string, late = false): Provenance => ({
  source, computedAt: `${addDays(date, 1)}T00:05:00.000Z`, runId: 1, definitionVersion: DEFINITION_VERSION, ...(late ? { late: true } : {}),
});

export function fixtureReport(o: FixtureOptions): OrgReport {
  const rand = rng(o.seed ?? 7);
  const days: DayRow[] = [];
  const hourly: HourlyRow[] = [];
  let total = 400;
  let optedIn = 250;
  let optedOut = 20;
  for (const date of eachDate(o.from, o.to)) {
    const imported = o.statsImportUntil !== undefined && date <= o.statsImportUntil;
    const late = o.lateDays?.includes(date) ?? false;
    const newC = Math.floor(5 + rand() * 20);
    total += newC;
    const ins = Math.floor(rand() * 10);
    const outs = Math.floor(rand() * 3);
    optedIn += ins;
    optedOut += outs;
    const inbound = Math.floor(50 + rand() * 150);
    const outbound = Math.floor(inbound * (1 + rand()));
    const started = Math.floor(10 + rand() * 40);
    const v: Values = {
      new_contacts: newC,
      active_contacts: Math.floor(inbound / 3),
      inbound_messages: inbound,
      outbound_messages: outbound,
      hsm_messages: Math.floor(outbound / 5),
      error_messages: Math.floor(rand() * 5),
      optins: ins,
      optouts: outs,
      flows_started: started,
      flows_completed: Math.floor(started * (0.5 + rand() * 0.4)),
      conversations: Math.floor(inbound / 4),
      conversation_windows: Math.floor(inbound / 3.5),
      total_contacts: total,
      valid_contacts: total - 30,
      invalid_contacts: 20,
      blocked_contacts: 10,
      opted_in_contacts: optedIn,
      opted_out_contacts: optedOut,
      non_opted_contacts: total - optedIn - optedOut,
      contacts_in_flows: Math.floor(5 + rand() * 30),
    };
    // Keys added after these: plausible values by kind, without drawing from rand (the numbers above stay put).
    for (const k of DAILY_KEYS) {
      if (k in v) continue;
      const kind = KEYS[k].kind;
      v[k] = kind === 'snapshot' ? Math.floor(total / 10) : kind === 'distinct' ? Math.floor(inbound / 5) : Math.floor(outbound / 10);
    }
    const provenance: Partial<Record<MetricKey, Provenance>> = {};
    if (imported) {
      // Only the keys Glific's stats table fills; the rest stays unknown (METRICS.md §7).
      for (const k of DAILY_KEYS) if (!(k in STATS_IMPORT)) v[k] = null;
      for (const k of DAILY_KEYS) if (v[k] !== null) provenance[k] = prov('glific_stats', date);
    } else {
      for (const k of DAILY_KEYS) provenance[k] = KEYS[k].kind === 'snapshot' ? prov('snapshot', date, late) : prov('raw', date);
    }
    Object.assign(v, o.overrides?.[date] ?? {});
    days.push({ date, values: v, mostActiveHour: null, provenance, utcDayImport: imported, lateSnapshot: late });
    if (!imported) {
      let left = inbound;
      let leftOut = outbound;
      let best = -1;
      let bestN = -1;
      for (let h = 0; h < 24; h++) {
        const weight = h >= 8 && h <= 20 ? 1.6 : 0.3;
        const i = h === 23 ? Math.min(left, 2) : Math.min(left, Math.floor((inbound / 24) * weight * (0.5 + rand())) + (h === 13 ? Math.max(0, left - Math.floor(inbound / 2)) : 0));
        const ob = h === 23 ? Math.min(leftOut, 2) : Math.min(leftOut, Math.floor((outbound / 24) * weight * (0.5 + rand())));
        left -= i;
        leftOut -= ob;
        if (i + ob > 0) hourly.push({ date, hour: h, inbound: i, outbound: ob });
        if (i + ob > bestN) { best = h; bestN = i + ob; }
      }
      days[days.length - 1].mostActiveHour = best;
    }
  }
  const today = o.today ?? addDays(o.to, 1);
  const months: PeriodRow[] = [];
  const monthKeys = [...new Set(days.map((d) => d.date.slice(0, 7)))];
  for (const key of monthKeys) months.push(periodOf(days, 'month', key, firstOfMonth(key), lastOfMonth(key), today));
  const ranges = (o.ranges ?? []).map(([f, t]) => periodOf(days, 'range', `${f}_${t}`, f, t, today));
  return {
    org: {
      id: o.id ?? 1,
      shortcode: o.shortcode,
      name: o.name,
      timezone: o.timezone ?? 'Asia/Kolkata',
      timezoneIsFallback: o.timezoneIsFallback ?? false,
      email: null,
      bookmarks: o.bookmarks ?? {},
    },
    dataCutoff: `${addDays(o.to, 1)}T00:00:00.000Z`,
    generatedAt: `${addDays(o.to, 1)}T00:10:00.000Z`,
    days,
    months,
    ranges,
    hourly,
    errorCodes: errorCodesOf(days),
  };
}

/** The failures of each counted day under a few common codes, without drawing from rand. */
function errorCodesOf(days: DayRow[]): DayErrorCodes[] {
  const CODES = ['131049', '', '1002', '131026'];
  return days
    .filter((d) => !d.utcDayImport && typeof d.values.error_messages === 'number')
    .map((d) => {
      const counts = new Map<string, number>();
      for (let i = 0; i < (d.values.error_messages as number); i++) counts.set(CODES[i % CODES.length], (counts.get(CODES[i % CODES.length]) ?? 0) + 1);
      return { date: d.date, codes: [...counts].map(([code, count]) => ({ code, count })) };
    });
}

function periodOf(days: DayRow[], kind: 'month' | 'range', key: string, from: string, to: string, today: string): PeriodRow {
  const inside = days.filter((d) => d.date >= from && d.date <= to);
  // Distinct counts over a period are not sums; plausible stand-ins for fixtures.
  const distinct: Partial<Record<MetricKey, number | null>> = {};
  for (const k of DISTINCT_KEYS) {
    const known = inside.map((d) => d.values[k]).filter((x): x is number => x != null);
    distinct[k] = !known.length ? null : k === 'conversations' ? Math.round(known.reduce((a, b) => a + b, 0) * 0.8) : Math.round(Math.max(...known) * 2.5);
  }
  const values = periodValues(inside, distinct);
  return {
    kind, key, from, to, values,
    mostActiveHour: null,
    closed: to < today,
    complete: inside.length === Math.round((Date.parse(to) - Date.parse(from)) / 86_400_000) + 1,
    utcDayImport: inside.some((d) => d.utcDayImport),
    lateSnapshot: inside.some((d) => d.lateSnapshot),
  };
}
