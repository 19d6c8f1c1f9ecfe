// Every metric family for a set of orgs and their local days, computed by set-based queries over
// the whole request (never a query per day or per metric), assembled into plain per-org data.
import type { Db } from '../db/connect.ts';
import { resolveWindows, type OrgDays, type OrgWindow, type Scope } from '../extract/windows.ts';
import { DAILY_KEYS, type MetricKey } from './definitions.ts';
import { messageCounts, type HourRow } from './messages.sql.ts';
import { activeContacts, bspConversations, type PeriodSpec } from './distinct.sql.ts';
import { contactMetrics } from './contacts.sql.ts';
import { flowMetrics } from './flows.sql.ts';
import { heldHistory, statsDays, type Held } from './history.sql.ts';
import { computeChains, planChain, type ChainOutcome } from './conversation-windows.ts';
import { addDays, eachDate, localDay } from '../lib/calendar.ts';

/** Which Glific table each key is counted from: it decides which days can still be counted raw. */
export type Family = 'messages' | 'conversations' | 'flows' | 'contacts';

export const FAMILY: Record<MetricKey, Family> = {
  new_contacts: 'contacts',
  active_contacts: 'messages',
  inbound_messages: 'messages',
  outbound_messages: 'messages',
  hsm_messages: 'messages',
  error_messages: 'messages',
  optins: 'contacts',
  optouts: 'contacts',
  flows_started: 'flows',
  flows_completed: 'flows',
  conversations: 'conversations',
  conversation_windows: 'messages',
  total_contacts: 'contacts',
  valid_contacts: 'contacts',
  invalid_contacts: 'contacts',
  blocked_contacts: 'contacts',
  opted_in_contacts: 'contacts',
  opted_out_contacts: 'contacts',
  non_opted_contacts: 'contacts',
  contacts_in_flows: 'flows',
};

export interface ComputedDay {
  day: string;
  /** Raw values (event, distinct and snapshot keys) for the families that could be counted. */
  values: Partial<Record<MetricKey, number>>;
  /** Values from Glific's `stats` (UTC day) for keys that could not be counted raw. */
  imported: Partial<Record<MetricKey, number>>;
  /** UTC instant the day ended (for the late-snapshot mark). */
  dayEnd: Date | null;
}

export interface ComputedPeriod {
  spec: PeriodSpec;
  values: Partial<Record<MetricKey, number>>;
}

export interface OrgComputation {
  window: OrgWindow;
  days: ComputedDay[];
  hourly: HourRow[];
  periods: ComputedPeriod[];
  chain: ChainOutcome | undefined;
  /** First local day each family can be counted from (null: no limit). */
  countableFrom: Record<Family, string | null>;
}

export interface ChainStore {
  load(orgIds: number[]): Promise<Map<number, { chainedUntil: Date; seed: Map<number, number> }>>;
}

/**
 * Days Glific certainly still holds, whatever the oldest row: its purges delete messages older
 * than 2 months and billing events older than 1 month (weekly), and flow contexts 3 days after
 * they complete (SCHEMA.md §10.2). Kept a little inside those limits.
 */
export const SURELY_HELD_DAYS: Record<Exclude<Family, 'contacts'>, number> = { messages: 56, conversations: 28, flows: 3 };

export interface ComputeRequest {
  now: Date;
  orgs: OrgDays[];
  periods: PeriodSpec[];
  chains: ChainStore;
  onStage?: (stage: string, ms: number, rows: number) => void;
}

async function timed<T extends unknown[] | Map<unknown, unknown>>(name: string, onStage: ComputeRequest['onStage'], fn: () => Promise<T>): Promise<T> {
  const t0 = Date.now();
  const r = await fn();
  onStage?.(name, Date.now() - t0, Array.isArray(r) ? r.length : r.size);
  return r;
}

export function countable(family: Family, day: string, from: Record<Family, string | null>): boolean {
  const f = from[family];
  return f === null || day >= f;
}

