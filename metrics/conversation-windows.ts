// conversation_windows (METRICS.md §5): WhatsApp's 24-hour conversations, derived from messages.
// Per real contact, over its outbound messages that did not fail, in (inserted_at, id) order, a
// message opens a conversation when none is open; one opened at t is open during [t, t + 24 h).
//
// The chain at an instant depends on earlier messages, but only back to each contact's last gap of
// 24 hours or more: the first counted message after such a gap always opens (any window opened
// before it has closed), so nothing earlier can matter. The results store keeps, per org, how far
// the chain has been computed (`chained_until`) and each contact's latest opening. A run whose
// range starts where the chain ends (the nightly case) continues it from that state and reads one
// day of messages. Any other run replays each contact from its last gap before the range
// (findRestarts): a few days of messages, not the whole history, and the same numbers — unless the
// store holds the chain's state at the end of the day before the range (a checkpoint, kept for
// every computed day), which the run continues like the nightly one: a rerun reads one day.
//
// The same ordered pass carries each contact's inbound messages and its delivered utility template
// sends, for the customer-service windows of the templates family (METRICS.md §3a) and the active
// contacts of each day: one sorted read of the contacts' messages instead of three passes. A window
// depends on the contact's latest inbound message in the 24 hours before: checkpoints keep it too,
// so a run starting from one reads its own days only; any other run reads the 24 hours before.
import type { Db } from '../db/connect.ts';
import { copyIntegerRows } from '../extract/copy.ts';
import { SCOPE_CTES, utcText, type Scope } from '../extract/windows.ts';
import { ChainStateWriter, SortedSeed } from '../lib/chain-state.ts';
import { localDay } from '../lib/calendar.ts';
import { MAX_INT_ID } from '../lib/id-sets.ts';
import { MESSAGE_FAILED, UTILITY_SEND } from './message-filters.sql.ts';

export const DAY_US = 24 * 3600 * 1_000_000;

export interface ChainPlan {
  orgId: number;
  /** Openings are counted from here; `seed` is the chain's state here. */
  from: Date;
  to: Date;
  /** Latest opening per contact at `from` (empty when the chain is replayed). */
  seed: SortedSeed;
  /**
   * Latest inbound message per contact at `from`, where less than 24 hours old; null when not
   * known, and then the 24 hours before the range are read.
   */
  inbound: SortedSeed | null;
  /** No stored state to continue: each contact is replayed from its last 24-hour gap before `from`. */
  restart: boolean;
  /** The stored chain reaches past `to`: its stored state stays as it is. */
  keepState: boolean;
}

export interface ChainOutcome {
  plan: ChainPlan;
  /** Openings per local day from `plan.from` on, for every day with at least one. */
  openings: Map<string, number>;
  /**
   * The state (each contact's latest opening, where it can still matter) at the end of every
   * requested local day: the last one is where the chain now ends, and any one is where a later
   * rerun of the next day starts.
   */
  checkpoints: Map<string, ChainStateWriter>;
  /** At the same day ends, each contact's latest inbound message, where less than 24 hours old. */
  inboundCheckpoints: Map<string, ChainStateWriter>;
  /** Customer-service windows per local day of the requested days (METRICS.md §3a), for every day with one. */
  windows: Map<string, ServiceWindows>;
  /** Per requested local day with any, the real contacts with an inbound message, in increasing order (active_contacts). */
  active: Map<string, IdList>;
}

const fitsBitmap = (id: number) => Number.isInteger(id) && id >= 0 && id <= MAX_INT_ID;

/**
 * Ids collected outside the JavaScript heap: a range run holds millions until it stores them, and
 * as plain arrays they grew the heap (and the process) by a fifth. Four bytes an id while they fit
 * (every id a bitmap can hold), eight from the first that does not.
 */
export class IdList {
  private a: Uint32Array | Float64Array = new Uint32Array(64);
  length = 0;

  push(id: number): void {
    if (this.length === this.a.length || (this.a instanceof Uint32Array && !fitsBitmap(id))) this.grow(id);
    this.a[this.length++] = id;
  }

