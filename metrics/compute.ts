// Every metric family of the registry for a set of orgs and their local days, each computed by
// one set-based run over the whole request (never a query per day or per metric), assembled into
// plain per-org data by copying each family's result columns into the days by key name.
import pLimit from 'p-limit';
import type { Db } from '../db/connect.ts';
import { resolveWindows, type OrgDays, type OrgWindow } from '../extract/windows.ts';
import { addDays, eachDate, localDay } from '../lib/calendar.ts';
import type { PeriodSpec } from './distinct.sql.ts';
import { checkColumns, columnKeys, type ChainStore, type Family, type FamilyContext, type FamilyOutput, type FamilyRow, type KeyDef, type OrgState, type SideTables, type SourceTable } from './family.ts';
import { heldHistory, isPurged, statsDays, SURELY_HELD_DAYS, type Held, type PurgedTable } from './history.sql.ts';
import { FAMILIES, SOURCE_TABLES, type MetricKey } from './registry.ts';

export type { ChainStore } from './family.ts';

export interface ComputedDay {
  day: string;
  /** Raw values (event, distinct and snapshot keys) for the keys that could be counted. */
  values: Partial<Record<MetricKey, number>>;
  /** Values from Glific's `stats` (UTC day) for keys that could not be counted raw. */
  imported: Partial<Record<MetricKey, number>>;
  /** UTC instant the day ended (for the late-snapshot mark). */
  dayEnd: Date | null;
}

/** A month or range of the run: its distinct values are filled by the store, from the days' id sets. */
export interface ComputedPeriod {
  spec: PeriodSpec;
  values: Partial<Record<MetricKey, number>>;
}

export interface OrgComputation extends Partial<OrgState> {
  window: OrgWindow;
  days: ComputedDay[];
  periods: ComputedPeriod[];
  /** The families' side tables, for the countable days of each. */
  tables: SideTables;
  countableFrom: CountableFrom;
}

/**
 * First local day each source table can be counted from, and (`inbound_24h`) the first a key
 * that needs the 24 hours before the day can be counted on (null or absent: no limit).
 */
export type CountableFrom = Record<SourceTable, string | null> & { inbound_24h?: string | null };

export interface ComputeRequest {
  now: Date;
  orgs: OrgDays[];
  periods: PeriodSpec[];
  chains: ChainStore;
  onStage?: (stage: string, ms: number, rows: number) => void;
}

async function timed<T>(name: string, onStage: ComputeRequest['onStage'], fn: () => Promise<T>, rows: (r: T) => number): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  onStage?.(name, Date.now() - t0, rows(r));
  return r;
}

/** Family queries sent to Glific at once. */
export const FAMILY_CONCURRENCY = 2;

/** A day can be counted from a table, or (`inbound_24h`) with the 24 hours before it. */
export function countable(table: keyof CountableFrom, day: string, from: CountableFrom): boolean {
  const f = from[table];
  return f === null || f === undefined || day >= f;
}

/** A key can be counted on a day when its table can, and the 24 hours before the day too if it needs them. */
function keyCountable(family: Family, def: KeyDef, day: string, from: CountableFrom): boolean {
  return countable(def.source ?? family.source, day, from) && (!def.needs24hBefore || countable('inbound_24h', day, from));
}

/** Whether some key of the registry needs the 24 hours before a day. */
const NEEDS_24H = (FAMILIES as readonly Family[]).some((f) => Object.values(f.keys as Record<string, KeyDef>).some((d) => d.needs24hBefore));

/** The first day whose 24 hours before lie within the messages Glific surely still holds. */
const FIRST_SURE_24H = (today: string) => addDays(today, 1 - SURELY_HELD_DAYS.messages);

/**
 * A day can be counted from a table unless it lies before the oldest row the table holds for the
 * org, and outside the period Glific surely keeps (so a young org's quiet days are 0). Likewise
 * for the keys needing the 24 hours before the day, from the oldest inbound message on.
 */
function countableFrom(held: Held | undefined, today: string): CountableFrom {
  const from: CountableFrom = { contacts: null } as CountableFrom;
  const limit = (oldest: string | null | undefined, surely: string) => (!oldest ? null : oldest < surely ? oldest : surely);
  for (const table of Object.keys(SURELY_HELD_DAYS) as PurgedTable[]) from[table] = limit(held?.[table], addDays(today, -SURELY_HELD_DAYS[table]));
  from.inbound_24h = limit(held?.inbound_24h, FIRST_SURE_24H(today));
  return from;
}

/**
 * Copy one family's result into the orgs' days by column name. A countable day gets a value for
 * exactly the keys whose column the result has — its row's, or 0 without a row (a real count of
 * nothing); a declared key without a column is an error, never a silent 0.
 */
