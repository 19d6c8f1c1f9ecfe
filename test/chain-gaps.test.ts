// The derived 24-hour conversation chain, replayed from each contact's last gap of 24 hours or more
// instead of from the first message ever held: the numbers (openings per local day) and the stored
// chain state equal a full recomputation over all history, for a first run, a rerun of a middle day
// and the nightly continuation — with messages exactly 24 h apart, a contact never quiet for 24 h
// over 40 days (longer than every lookback), failed messages and a DST change. The customer-service
// windows that ride on the same pass (windows opened, utility templates inside one) equal theirs
// from every inbound message held, whether a run read the 24 hours before its first day or
// started from the latest inbound messages a checkpoint kept.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { chainContact, DAY_US } from '../metrics/conversation-windows.ts';
import { decodeChainState } from '../lib/chain-state.ts';
import { localDay } from '../lib/calendar.ts';
import { prng } from './support/prng.ts';

const ZONE = 'America/New_York'; // clocks forward on 8 March 2026
const NOW = '2026-03-20T12:00:00Z';
let p: Pipeline;
let orgId: number;
/** Every inbound message and delivered utility template send, as sent (ms; ties broken by order of sending). */
const events: Array<{ contact: number; ms: number; inbound: boolean }> = [];

/** Windows opened and utility sends inside one per local day, from every event (METRICS.md §3a). */
function fullWindows(): { opened: Map<string, number>; utility: Map<string, number> } {
  const opened = new Map<string, number>();
  const utility = new Map<string, number>();
  const add = (m: Map<string, number>, ms: number) => {
    const day = localDay(new Date(ms), ZONE);
    m.set(day, (m.get(day) ?? 0) + 1);
  };
  const byContact = new Map<number, typeof events>();
  for (const e of events) byContact.set(e.contact, [...(byContact.get(e.contact) ?? []), e]);
  for (const list of byContact.values()) {
    // inbound first at an instant, as the pass orders them
    const sorted = list.map((e, i) => ({ ...e, i })).sort((a, b) => a.ms - b.ms || Number(b.inbound) - Number(a.inbound) || a.i - b.i);
    let last: number | undefined;
    for (const e of sorted) {
      if (e.inbound) {
        if (last === undefined || e.ms - last >= DAY_US / 1000) add(opened, e.ms);
        last = e.ms;
      } else if (last !== undefined && e.ms - last < DAY_US / 1000) add(utility, e.ms);
    }
  }
  return { opened, utility };
}

async function storedMetric(metric: string): Promise<Map<string, number>> {
  const rows = await p.store('daily_values').where({ org_id: orgId, metric }).whereNotNull('value').select('day', 'value');
  return new Map(rows.map((r: { day: string; value: string }) => [r.day, Number(r.value)]));
}

/** The stored windows of every computed day equal the full recomputation's. */
async function expectWindows(): Promise<void> {
  const full = fullWindows();
  const opened = await storedMetric('service_windows');
  const utility = await storedMetric('utility_in_window');
  expect(opened.size).toBeGreaterThan(0);
  for (const [day, n] of opened) expect(n, `service_windows ${day}`).toBe(full.opened.get(day) ?? 0);
  for (const [day, n] of utility) expect(n, `utility_in_window ${day}`).toBe(full.utility.get(day) ?? 0);
}

const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