  private grow(id: number): void {
    const wide = this.a instanceof Float64Array || !fitsBitmap(id);
    const size = this.length === this.a.length ? this.a.length * 2 : this.a.length;
    const next = wide ? new Float64Array(size) : new Uint32Array(size);
    next.set(this.a);
    this.a = next;
  }

  /** Done pushing: keep only the ids pushed (a growing array is up to twice their number). */
  seal(): void {
    if (this.a.length !== this.length) this.a = this.a.slice(0, this.length);
  }

  /** The ids in an array of exactly their number. */
  take(): Uint32Array | Float64Array {
    return this.a.length === this.length ? this.a : this.a.slice(0, this.length);
  }
}

export interface ServiceWindows {
  /** Inbound messages that opened a window: none from the contact in the 24 hours before. */
  opened: number;
  /** Delivered utility template sends less than 24 hours after the contact's latest inbound message. */
  utilityInWindow: number;
}

/** The chain's state at an instant: each contact's latest opening (µs), where it still matters. */
export interface ChainSeed {
  chainedUntil: Date;
  seed: SortedSeed;
  /** Each contact's latest inbound message there, where less than 24 hours old (null: not kept). */
  inbound: SortedSeed | null;
}

/** Where the stored chain ends, and its state there unless that was lost (then it is replayed). */
export interface StoredChain {
  chainedUntil: Date;
  seed: SortedSeed | null;
  inbound: SortedSeed | null;
}

/** The stored chain, with its state, ends at or before `lo`: a run from `lo` continues it. */
export function continuesStored(stored: StoredChain | null | undefined, lo: Date): stored is StoredChain & { seed: SortedSeed } {
  return !!stored?.seed && stored.chainedUntil.getTime() <= lo.getTime();
}

/**
 * Continue the stored chain when it ends at or before the requested start, or the checkpoint taken
 * exactly at the start; otherwise replay from the gaps.
 */
export function planChain(orgId: number, lo: Date, hi: Date, stored: StoredChain | null, checkpoint: ChainSeed | null = null): ChainPlan {
  if (continuesStored(stored, lo)) {
    return { orgId, from: stored.chainedUntil, to: hi, seed: stored.seed, inbound: stored.inbound, restart: false, keepState: false };
  }
  const keepState = !!stored && stored.chainedUntil.getTime() > hi.getTime();
  if (checkpoint && checkpoint.chainedUntil.getTime() === lo.getTime()) {
    return { orgId, from: lo, to: hi, seed: checkpoint.seed, inbound: checkpoint.inbound, restart: false, keepState };
  }
  return { orgId, from: lo, to: hi, seed: new SortedSeed(), inbound: null, restart: true, keepState };
}

/** Lookbacks tried, in days, for contacts whose last gap is not found yet; then their whole history. */
export const RESTART_LOOKBACK_DAYS = [2, 8, 32] as const;

/** Restarts this close before a span are read with it by time; older ones by contact. */
const NEAR_DAYS = 8;

/**
 * Per replayed org, each contact with counted messages shortly before `from`: the instant (µs) of
 * its last message that follows a gap of 24 hours or more, or null when none was found within the
 * longest lookback (that contact is replayed from its first message). Contacts without a counted
 * message in the 24 hours before `from` have no window open there and need no replay.
 */
