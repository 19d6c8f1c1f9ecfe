// conversation_windows (METRICS.md §5): WhatsApp's 24-hour conversations, derived from messages.
// Per real contact, over its outbound messages that did not fail, in (inserted_at, id) order, a
// message opens a conversation when none is open; one opened at t is open during [t, t + 24 h).
//
// The chain depends on all earlier history, so the results store keeps, per org, how far the
// chain has been computed (`chained_until`) and each contact's latest opening. A run whose
// range starts where the chain ends (the nightly case) continues it from that state and reads
// one day of messages; any other run recomputes the chain from the earliest message still held,
// which is what a full recomputation gives by definition.
import type { Db } from '../db/connect.ts';
import { copyRows } from '../extract/copy.ts';
import { SCOPE_CTES, local, utcText, type Scope } from '../extract/windows.ts';
import { MESSAGE_FAILED } from './message-filters.sql.ts';

export const DAY_US = 24 * 3600 * 1_000_000;

export interface ChainPlan {
  orgId: number;
  /** null: from the earliest message held (full recomputation). */
  from: Date | null;
  to: Date;
  /** Latest opening per contact at `from` (empty for a full recomputation). */
  seed: Map<number, number>;
}

export interface ChainOutcome {
  plan: ChainPlan;
  /** Openings per local day, for every day with at least one. */
  openings: Map<string, number>;
  /** Latest opening per contact at `plan.to`, only where it can still matter (within 24 h). */
  state: Map<number, number>;
}

/** Continue the stored chain when it ends at or before the requested start; otherwise redo it all. */
export function planChain(orgId: number, lo: Date, hi: Date, stored: { chainedUntil: Date; seed: Map<number, number> } | null): ChainPlan {
  if (stored && stored.chainedUntil.getTime() <= lo.getTime()) {
    return { orgId, from: stored.chainedUntil, to: hi, seed: stored.seed };
  }
  const to = stored && stored.chainedUntil.getTime() > hi.getTime() ? stored.chainedUntil : hi;
  return { orgId, from: null, to, seed: new Map() };
}

/** The pure chain step: feed one contact's messages (µs timestamps, in order) from its seed. */
export function chainContact(lastOpenUs: number | undefined, messages: Array<{ us: number; day: string }>, openings: Map<string, number>): number | undefined {
  let last = lastOpenUs;
  for (const m of messages) {
    if (last === undefined || m.us >= last + DAY_US) {
      last = m.us;
      openings.set(m.day, (openings.get(m.day) ?? 0) + 1);
    }
  }
  return last;
}

/**
 * Stream every planned org's chain messages in one ordered query; memory holds one contact's
 * run at a time, not the range. Rows come through COPY: the chain reads every outbound message of
 * the range, and COPY's text lines are several times cheaper to read than row objects.
 */
export async function computeChains(db: Db, scope: Scope, plans: ChainPlan[]): Promise<Map<number, ChainOutcome>> {
  const out = new Map<number, ChainOutcome>();
  if (plans.length === 0) return out;
  for (const p of plans) out.set(p.orgId, { plan: p, openings: new Map(), state: new Map() });
  const anyFull = plans.some((p) => p.from === null);
  const lower = anyFull ? null : new Date(Math.min(...plans.map((p) => p.from!.getTime())));
  const upper = new Date(Math.max(...plans.map((p) => p.to.getTime())));
  const sql = `
    WITH ${SCOPE_CTES},
    ch AS NOT MATERIALIZED (
      SELECT * FROM unnest(CAST(:c_orgs AS bigint[]), CAST(:c_froms AS timestamp[]), CAST(:c_tos AS timestamp[])) AS c(org_id, c_from, c_to)
    )
    SELECT m.organization_id, m.contact_id,
           (extract(epoch FROM m.inserted_at) * 1000000)::bigint,
           ${local('m.inserted_at')}::date - DATE '1970-01-01'
      FROM messages m
      JOIN o ON o.org_id = m.organization_id
      JOIN ch ON ch.org_id = m.organization_id
     WHERE m.flow = 'outbound' AND NOT ${MESSAGE_FAILED}
       AND m.contact_id NOT IN (SELECT id FROM sys)
       ${lower ? 'AND m.inserted_at >= CAST(:c_lo AS timestamp)' : ''}
       AND m.inserted_at < CAST(:c_hi AS timestamp)
       AND (ch.c_from IS NULL OR m.inserted_at >= ch.c_from) AND m.inserted_at < ch.c_to
     ORDER BY m.organization_id, m.contact_id, m.inserted_at, m.id`;
  const bindings: Record<string, unknown> = {
    ...scope.bindings,
    c_orgs: plans.map((p) => p.orgId),
    c_froms: plans.map((p) => (p.from ? utcText(p.from) : null)),
    c_tos: plans.map((p) => utcText(p.to)),
    c_hi: utcText(upper),
  };
  if (lower) bindings.c_lo = utcText(lower);

  const dayLabels = new Map<number, string>();
  const label = (n: number) => {
    let s = dayLabels.get(n);
    if (!s) dayLabels.set(n, (s = new Date(n * 86_400_000).toISOString().slice(0, 10)));
    return s;
  };
  let curOrg = -1;
  let curContact = -1;
  let run: Array<{ us: number; day: string }> = [];
  const flush = () => {
    if (curOrg < 0) return;
    const o = out.get(curOrg)!;
    const last = chainContact(o.plan.seed.get(curContact), run, o.openings);
    if (last !== undefined) o.state.set(curContact, last);
    run = [];
  };
  // COPY takes no parameters: knex inlines the bindings as escaped literals.
  const text = db.raw(sql, bindings).toQuery();
  await copyRows(db, `COPY (${text}) TO STDOUT`, (f) => {
    const org = Number(f[0]);
    const contact = Number(f[1]);
    if (org !== curOrg || contact !== curContact) {
      flush();
      curOrg = org;
      curContact = contact;
    }
    run.push({ us: Number(f[2]), day: label(Number(f[3])) });
  });
  flush();
  // Seeded contacts without messages in the range keep their opening.
  for (const o of out.values()) {
    for (const [c, us] of o.plan.seed) if (!o.state.has(c)) o.state.set(c, us);
    const horizon = o.plan.to.getTime() * 1000 - DAY_US;
    for (const [c, us] of o.state) if (us < horizon) o.state.delete(c);
  }
  return out;
}