/** Openings per local day and the latest opening per contact, from every counted message held. */
async function fullRecomputation(beforeUs = Infinity): Promise<{ openings: Map<string, number>; last: Map<number, number> }> {
  const rows = (await p.admin.raw(
    `SELECT m.contact_id, (extract(epoch FROM m.inserted_at) * 1000000)::bigint AS us,
            to_char((m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE ?)::date, 'YYYY-MM-DD') AS day
       FROM messages m
      WHERE m.organization_id = ? AND m.flow = 'outbound'
        AND NOT ((m.errors IS NOT NULL AND m.errors NOT IN ('null'::jsonb, '{}'::jsonb, '[]'::jsonb)) OR m.status = 'error' OR m.bsp_status IS NOT DISTINCT FROM 'error')
      ORDER BY m.contact_id, m.inserted_at, m.id`,
    [ZONE, orgId],
  )).rows as Array<{ contact_id: string; us: string; day: string }>;
  const openings = new Map<string, number>();
  const last = new Map<number, number>();
  let i = 0;
  while (i < rows.length) {
    const c = rows[i].contact_id;
    const run: Array<{ us: number; day: string }> = [];
    for (; i < rows.length && rows[i].contact_id === c; i++) if (Number(rows[i].us) < beforeUs) run.push({ us: Number(rows[i].us), day: rows[i].day });
    if (!run.length) continue;
    last.set(Number(c), chainContact(undefined, run, openings)!);
  }
  return { openings, last };
}

async function stored(): Promise<Map<string, number>> {
  const rows = await p.store('daily_values').where({ org_id: orgId, metric: 'conversation_windows' }).select('day', 'value');
  return new Map(rows.map((r: { day: string; value: string }) => [r.day, Number(r.value)]));
}

beforeAll(async () => {
  p = await pipeline('chaingaps');
  const org = await p.fx.org({ shortcode: 'chain', timezone: ZONE });
  orgId = org.id;
  const send = async (contact: number, ms: number, failed = false) =>
    p.fx.message(org.id, { contactId: contact, flow: 'outbound', insertedAt: at(ms), ...(failed ? { errors: { message: 'failed' }, bspStatus: 'error' as const } : {}) });
  const utilityTemplate = await p.fx.template(org.id, { category: 'UTILITY' });
  const sendUtility = async (contact: number, ms: number) => {
    await p.fx.message(org.id, { contactId: contact, flow: 'outbound', insertedAt: at(ms), isHsm: true, templateId: utilityTemplate });
    events.push({ contact, ms, inbound: false });
  };
  const receive = async (contact: number, ms: number) => {
    await p.fx.message(org.id, { contactId: contact, flow: 'inbound', insertedAt: at(ms) });
    events.push({ contact, ms, inbound: true });
  };
  const t = (iso: string) => Date.parse(iso);
  const contact = () => p.fx.contact(org.id, { insertedAt: '2026-01-01 00:00:00' });

  // exactly 24 h apart: every message opens
  const exact = await contact();
  for (let k = 0; k < 25; k++) await send(exact, t('2026-02-20T10:00:00Z') + k * DAY_US / 1000);
  // never quiet for 24 h over 40 days: longer than the longest lookback, replayed from its first message
  const busy = await contact();
  for (let k = 0; k < 50; k++) await send(busy, t('2026-02-01T03:00:00Z') + k * 20 * 3600_000);
  // a failed message inside a gap does not count: the gap stays a gap
  const gapped = await contact();
  for (const [iso, failed] of [['2026-02-27T23:00:00Z', false], ['2026-02-28T12:00:00Z', true], ['2026-02-28T23:00:00Z', false], ['2026-03-04T04:59:59.999Z', false], ['2026-03-05T04:59:59.999Z', false], ['2026-03-05T05:00:00Z', false]] as const) {
    await send(gapped, t(iso), failed);
  }
  // the first message of a lookback falls inside a window opened just before the lookback: only a
  // longer lookback shows where its chain starts (the range starts 2026-03-01T05:00Z, the first
  // lookback 48 hours earlier)
  const straddle = await contact();
  for (const iso of ['2026-02-27T00:00:00Z', '2026-02-27T06:00:00Z', '2026-02-28T01:00:00Z', '2026-02-28T20:00:00Z', '2026-03-01T10:00:00Z']) await send(straddle, t(iso));
  // around the DST change and local midnights
  const dst = await contact();
  for (const iso of ['2026-03-07T04:30:00Z', '2026-03-08T04:29:59Z', '2026-03-08T06:59:00Z', '2026-03-09T03:59:00Z', '2026-03-09T04:30:00Z']) await send(dst, t(iso));
  // a contact writes late on 03-07 and again six hours later, on 03-08: a window open across the
  // day's start (03-08 starts at 05:00Z), so the second message opens none
  const night = await contact();
  await receive(night, t('2026-03-08T04:00:00Z'));
  await receive(night, t('2026-03-08T10:00:00Z'));
  await sendUtility(night, t('2026-03-08T11:00:00Z'));
  // and 30 contacts at random times, writing and being written to
  const rnd = prng(42);
  await receive(await contact(), t('2026-02-04T00:00:00Z')); // the oldest inbound message held
  for (let c = 0; c < 30; c++) {
    const id = await contact();
    let ms = t('2026-02-05T00:00:00Z') + Math.floor(rnd() * 5 * 86_400_000);
    while (ms < t('2026-03-17T05:00:00Z')) {
      const r = rnd();
      if (r < 0.3) await receive(id, ms);
      else if (r < 0.45) await sendUtility(id, ms);
      else await send(id, ms, rnd() < 0.05);
      ms += Math.floor((rnd() < 0.7 ? rnd() * 30 : 20 + rnd() * 60) * 3600_000);
    }
  }
});
afterAll(() => p?.close());