export async function findRestarts(db: Db, scope: Scope, plans: ChainPlan[]): Promise<Map<number, Map<number, number | null>>> {
  const out = new Map<number, Map<number, number | null>>();
  const replayed = plans.filter((p) => p.restart);
  if (!replayed.length) return out;
  for (const p of replayed) out.set(p.orgId, new Map());
  let open: Array<{ org: number; contact: number }> | null = null;
  for (const days of RESTART_LOOKBACK_DAYS) {
    const sql = `
      WITH ${SCOPE_CTES},
      st AS NOT MATERIALIZED (
        SELECT * FROM unnest(CAST(:s_orgs AS bigint[]), CAST(:s_froms AS timestamp[])) AS s(org_id, c_from)
      ),
      cand AS (
        SELECT m.organization_id AS org_id, m.contact_id, m.inserted_at AS ts, st.c_from,
               lag(m.inserted_at) OVER (PARTITION BY m.organization_id, m.contact_id ORDER BY m.inserted_at, m.id) AS prev
          FROM messages m
          JOIN o ON o.org_id = m.organization_id
          JOIN st ON st.org_id = m.organization_id
         WHERE m.flow = 'outbound' AND NOT ${MESSAGE_FAILED}
           AND m.contact_id NOT IN (SELECT id FROM sys)
           AND m.inserted_at >= CAST(:s_lo AS timestamp) AND m.inserted_at < CAST(:s_hi AS timestamp)
           AND m.inserted_at >= st.c_from - make_interval(days => :s_days) AND m.inserted_at < st.c_from
           ${open ? 'AND (m.organization_id, m.contact_id) IN (SELECT * FROM unnest(CAST(:o_orgs AS bigint[]), CAST(:o_contacts AS bigint[])))' : ''}
      )
      SELECT org_id, contact_id,
             (extract(epoch FROM max(ts) FILTER (WHERE prev IS NOT NULL AND ts - prev >= interval '24 hours')) * 1000000)::bigint AS gap_us,
             (extract(epoch FROM min(ts)) * 1000000)::bigint AS first_us,
             (extract(epoch FROM max(ts)) * 1000000)::bigint AS last_us,
             (extract(epoch FROM min(c_from) - make_interval(days => :s_days)) * 1000000)::bigint AS window_us
        FROM cand GROUP BY org_id, contact_id`;
    const froms = replayed.map((p) => p.from.getTime());
    const bindings: Record<string, unknown> = {
      ...scope.bindings,
      s_orgs: replayed.map((p) => p.orgId),
      s_froms: replayed.map((p) => utcText(p.from)),
      s_lo: utcText(new Date(Math.min(...froms) - days * 86_400_000)),
      s_hi: utcText(new Date(Math.max(...froms))),
      s_days: days,
    };
    if (open) {
      bindings.o_orgs = open.map((x) => x.org);
      bindings.o_contacts = open.map((x) => x.contact);
    }
    const rows = (await db.raw<{ rows: Array<{ org_id: string; contact_id: string; gap_us: string | null; first_us: string; last_us: string; window_us: string }> }>(sql, bindings)).rows;
    const next: Array<{ org: number; contact: number }> = [];
    for (const r of rows) {
      const org = Number(r.org_id);
      const contact = Number(r.contact_id);
      const from = replayed.find((p) => p.orgId === org)!.from.getTime() * 1000;
      // Its last counted message is 24 hours or more before the start: no window open there.
      if (Number(r.last_us) <= from - DAY_US && !open) continue;
      if (r.gap_us !== null) out.get(org)!.set(contact, Number(r.gap_us));
      // The first message of the lookback is 24 hours or more after its start: whatever came before is a gap.
      else if (Number(r.first_us) >= Number(r.window_us) + DAY_US) out.get(org)!.set(contact, Number(r.first_us));
      else next.push({ org, contact });
    }
    open = next;
    if (!open.length) break;
  }
  for (const x of open ?? []) out.get(x.org)!.set(x.contact, null);
  return out;
}

/**
 * The pure chain step: feed one contact's messages (µs timestamps, in order) from its seed; the
 * openings at or after `countFromUs` are counted (earlier ones only rebuild the state).
 */
export function chainContact(
  lastOpenUs: number | undefined,
  messages: Array<{ us: number; day: string }>,
  openings: Map<string, number>,
  countFromUs = -Infinity,
  opened?: (us: number) => void,
  /** Only the first `count` messages (the stream reuses one array for every contact). */
  count = messages.length,
): number | undefined {
  let last = lastOpenUs;
  for (let i = 0; i < count; i++) {
    const m = messages[i];
    if (last === undefined || m.us >= last + DAY_US) {
      last = m.us;
      opened?.(m.us);
      if (m.us >= countFromUs) openings.set(m.day, (openings.get(m.day) ?? 0) + 1);
    }
  }
  return last;
}

/**
 * The end of every local day per org (µs since 1970), as PostgreSQL places it, from the day the
 * org's chain is counted from to its last requested day: the stream's messages are labelled with
 * their local day here rather than converted one by one in the query.
 */