export function assembleFamily(family: Family, output: FamilyOutput, orgs: Map<number, OrgComputation>): void {
  checkColumns(family, output.columns);
  const defs = family.keys as Record<string, KeyDef>;
  const copied = columnKeys(family);
  const derived = Object.keys(defs).filter((k) => defs[k].derive);
  const byDay = new Map<string, FamilyRow>();
  for (const r of output.rows) {
    const id = `${r.org_id}|${r.day}`;
    if (byDay.has(id)) throw new Error(`metric family "${family.name}" returned two rows for org ${r.org_id} and day ${r.day}`);
    byDay.set(id, r);
  }
  const known = (v: unknown): v is number | string => v !== null && v !== undefined;

  for (const o of orgs.values()) {
    for (const d of o.days) {
      const values = d.values as Record<string, number>;
      const r = byDay.get(`${o.window.orgId}|${d.day}`);
      if (r?.day_end instanceof Date) d.dayEnd = r.day_end;
      for (const k of copied) {
        if (!keyCountable(family, defs[k], d.day, o.countableFrom)) continue;
        const v = r ? r[k] : 0;
        if (known(v)) values[k] = Number(v);
      }
      for (const k of derived) {
        if (!keyCountable(family, defs[k], d.day, o.countableFrom)) continue;
        const v = defs[k].derive!(values, d.day);
        if (typeof v === 'number' && Number.isFinite(v)) values[k] = v;
      }
    }
  }

  for (const [name, rows] of Object.entries(output.tables ?? {}) as Array<[keyof SideTables, SideTables[keyof SideTables]]>) {
    for (const r of rows) {
      const o = orgs.get(r.org_id);
      if (!o || r.day < o.window.from || r.day > o.window.to || !countable(family.source, r.day, o.countableFrom)) continue;
      (o.tables[name] as Array<typeof r>).push(r);
    }
  }
  for (const [orgId, state] of output.state ?? []) {
    const o = orgs.get(orgId);
    if (o) Object.assign(o, state);
  }
}

export async function computeMetrics(glific: Db, req: ComputeRequest): Promise<Map<number, OrgComputation>> {
  const scope = await resolveWindows(glific, req.orgs);
  const st = req.onStage;
  // Which days Glific still holds only matters, per table, for days older than it surely keeps
  // them: the nightly run (yesterday) skips that query, a rerun of last month reads flow runs only.
  const tables = SOURCE_TABLES.filter(isPurged).filter((t) => scope.windows.some((w) => w.from < addDays(localDay(req.now, w.tz), -SURELY_HELD_DAYS[t])));
  const inbound24h = NEEDS_24H && scope.windows.some((w) => w.from < FIRST_SURE_24H(localDay(req.now, w.tz)));
  // Only the assembly needs it: the families start meanwhile.
  const heldP = tables.length || inbound24h ? timed('history', st, () => heldHistory(glific, scope, tables, inbound24h), (r) => r.length) : Promise.resolve([]);
  heldP.catch(() => undefined); // thrown when awaited below

  const shared = new Map<string, Promise<unknown>>();
  const once = <T>(key: string, make: () => Promise<T>): Promise<T> => {
    if (!shared.has(key)) shared.set(key, make());
    return shared.get(key) as Promise<T>;
  };
  const ctx: FamilyContext = { glific, scope, chains: req.chains, once };
  // Two families at a time (PostgreSQL works one query per core); assembled in registry order,
  // since a derived key may read the keys of families before it.
  const limit = pLimit(FAMILY_CONCURRENCY);
  const families = FAMILIES as readonly Family[];
  const longestFirst = [...families].sort((a, b) => (b.cost ?? 0) - (a.cost ?? 0));
  const started = new Map(longestFirst.map((family) => [family, limit(() => timed(family.name, st, () => family.run(ctx), (r) => r.rows.length))]));
  const results = families.map((family) => started.get(family)!);
  results.forEach((r) => r.catch(() => undefined)); // the first failure is thrown below, in order

  const heldBy = new Map<number, Held>((await heldP).map((h) => [h.org_id, h]));
  const out = new Map<number, OrgComputation>();
  for (const w of scope.windows) {
    const days = eachDate(w.from, w.to).map((day): ComputedDay => ({ day, values: {}, imported: {}, dayEnd: null }));
    out.set(w.orgId, { window: w, days, periods: [], tables: { hourly: [], errors: [], idSets: [] }, countableFrom: countableFrom(heldBy.get(w.orgId), localDay(req.now, w.tz)) });
  }
  for (const spec of req.periods) out.get(spec.orgId)?.periods.push({ spec, values: {} });
  for (const [i, family] of (FAMILIES as readonly Family[]).entries()) assembleFamily(family, await results[i], out);

  const stats = await timed('glific_stats', st, () => statsDays(glific, scope), (r) => r.length);
  const dayIndex = new Map<string, ComputedDay>();
  for (const o of out.values()) for (const d of o.days) dayIndex.set(`${o.window.orgId}|${d.day}`, d);
  for (const s of stats) {
    const d = dayIndex.get(`${s.org_id}|${s.day}`);
    if (!d) continue;
    for (const [k, v] of Object.entries(s.values) as Array<[MetricKey, number]>) {
      if (!(k in d.values)) d.imported[k] = v;
    }
  }
  return out;
}