describe('the conversation chain replayed from the last gaps', () => {
  it('a first range run equals a full recomputation, day by day', async () => {
    expect((await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-12' }, NOW)).exitCode).toBe(0);
    const full = await fullRecomputation();
    const got = await stored();
    for (const [day, n] of got) expect(n, day).toBe(full.openings.get(day) ?? 0);
    expect([...got.keys()].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`));
    await expectWindows();
  });

  it('stores the state at the end of every day, equal to a full recomputation up to that instant', async () => {
    const rows = await p.store('chain_checkpoints').where({ org_id: orgId }).orderBy('day');
    expect(rows.map((r: { day: string }) => r.day)).toEqual(Array.from({ length: 12 }, (_, i) => `2026-03-${String(i + 1).padStart(2, '0')}`));
    for (const r of rows as Array<{ day: string; at_us: string; state: Buffer; contacts: number }>) {
      const at = Number(r.at_us);
      const full = await fullRecomputation(at);
      const expected = new Map([...full.last].filter(([, us]) => us >= at - DAY_US));
      expect(decodeChainState(r.state, at), r.day).toEqual(expected);
      expect(r.contacts).toBe(expected.size);
    }
    // the day ends are local midnights, 23 hours apart across the DST change
    const ends = new Map(rows.map((r: { day: string; at_us: string }) => [r.day, Number(r.at_us) / 1000]));
    expect(new Date(ends.get('2026-03-07')!).toISOString()).toBe('2026-03-08T05:00:00.000Z');
    expect(new Date(ends.get('2026-03-08')!).toISOString()).toBe('2026-03-09T04:00:00.000Z');
  });

  it('stores the latest inbound messages at the end of every day, where less than 24 hours old', async () => {
    const rows = await p.store('chain_checkpoints').where({ org_id: orgId }).orderBy('day');
    for (const r of rows as Array<{ day: string; at_us: string; inbound: Buffer }>) {
      const atMs = Number(r.at_us) / 1000;
      const latest = new Map<number, number>();
      for (const e of events) if (e.inbound && e.ms < atMs && e.ms > atMs - DAY_US / 1000) latest.set(e.contact, Math.max(latest.get(e.contact) ?? 0, e.ms * 1000));
      expect(decodeChainState(r.inbound, Number(r.at_us)), r.day).toEqual(latest);
    }
  });

  it('a rerun of a middle day starts from the latest inbound messages of the day before: a tampered checkpoint shows, a missing one is read', async () => {
    const real = await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).first();
    const full = fullWindows();
    try {
      // without the latest inbound messages of 03-07 (the night contact's among them), messages
      // of 03-08 inside windows opened the day before open windows of their own
      await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).update({ inbound: Buffer.alloc(0) });
      expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
      expect((await storedMetric('service_windows')).get('2026-03-08')).toBeGreaterThan(full.opened.get('2026-03-08')!);
      // not kept (a checkpoint of an older version): the 24 hours before are read
      await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).update({ inbound: null });
      expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
      await expectWindows();
    } finally {
      await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).update({ inbound: real.inbound });
    }
    expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
    await expectWindows();
  });

  it('a rerun of a middle day starts from the checkpoint of the day before: a tampered checkpoint shows', async () => {
    const real = await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).first();
    const full = await fullRecomputation();
    try {
      await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).update({ state: Buffer.alloc(0), contacts: 0 });
      expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
      expect((await stored()).get('2026-03-08')).not.toBe(full.openings.get('2026-03-08') ?? 0);
    } finally {
      await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).update({ state: real.state, contacts: real.contacts });
    }
  });

  it('without the checkpoint, a rerun replays from the last gaps and equals it too', async () => {
    const saved = await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).first();
    await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-07' }).del();
    try {
      expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
      expect((await stored()).get('2026-03-08')).toBe((await fullRecomputation()).openings.get('2026-03-08') ?? 0);
    } finally {
      await p.store('chain_checkpoints').insert(saved).onConflict(['org_id', 'day']).merge();
    }
  });

  it('a rerun of a middle day equals it too, and leaves the stored chain where it was', async () => {
    const chain = await p.store('conversation_chains').where({ org_id: orgId }).first();
    const end = await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-12' }).first();
    expect((await p.run({ job: 'daily', date: '2026-03-08' }, NOW)).exitCode).toBe(0);
    const full = await fullRecomputation();
    expect((await stored()).get('2026-03-08')).toBe(full.openings.get('2026-03-08') ?? 0);
    expect(await p.store('conversation_chains').where({ org_id: orgId }).first()).toMatchObject({ chained_until: chain.chained_until });
    expect((await p.store('chain_checkpoints').where({ org_id: orgId, day: '2026-03-12' }).first()).state).toEqual(end.state);
  });

  it('the nightly continuation from the stored state equals it, and so does the state it stores', async () => {
    expect((await p.run({ job: 'daily', date: '2026-03-13' }, NOW)).exitCode).toBe(0);
    const full = await fullRecomputation();
    const got = await stored();
    for (const [day, n] of got) expect(n, day).toBe(full.openings.get(day) ?? 0);
    const chain = await p.store('conversation_chains').where({ org_id: orgId }).first();
    const until = new Date(chain.chained_until).getTime() * 1000;
    // the state where the chain ends is the checkpoint of its last day
    const last = await p.store('chain_checkpoints').where({ org_id: orgId }).orderBy('day', 'desc').first();
    expect(Number(last.at_us)).toBe(until);
    const state = decodeChainState(last.state, until);
    // the contacts whose latest opening can still matter at the chain's end, with the same opening
    const atEnd = await fullRecomputation(until);
    const expected = new Map([...atEnd.last].filter(([, us]) => us >= until - DAY_US));
    expect(new Map([...state].filter(([, us]) => us >= until - DAY_US))).toEqual(expected);
    await expectWindows();
  });

  it('a skipped night continues from where the chain ends, and the night filled in afterwards equals it too', async () => {
    expect((await p.run({ job: 'daily', date: '2026-03-15' }, NOW)).exitCode).toBe(0);
    expect((await p.run({ job: 'daily', date: '2026-03-14' }, NOW)).exitCode).toBe(0);
    expect((await p.run({ job: 'daily', date: '2026-03-16' }, NOW)).exitCode).toBe(0);
    const full = await fullRecomputation();
    const got = await stored();
    expect([...got.keys()].sort().slice(-4)).toEqual(['2026-03-13', '2026-03-14', '2026-03-15', '2026-03-16']);
    for (const [day, n] of got) expect(n, day).toBe(full.openings.get(day) ?? 0);
    await expectWindows();
    const opened = await storedMetric('service_windows');
    expect(opened.get('2026-03-15')! + opened.get('2026-03-16')!).toBeGreaterThan(0);
  });
});