async function dayEnds(db: Db, scope: Scope, plans: ChainPlan[]): Promise<Map<number, Array<{ day: string; endUs: number }>>> {
  const startDay = new Map(plans.map((p) => [p.orgId, p.from]));
  const froms = scope.windows.map((w) => {
    const from = startDay.get(w.orgId);
    return from && from.getTime() < w.lo.getTime() ? localDay(from, w.tz) : w.from;
  });
  const rows = (
    await db.raw<{ rows: Array<{ org_id: string; day: string; end_us: string }> }>(
      `SELECT r.org_id, to_char(d, 'YYYY-MM-DD') AS day,
              (extract(epoch FROM ((d::date + 1)::timestamp AT TIME ZONE r.tz)) * 1000000)::bigint AS end_us
         FROM unnest(CAST(:ids AS bigint[]), CAST(:tzs AS text[]), CAST(:froms AS date[]), CAST(:tos AS date[])) AS r(org_id, tz, d_from, d_to),
              generate_series(r.d_from, r.d_to, interval '1 day') AS d
        ORDER BY 1, 3`,
      { ...scope.bindings, froms },
    )
  ).rows;
  const out = new Map<number, Array<{ day: string; endUs: number }>>();
  for (const r of rows) {
    const list = out.get(Number(r.org_id)) ?? [];
    list.push({ day: r.day, endUs: Number(r.end_us) });
    out.set(Number(r.org_id), list);
  }
  return out;
}