export async function computeMetrics(glific: Db, req: ComputeRequest): Promise<Map<number, OrgComputation>> {
  const scope: Scope = await resolveWindows(glific, req.orgs);
  const st = req.onStage;
  // Which days Glific still holds only matters, per table, for days older than it surely keeps
  // them: the nightly run (yesterday) skips that query, a rerun of last month reads flow runs only.
  const tables = (Object.keys(SURELY_HELD_DAYS) as Array<keyof typeof SURELY_HELD_DAYS>).filter((t) =>
    scope.windows.some((w) => w.from < addDays(localDay(req.now, w.tz), -SURELY_HELD_DAYS[t])),
  );
  const held = tables.length ? await timed('history', st, () => heldHistory(glific, scope, tables)) : [];
  const hours = await timed('messages', st, () => messageCounts(glific, scope));
  const active = await timed('active_contacts', st, () => activeContacts(glific, scope, req.periods));
  const convs = await timed('conversations', st, () => bspConversations(glific, scope, req.periods));
  const contacts = await timed('contacts', st, () => contactMetrics(glific, scope));
  const flows = await timed('flows', st, () => flowMetrics(glific, scope));
  const stats = await timed('glific_stats', st, () => statsDays(glific, scope));
  const stored = await req.chains.load(scope.windows.map((w) => w.orgId));
  const plans = scope.windows.map((w) => planChain(w.orgId, w.lo, w.hi, stored.get(w.orgId) ?? null));
  const chains = await timed('conversation_windows', st, () => computeChains(glific, scope, plans));

  const out = new Map<number, OrgComputation>();
  const byDay = new Map<number, Map<string, ComputedDay>>();
  const heldBy = new Map<number, Held>(held.map((h) => [h.org_id, h]));
  for (const w of scope.windows) {
    const h = heldBy.get(w.orgId);
    // A day can be counted from a table unless it lies before the oldest row the table holds
    // for the org, and outside the period Glific surely keeps (so a young org's quiet days are 0).
    const today = localDay(req.now, w.tz);
    const from = (oldest: string | null | undefined, family: Exclude<Family, 'contacts'>) => {
      if (!oldest) return null;
      const surely = addDays(today, -SURELY_HELD_DAYS[family]);
      return oldest < surely ? oldest : surely;
    };
    const countableFrom: Record<Family, string | null> = {
      messages: from(h?.messages_from, 'messages'),
      conversations: from(h?.conversations_from, 'conversations'),
      flows: from(h?.flows_from, 'flows'),
      contacts: null,
    };
    const days = new Map<string, ComputedDay>();
    for (const d of eachDate(w.from, w.to)) {
      const values: Partial<Record<MetricKey, number>> = {};
      // Zero is the right count for a countable day without rows.
      for (const k of DAILY_KEYS) if (countable(FAMILY[k], d, countableFrom)) values[k] = 0;
      days.set(d, { day: d, values, imported: {}, dayEnd: null });
    }
    out.set(w.orgId, { window: w, days: [...days.values()], hourly: [], periods: [], chain: chains.get(w.orgId), countableFrom });
    byDay.set(w.orgId, days);
  }
  const dayOf = (org: number, day: string): ComputedDay | undefined => byDay.get(org)?.get(day);
  const set = (org: number, day: string, key: MetricKey, v: number) => {
    const d = dayOf(org, day);
    if (d && key in d.values) d.values[key] = v;
  };

  for (const r of hours) {
    const o = out.get(r.org_id);
    const d = dayOf(r.org_id, r.day);
    if (!o || !d || !countable('messages', r.day, o.countableFrom)) continue;
    o.hourly.push(r);
    d.values.inbound_messages! += r.inbound;
    d.values.outbound_messages! += r.outbound;
    d.values.hsm_messages! += r.hsm;
    d.values.error_messages! += r.errors;
  }
  for (const [rows, key] of [[active, 'active_contacts'], [convs, 'conversations']] as const) {
    for (const r of rows) {
      if (r.day !== null) set(r.org_id, r.day, key, r.n);
      else if (r.period !== null) {
        const spec = req.periods[r.period];
        const o = out.get(spec.orgId);
        if (!o) continue;
        let p = o.periods.find((x) => x.spec === spec);
        if (!p) o.periods.push((p = { spec, values: {} }));
        p.values[key] = r.n;
      }
    }
  }
  // Periods without any row still have a known value: zero.
  for (const spec of req.periods) {
    const o = out.get(spec.orgId);
    if (!o) continue;
    let p = o.periods.find((x) => x.spec === spec);
    if (!p) o.periods.push((p = { spec, values: {} }));
    if (countable('messages', spec.from, o.countableFrom)) p.values.active_contacts ??= 0;
    if (countable('conversations', spec.from, o.countableFrom)) p.values.conversations ??= 0;
  }
  for (const r of contacts) {
    const d = dayOf(r.org_id, r.day);
    if (!d) continue;
    d.dayEnd = r.day_end;
    for (const k of ['new_contacts', 'optins', 'optouts', 'total_contacts', 'valid_contacts', 'invalid_contacts', 'blocked_contacts', 'opted_in_contacts', 'opted_out_contacts'] as const) {
      d.values[k] = r[k];
    }
    d.values.non_opted_contacts = r.total_contacts - r.opted_in_contacts - r.opted_out_contacts;
  }
  for (const r of flows) {
    set(r.org_id, r.day, 'flows_started', r.flows_started);
    set(r.org_id, r.day, 'flows_completed', r.flows_completed);
    set(r.org_id, r.day, 'contacts_in_flows', r.contacts_in_flows);
  }
  for (const [orgId, c] of chains) {
    for (const [day, n] of c.openings) set(orgId, day, 'conversation_windows', n);
  }
  for (const s of stats) {
    const d = dayOf(s.org_id, s.day);
    if (!d) continue;
    for (const [k, v] of Object.entries(s.values) as Array<[MetricKey, number]>) {
      if (!(k in d.values)) d.imported[k] = v;
    }
  }
  return out;
}
