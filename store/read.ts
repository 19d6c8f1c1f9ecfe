// Reading an org's whole history back out of the results store as an OrgReport: the input of
// the exports, the site and the digests. Month and range values follow metrics/period.ts (METRICS.md §6).
import type { Db } from '../db/connect.ts';
import { DAILY_KEYS, type MetricKey } from '../metrics/registry.ts';
import { mostActiveHour, periodRow } from '../metrics/period.ts';
import { addDays, localDay, firstOfMonth, lastOfMonth, monthOf, zonedInstant } from '../lib/calendar.ts';
import { knownDayCodes } from '../metrics/errors.ts';
import { errorCodesByDay } from './errors.ts';
import type { DayErrorCodes, DayRow, ErrorCount, HourlyRow, OrgInfo, OrgReport, Provenance, Source } from '../metrics/report.ts';

export async function readOrgReport(store: Db, orgId: number, now: Date): Promise<OrgReport> {
  return (await readOrgReports(store, [orgId], now))[0];
}

/**
 * Several orgs' reports with one query per table for all of them (a run reads every org it
 * stored), in the order asked.
 */
export async function readOrgReports(store: Db, orgIds: number[], now: Date): Promise<OrgReport[]> {
  if (!orgIds.length) return [];
  // One row per day (and provenance) with its values as JSON, not one per value: parsing a row per
  // value (40k for 20 orgs' two months) was most of a nightly run's data files; PostgreSQL groups
  // them in a fraction of that, and a JSON cell is parsed natively.
  const [orgRows, valueRows, hourRows, errorRows, periodRows] = await Promise.all([
    store('orgs').whereIn('org_id', orgIds),
    // computed_at as the ISO text the report carries: parsing 40k dates and printing them again
    // was a fifth of reading a year of reports.
    store('daily_values')
      .whereIn('org_id', orgIds)
      .groupBy(['org_id', 'day', 'source', 'computed_at', 'late', 'run_id', 'definition_version'])
      .orderBy(['org_id', 'day'])
      .select(
        'org_id',
        'day',
        'source',
        store.raw(`to_char(computed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS computed_at`),
        'late',
        'run_id',
        'definition_version',
        store.raw('json_object_agg(metric, value) AS vals'),
      ),
    store('hourly_values')
      .whereIn('org_id', orgIds)
      .groupBy(['org_id', 'day'])
      .orderBy(['org_id', 'day'])
      .select('org_id', 'day', store.raw('json_agg(json_build_array(hour, inbound, outbound) ORDER BY hour) AS hours')),
    store('error_values').whereIn('org_id', orgIds).groupBy(['org_id', 'day']).select('org_id', 'day', store.raw('json_agg(json_build_array(code, count)) AS codes')),
    store('period_values').whereIn('org_id', orgIds).select('org_id', 'kind', 'period_from', 'period_to', 'metric', 'value'),
  ]);
  const byOrg = <T extends { org_id: string | number }>(rows: T[]) => {
    const m = new Map<number, T[]>();
    for (const r of rows) {
      const id = Number(r.org_id);
      const list = m.get(id);
      if (list) list.push(r);
      else m.set(id, [r]);
    }
    return m;
  };
  const orgsById = new Map(orgRows.map((o) => [Number(o.org_id), o]));
  const values = byOrg(valueRows);
  const hours = byOrg(hourRows);
  const errors = byOrg(errorRows);
  const periods = byOrg(periodRows);
  const out: OrgReport[] = [];
  for (const orgId of orgIds) {
    const o = orgsById.get(orgId);
    if (!o) throw new Error(`organization ${orgId} is not in the results store`);
    out.push(assembleReport(o, values.get(orgId) ?? [], hours.get(orgId) ?? [], errorCodesByDay(errors.get(orgId) ?? []), periods.get(orgId) ?? [], now));
  }
  return out;
}

type Row = Record<string, any>;

/** A day's values before its rows are read: every key not known. */
const NO_VALUES = Object.fromEntries(DAILY_KEYS.map((k) => [k, null])) as Record<MetricKey, number | null>;

function assembleReport(o: Row, valueRows: Row[], hourRows: Row[], stored: Map<string, ErrorCount[]>, periodRows: Row[], now: Date): OrgReport {
  const org: OrgInfo = {
    id: Number(o.org_id),
    shortcode: o.shortcode,
    name: o.name,
    timezone: o.timezone,
    timezoneIsFallback: o.timezone_is_fallback,
    email: o.email,
    bookmarks: o.bookmarks ?? {},
  };
  const hourly: HourlyRow[] = [];
  const hoursByDay = new Map<string, HourlyRow[]>();
  for (const r of hourRows) {
    const list: HourlyRow[] = (r.hours as Array<[number, number | string, number | string]>).map(([hour, inbound, outbound]) => ({ date: r.day, hour, inbound: Number(inbound), outbound: Number(outbound) }));
    hoursByDay.set(r.day, list);
    for (const h of list) hourly.push(h);
  }

  const byDay = new Map<string, DayRow>();
  // A run writes one provenance for all its keys of a day: one object per stored group, shared.
  const provenances = new Map<string, Provenance>();
  for (const r of valueRows) {
    let d = byDay.get(r.day);
    if (!d) {
      // Every key present from the start, in one order: the same shape for every day.
      d = { date: r.day, values: { ...NO_VALUES }, mostActiveHour: null, provenance: {}, utcDayImport: false, lateSnapshot: false };
      byDay.set(r.day, d);
    }
    const pk = `${r.source}|${r.computed_at}|${r.run_id}|${r.definition_version}|${r.late ? 1 : 0}`;
    let p = provenances.get(pk);
    if (!p) {
      p = { source: r.source as Source, computedAt: r.computed_at, runId: r.run_id === null ? null : Number(r.run_id), definitionVersion: r.definition_version };
      if (r.late) p.late = true;
      provenances.set(pk, p);
    }
    const vals = r.vals as Record<string, number | string | null>;
    for (const key in vals) {
      const v = vals[key];
      d.values[key as MetricKey] = v === null ? null : Number(v);
      d.provenance[key as MetricKey] = p;
    }
    if (r.source === 'glific_stats') d.utcDayImport = true;
    if (r.late) d.lateSnapshot = true;
  }
  // Provenance keys in the registry's order, whatever order the day's groups came in.
  for (const d of byDay.values()) {
    const p = d.provenance;
    d.provenance = {};
    for (const k of DAILY_KEYS) if (p[k]) d.provenance[k] = p[k];
  }
  const days = [...byDay.values()].sort((a, b) => a.date.localeCompare(b.date));
  for (const d of days) {
    d.mostActiveHour = mostActiveHour(hoursByDay.get(d.date) ?? []);
  }

  const errorCodes: DayErrorCodes[] = [];
  for (const d of days) {
    const known = knownDayCodes(d.date, d.values.error_messages, stored.get(d.date) ?? []);
    if (known) errorCodes.push(known);
  }

  const today = localDay(now, org.timezone);
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

  // The end of the last stored day in the org's zone.
  const dataCutoff = days.length ? zonedInstant(addDays(days[days.length - 1].date, 1), 0, 0, org.timezone).toISOString() : null;
  return { org, dataCutoff, generatedAt: now.toISOString(), days, months, ranges, hourly, errorCodes };
}