/** The index of the first day end after `us` in ends sorted by endUs (ends.length when none is). */
function firstEndAfter(ends: ReadonlyArray<{ endUs: number }>, us: number): number {
  let lo = 0;
  let hi = ends.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (ends[mid].endUs <= us) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Files one contact's openings (the seed first, all in order) into the checkpoints of the day ends
 * they are part of: an opening at t is the contact's latest opening at every end b with
 * t < b <= t + 24 h (a later opening comes 24 h or more after it), so each end gets it once.
 */
function checkpointContact(ends: Array<{ endUs: number; state: ChainStateWriter }>, contact: number, opened: number[]): void {
  for (const t of opened) {
    for (let i = firstEndAfter(ends, t); i < ends.length && ends[i].endUs <= t + DAY_US; i++) ends[i].state.push(contact, t);
  }
}

/**
 * Files one contact's inbound messages (µs, in order) into the day ends where each is the latest
 * before the end and less than 24 hours old: the ends b with t < b <= the next one's time.
 */
function checkpointInbound(ends: Array<{ endUs: number; inbound: ChainStateWriter }>, contact: number, times: number[]): void {
  if (!times.length) return;
  let j = firstEndAfter(ends, times[0]);
  for (let i = 0; i < times.length && j < ends.length; i++) {
    const t = times[i];
    const next = i + 1 < times.length ? times[i + 1] : Infinity;
    for (; j < ends.length && ends[j].endUs <= next; j++) {
      if (ends[j].endUs - t >= DAY_US) {
        j = firstEndAfter(ends, next);
        break;
      }
      ends[j].inbound.push(contact, t);
    }
  }
}

/** A seed walked beside the contact-ordered stream, and where its contacts the stream skips are filed. */
interface SeedWalk {
  seed: SortedSeed;
  next: number;
  file: (contact: number, us: number) => void;
}

/**
 * Files the seeded contacts before `upTo` (exclusive), which the stream did not bring, and returns
 * the seed of `upTo` itself, if it has one (the stream comes in contact order).
 */
function walkSeedTo(w: SeedWalk, upTo: number): number | undefined {
  const { contacts, opened } = w.seed;
  for (; w.next < contacts.length && contacts[w.next] < upTo; w.next++) w.file(contacts[w.next], opened[w.next]);
  return w.next < contacts.length && contacts[w.next] === upTo ? opened[w.next++] : undefined;
}

/**
 * Stream every planned org's chain messages in one ordered query; memory holds one contact's
 * run at a time, not the range. Rows come through COPY: the chain reads every outbound message of
 * the range, and COPY's text lines, parsed as bytes, are several times cheaper to read than row objects.
 */
export async function computeChains(db: Db, scope: Scope, plans: ChainPlan[]): Promise<Map<number, ChainOutcome>> {
  const out = new Map<number, ChainOutcome>();
  if (plans.length === 0) return out;
  const ends = await dayEnds(db, scope, plans);
  const windowFrom = new Map(scope.windows.map((w) => [w.orgId, w.from]));
  /** Per org, the requested day ends with their checkpoints, and its two seeds as far as walked. */
  const cps = new Map<number, { ends: Array<{ endUs: number; state: ChainStateWriter; inbound: ChainStateWriter }>; chain: SeedWalk; inbound: SeedWalk }>();
  for (const p of plans) {
    const o: ChainOutcome = { plan: p, openings: new Map(), checkpoints: new Map(), inboundCheckpoints: new Map(), windows: new Map(), active: new Map() };
    out.set(p.orgId, o);
    const list = (ends.get(p.orgId) ?? []).filter((e) => e.day >= windowFrom.get(p.orgId)!).map((e) => {
      const state = new ChainStateWriter(e.endUs);
      const inbound = new ChainStateWriter(e.endUs);
      o.checkpoints.set(e.day, state);
      o.inboundCheckpoints.set(e.day, inbound);
      return { endUs: e.endUs, state, inbound };
    });
    cps.set(p.orgId, {
      ends: list,
      // a seeded contact the stream does not bring has its seed as its only opening (inbound message)
      chain: { seed: p.seed, next: 0, file: (contact, us) => checkpointContact(list, contact, [us]) },
      inbound: { seed: p.inbound ?? new SortedSeed(), next: 0, file: (contact, us) => checkpointInbound(list, contact, [us]) },
    });
  }
  const seededBefore = (org: number, upTo: number) => walkSeedTo(cps.get(org)!.chain, upTo);
  const seededInboundBefore = (org: number, upTo: number) => walkSeedTo(cps.get(org)!.inbound, upTo);
  const restarts = await findRestarts(db, scope, plans);
  // Replayed contacts whose chain starts within the last days before the span are read with the
  // span's neighbours by time (one range scan, filtered here); the few whose last gap lies further
  // back, or was not found, through the contact index.
  const all = [...restarts].flatMap(([org, m]) => [...m].map(([contact, us]) => ({ org, contact, us })));
  const spanLo = Math.min(...plans.map((p) => p.from.getTime()));
  const nearLimit = (spanLo - NEAR_DAYS * 86_400_000) * 1000;
  const near = all.filter((r) => r.us !== null && r.us >= nearLimit);
  const nearLo = near.length ? Math.floor(Math.min(...near.map((r) => r.us!)) / 1000) : spanLo;
  const far = all.filter((r) => r.us === null || r.us < nearLo * 1000);
  const upper = new Date(Math.max(...plans.map((p) => p.to.getTime())));
  const counted = `m.flow = 'outbound' AND NOT ${MESSAGE_FAILED} AND m.contact_id NOT IN (SELECT id FROM sys)`;
  const columns = `m.organization_id, m.contact_id, m.inserted_at, m.id`;
  // Only when there are such contacts: an empty ANY(...) would still be planned as a scan.
  const farPart = !far.length ? '' : `UNION ALL
      -- contacts whose chain starts further back: their messages before those days
      SELECT ${columns}, true, 1
        FROM messages m JOIN o ON o.org_id = m.organization_id JOIN far ON far.org_id = m.organization_id AND far.contact_id = m.contact_id
       WHERE m.contact_id = ANY(ARRAY(SELECT contact_id FROM far))
         AND ${counted} AND (far.r_from IS NULL OR m.inserted_at >= far.r_from) AND m.inserted_at < CAST(:c_lo AS timestamp)`;
  // kind: a bit set — 1 a message of the chain, 2 an inbound message, 4 a utility template send
  // that a service window may cover; inbound messages come first at an instant (then by id).
  const sql = `
    WITH ${SCOPE_CTES},
    ch AS NOT MATERIALIZED (
      SELECT * FROM unnest(CAST(:c_orgs AS bigint[]), CAST(:c_froms AS timestamp[]), CAST(:c_tos AS timestamp[]), CAST(:c_ifroms AS timestamp[])) AS c(org_id, c_from, c_to, i_from)
    ),
    far AS MATERIALIZED (
      SELECT * FROM unnest(CAST(:r_orgs AS bigint[]), CAST(:r_contacts AS bigint[]), CAST(:r_froms AS timestamp[])) AS r(org_id, contact_id, r_from)
    ),
    chained AS (
      -- every counted message of the planned spans, and of the days just before them (kept only
      -- from each replayed contact's restart on, below), and the inbound messages from where the
      -- org's stored latest ones end (or 24 hours before its range); a row is one or the other,
      -- so its kind is told by its flow
      SELECT ${columns}, m.flow <> 'inbound' AS later,
             CASE WHEN m.flow = 'inbound' THEN 2 WHEN m.inserted_at >= o.lo AND ${UTILITY_SEND} THEN 5 ELSE 1 END AS kind
        FROM messages m JOIN o ON o.org_id = m.organization_id JOIN ch ON ch.org_id = m.organization_id
       WHERE m.contact_id NOT IN (SELECT id FROM sys)
         AND m.inserted_at >= LEAST(CAST(:c_lo AS timestamp), CAST(:w_lo AS timestamp)) AND m.inserted_at < CAST(:c_hi AS timestamp)
         AND m.inserted_at < ch.c_to
         AND ((${counted} AND m.inserted_at >= LEAST(ch.c_from, CAST(:c_lo AS timestamp)))
              OR (m.flow = 'inbound' AND m.inserted_at >= ch.i_from))
      ${farPart}
    )
    SELECT organization_id, contact_id, (extract(epoch FROM inserted_at) * 1000000)::bigint, kind
      FROM chained
     ORDER BY organization_id, contact_id, inserted_at, later, id`;
  const loOf = new Map(scope.windows.map((w) => [w.orgId, w.lo.getTime()]));
  // With the latest inbound messages stored at the span's start, from there (or 24 hours before
  // the range, when the span starts earlier still); without, from 24 hours before the range.
  const inboundFrom = plans.map((p) => {
    const dayBefore = loOf.get(p.orgId)! - 86_400_000;
    return p.inbound ? Math.max(p.from.getTime(), dayBefore) : dayBefore;
  });
  const bindings: Record<string, unknown> = {
    ...scope.bindings,
    c_orgs: plans.map((p) => p.orgId),
    c_ifroms: inboundFrom.map((ms) => utcText(new Date(ms))),
    c_froms: plans.map((p) => utcText(p.from)),
    c_tos: plans.map((p) => utcText(p.to)),
    c_lo: utcText(new Date(nearLo)),
    w_lo: utcText(new Date(Math.min(...inboundFrom))),
    c_hi: utcText(upper),
    r_orgs: far.map((r) => r.org),
    r_contacts: far.map((r) => r.contact),
    r_froms: far.map((r) => (r.us === null ? null : utcText(new Date(Math.floor(r.us / 1000))))),
  };
  /** A message before its org's span counts only for a replayed contact, from its restart on. */
  const fromUs = new Map(plans.map((p) => [p.orgId, p.from.getTime() * 1000]));
  const keep = (org: number, contact: number, us: number): boolean => {
    if (us >= fromUs.get(org)!) return true;
    const r = restarts.get(org)?.get(contact);
    return r !== undefined && (r === null || us >= r);
  };

  /**
   * The local day of a counted message: the first day of its org that ends after it (the stream
   * ends with the last). A contact's messages come in time order, so the last answer, with the
   * bounds of its day, nearly always is the next one too.
   */
  let lOrg = -1;
  let lLo = 0;
  let lHi = 0;
  let lDay = '';
  const label = (org: number, us: number): string => {
    if (org === lOrg && us >= lLo && us < lHi) return lDay;
    const list = ends.get(org)!;
    const i = Math.min(firstEndAfter(list, us), list.length - 1);
    lOrg = org;
    lDay = list[i].day;
    lLo = i > 0 ? list[i - 1].endUs : -Infinity;
    lHi = i === list.length - 1 ? Infinity : list[i].endUs;
    return lDay;
  };
  const loUs = new Map(scope.windows.map((w) => [w.orgId, w.lo.getTime() * 1000]));
  /** The contact's latest inbound message so far (µs), for its service windows. */
  let lastInbound: number | undefined;
  /** Its inbound messages, the seeded one first, for the checkpoints. */
  const inbounds: number[] = [];
  /** The last day the contact was filed as active on (its messages come in time order). */
  let activeDay = '';
  let wOrg = -1;
  let wDay = '';
  let wLast: ServiceWindows = { opened: 0, utilityInWindow: 0 };
  const windowDay = (org: number, us: number): ServiceWindows => {
    const day = label(org, us);
    if (org === wOrg && day === wDay) return wLast;
    const windows = out.get(org)!.windows;
    let w = windows.get(day);
    if (!w) windows.set(day, (w = { opened: 0, utilityInWindow: 0 }));
    wOrg = org;
    wDay = day;
    wLast = w;
    return w;
  };
  /**
   * An org the stream has passed (it comes in org order): its seeded contacts left are filed, and
   * its checkpoints and active contacts shrink to their size while the stream goes on, rather than
   * all at its end (a range run's peak memory was there).
   */
  const finished = new Set<number>();
  const finishOrg = (org: number) => {
    if (finished.has(org)) return;
    finished.add(org);
    seededBefore(org, Infinity);
    seededInboundBefore(org, Infinity);
    const o = out.get(org)!;
    for (const states of [o.checkpoints, o.inboundCheckpoints]) for (const state of states.values()) state.seal();
    for (const list of o.active.values()) list.seal();
  };
  let curOrg = -1;
  let curContact = -1;
  // One array of message objects for every contact, overwritten in place: millions fewer objects
  // for the garbage collector in a range run.
  const run: Array<{ us: number; day: string }> = [];
  let runLength = 0;
  const opened: number[] = [];
  const onOpen = (us: number) => opened.push(us);
  const flush = () => {
    if (curOrg < 0) return;
    const o = out.get(curOrg)!;
    const seed = seededBefore(curOrg, curContact);
    opened.length = 0;
    if (seed !== undefined) opened.push(seed);
    chainContact(seed, run, o.openings, o.plan.from.getTime() * 1000, onOpen, runLength);
    const c = cps.get(curOrg)!;
    checkpointContact(c.ends, curContact, opened);
    checkpointInbound(c.ends, curContact, inbounds);
    runLength = 0;
  };
  // COPY takes no parameters: knex inlines the bindings as escaped literals.
  const text = db.raw(sql, bindings).toQuery();
  await copyIntegerRows(db, `COPY (${text}) TO STDOUT`, (f) => {
    const org = f[0];
    const contact = f[1];
    if (org !== curOrg || contact !== curContact) {
      flush();
      if (org !== curOrg && curOrg >= 0) finishOrg(curOrg);
      curOrg = org;
      curContact = contact;
      lastInbound = seededInboundBefore(org, contact);
      inbounds.length = 0;
      if (lastInbound !== undefined) inbounds.push(lastInbound);
      activeDay = '';
    }
    const us = f[2];
    const kind = f[3];
    // Messages before the span only rebuild the state: their day is never counted.
    if (kind & 1 && keep(org, contact, us)) {
      const day = us >= fromUs.get(org)! ? label(org, us) : '';
      if (runLength < run.length) {
        run[runLength].us = us;
        run[runLength].day = day;
      } else run.push({ us, day });
      runLength++;
    }
    // An inbound message opens a window when the contact wrote nothing in the 24 hours before
    // (an earlier one at the same instant counts as within them); a utility send is inside one
    // when the latest inbound message is less than 24 hours old. Only the range's days count.
    if (kind & 2) {
      if (us >= loUs.get(org)!) {
        if (lastInbound === undefined || us - lastInbound >= DAY_US) windowDay(org, us).opened++;
        const day = label(org, us);
        if (day !== activeDay) {
          const active = out.get(org)!.active;
          let list = active.get(day);
          if (!list) active.set(day, (list = new IdList()));
          list.push(contact);
          activeDay = day;
        }
      }
      lastInbound = us;
      inbounds.push(us);
    }
    if (kind & 4 && lastInbound !== undefined && us - lastInbound < DAY_US) windowDay(org, us).utilityInWindow++;
  });
  flush();
  for (const org of out.keys()) finishOrg(org);
  return out;
}
