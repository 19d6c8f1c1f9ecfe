// Reading an org's whole history back out of the results store as an OrgReport: the input of
// the exports, the site and the digests. Month and range values follow metrics/period.ts (METRICS.md §6).
import type { Db } from '../db/connect.ts';
import { DAILY_KEYS, type MetricKey } from '../metrics/registry.ts';
import { mostActiveHour, periodRow } from '../metrics/period.ts';
import { localDay, firstOfMonth, lastOfMonth, monthOf } from '../lib/calendar.ts';
import { knownDayCodes } from '../metrics/errors.ts';
import type { DayErrorCodes, DayRow, HourlyRow, OrgInfo, OrgReport, Provenance, Source } from '../metrics/report.ts';
import { readErrorCodes } from './errors.ts';

export async function readOrgReport(store: Db, orgId: number, now: Date): Promise<OrgReport> {
  const o = await store('orgs').where({ org_id: orgId }).first();
  if (!o) throw new Error(`organization ${orgId} is not in the results store`);
  const org: OrgInfo = {
    id: Number(o.org_id),
    shortcode: o.shortcode,
    name: o.name,
    timezone: o.timezone,
    timezoneIsFallback: o.timezone_is_fallback,
    email: o.email,
    bookmarks: o.bookmarks ?? {},
  };
  const valueRows = await store('daily_values')
    .where({ org_id: orgId })
    .orderBy('day')
    .select('day', 'metric', 'value', 'source', 'computed_at', 'late', 'run_id', 'definition_version');
  const hourly: HourlyRow[] = (
    await store('hourly_values').where({ org_id: orgId }).orderBy(['day', 'hour']).select('day', 'hour', 'inbound', 'outbound')
  ).map((h) => ({ date: h.day, hour: Number(h.hour), inbound: Number(h.inbound), outbound: Number(h.outbound) }));
  const hoursByDay = new Map<string, HourlyRow[]>();
  for (const h of hourly) {
    const list = hoursByDay.get(h.date) ?? [];
    list.push(h);
    hoursByDay.set(h.date, list);
  }

  const byDay = new Map<string, DayRow>();
  for (const r of valueRows) {
    let d = byDay.get(r.day);
    if (!d) {
      d = { date: r.day, values: {}, mostActiveHour: null, provenance: {}, utcDayImport: false, lateSnapshot: false };
      byDay.set(r.day, d);
    }
    const key = r.metric as MetricKey;
    d.values[key] = r.value === null ? null : Number(r.value);
    const p: Provenance = { source: r.source as Source, computedAt: new Date(r.computed_at).toISOString(), runId: r.run_id === null ? null : Number(r.run_id), definitionVersion: r.definition_version };
    if (r.late) p.late = true;
    d.provenance[key] = p;
    if (r.source === 'glific_stats') d.utcDayImport = true;
    if (r.late) d.lateSnapshot = true;
  }
  const days = [...byDay.values()].sort((a, b) => a.date.localeCompare(b.date));
  for (const d of days) {
    for (const key of DAILY_KEYS) if (!(key in d.values)) d.values[key] = null;
    d.mostActiveHour = mostActiveHour(hoursByDay.get(d.date) ?? []);
  }

  const stored = await readErrorCodes(store, orgId);
  const errorCodes: DayErrorCodes[] = [];
  for (const d of days) {
    const known = knownDayCodes(d.date, d.values.error_messages, stored.get(d.date) ?? []);
    if (known) errorCodes.push(known);
  }

  const today = localDay(now, org.timezone);
  const periodRows = await store('period_values').where({ org_id: orgId }).select('kind', 'period_from', 'period_to', 'metric', 'value');
  const distinctOf = (kind: string, from: string, to: string) => {
    const out: Partial<Record<MetricKey, number | null>> = {};
    for (const r of periodRows) if (r.kind === kind && r.period_from === from && r.period_to === to) out[r.metric as MetricKey] = r.value === null ? null : Number(r.value);
    return out;
  };
  const derive = (kind: 'month' | 'range', key: string, from: string, to: string) => periodRow(kind, key, from, to, byDay, hoursByDay, distinctOf(kind, from, to), today);
  const months = [...new Set(days.map((d) => monthOf(d.date)))].sort().map((m) => derive('month', m, firstOfMonth(m), lastOfMonth(m)));
  const rangeKeys = new Map<string, [string, string]>();
  for (const r of periodRows) if (r.kind === 'range') rangeKeys.set(`${r.period_from}_${r.period_to}`, [r.period_from, r.period_to]);
  const ranges = [...rangeKeys.entries()].sort().map(([k, [f, t]]) => derive('range', k, f, t));

  let dataCutoff: string | null = null;
  if (days.length) {
    const { rows } = await store.raw<{ rows: Array<{ cutoff: Date }> }>(`SELECT ((?::date + 1)::timestamp AT TIME ZONE ?) AS cutoff`, [days[days.length - 1].date, org.timezone]);
    dataCutoff = rows[0].cutoff.toISOString();
  }
  return { org, dataCutoff, generatedAt: now.toISOString(), days, months, ranges, hourly, errorCodes };
}
