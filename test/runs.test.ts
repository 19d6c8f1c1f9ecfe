// Runs over time: the conversation chain across run boundaries, history from Glific's stats,
// snapshots kept or recaptured, a read-only Glific role, and daily sums equal to monthly values.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayValues, pipeline, type Pipeline } from './support/pipeline.ts';
import { sql } from './support/databases.ts';
import { withDatabase } from '../db/connect.ts';
import { EVENT_KEYS } from '../metrics/registry.ts';
import { addDays } from '../lib/calendar.ts';

async function resetStore(p: Pipeline) {
  await p.store.raw('TRUNCATE daily_values, period_values, hourly_values, error_values, id_sets, conversation_chains, chain_checkpoints, runs');
}

async function windows(p: Pipeline, days: string[]): Promise<Array<number | null>> {
  const r = await p.report('chain');
  return days.map((d) => dayValues(r, d).conversation_windows);
}

describe('derived conversation windows across runs', () => {
  let p: Pipeline;
  const DAYS = ['2026-03-01', '2026-03-02', '2026-03-03'];
  const NOW = '2026-03-10T00:00:00Z';
  beforeAll(async () => {
    p = await pipeline('chain');
    const org = await p.fx.org({ shortcode: 'chain', timezone: 'Asia/Kolkata' });
    const x = await p.fx.contact(org.id, { insertedAt: '2026-02-01 00:00:00' });
    const y = await p.fx.contact(org.id, { insertedAt: '2026-02-01 00:00:00' });
    const out = (contactId: number, insertedAt: string) => p.fx.message(org.id, { contactId, flow: 'outbound', insertedAt });
    await out(x, '2026-03-01 14:30:00'); // 03-01 20:00 opens
    await out(x, '2026-03-02 13:30:00'); // 23 h later: inside
    await out(x, '2026-03-02 14:30:00'); // exactly 24 h: opens (03-02)
    await out(x, '2026-03-03 14:00:00'); // inside
    await out(x, '2026-03-03 14:30:00'); // opens (03-03)
    await out(y, '2026-03-01 18:00:00'); // 03-01 23:30 opens
    await out(y, '2026-03-01 18:40:00'); // 03-02 00:10: same conversation, across midnight and the run boundary
    await out(y, '2026-03-02 17:59:59'); // inside
    await out(y, '2026-03-02 18:00:00'); // 03-02 23:30 opens
    await p.fx.message(org.id, { contactId: y, flow: 'outbound', insertedAt: '2026-03-03 17:00:00', errors: { code: 1 } }); // failed: never opens
  });
  afterAll(async () => p?.close());

  it('nightly runs, one day at a time, continue the chain from the stored state', async () => {
    for (const d of DAYS) expect((await p.run({ job: 'daily', date: d }, NOW)).exitCode).toBe(0);
    expect(await windows(p, DAYS)).toEqual([2, 2, 1]);
    const chain = await p.store('conversation_chains').first();
    expect(chain.chained_until.toISOString()).toBe('2026-03-03T18:30:00.000Z');
  });

  it('gives what a full recomputation gives', async () => {
    await resetStore(p);
    await p.run({ job: 'range', from: DAYS[0], to: DAYS[2] }, NOW);
    expect(await windows(p, DAYS)).toEqual([2, 2, 1]);
  });

  it('stays right when runs skip a day and then fill it in', async () => {
    await resetStore(p);
    await p.run({ job: 'daily', date: DAYS[0] }, NOW);
    await p.run({ job: 'daily', date: DAYS[2] }, NOW);
    await p.run({ job: 'daily', date: DAYS[1] }, NOW);
    expect(await windows(p, DAYS)).toEqual([2, 2, 1]);
  });
});

describe('history before the raw data, snapshots and provenance', () => {
  let p: Pipeline;
  let contact: number;
  beforeAll(async () => {
    p = await pipeline('history');
    const org = await p.fx.org({ shortcode: 'hist', timezone: 'Asia/Kolkata' });
    contact = await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    await p.fx.message(org.id, { contactId: contact, flow: 'inbound', insertedAt: '2026-03-10 06:00:00' });
    await p.fx.conversation(org.id, { conversationId: 'k1', insertedAt: '2026-03-10 06:00:00' });
    await p.fx.flowContext(org.id, { flowId: await p.fx.flow(org.id, 'f'), contactId: contact, insertedAt: '2026-03-10 06:00:00' });
    // Glific's stats for a UTC day before the oldest message, written twice (a retried job): the later row wins.
    await p.fx.stat(org.id, { period: 'day', date: '2026-03-05', inbound: 7, outbound: 9, hsm: 1, conversations: 3, flows_started: 2, flows_completed: 1, contacts: 4 });
    await p.fx.stat(org.id, { period: 'day', date: '2026-03-05', inbound: 8, outbound: 10, hsm: 2, conversations: 4, flows_started: 3, flows_completed: 2, contacts: 5 });
    await p.fx.stat(org.id, { period: 'hour', date: '2026-03-05', hour: 4, inbound: 100 });
    // Long after those days: they are outside what Glific surely still holds.
    expect((await p.run({ job: 'range', from: '2026-03-05', to: '2026-03-10' }, '2026-06-01T00:00:00Z')).exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('fills days before the oldest message from stats, de-duplicated, marked as UTC-day imports', async () => {
    const r = await p.report('hist', '2026-06-01T00:00:00Z');
    const d5 = r.days.find((d) => d.date === '2026-03-05')!;
    expect(d5.values).toMatchObject({ inbound_messages: 8, outbound_messages: 10, hsm_messages: 2, conversations: 4, flows_started: 3, flows_completed: 2 });
    expect(d5.values.active_contacts).toBeNull();
    expect(d5.values.error_messages).toBeNull();
    expect(d5.provenance.inbound_messages?.source).toBe('glific_stats');
    expect(d5.utcDayImport).toBe(true);
    // Contacts are never purged: counted raw, and raw wins over the import.
    expect(d5.values.new_contacts).toBe(0);
    expect(d5.provenance.new_contacts?.source).toBe('raw');
    // A day without stats and before the raw data stays unknown, not zero.
    expect(r.days.find((d) => d.date === '2026-03-06')!.values.inbound_messages).toBeNull();
    expect(dayValues(r, '2026-03-10')).toMatchObject({ inbound_messages: 1, conversations: 1, flows_started: 1 });
  });

  it('keeps a captured snapshot on rerun unless asked to recapture; marks late captures', async () => {
    let r = await p.report('hist', '2026-06-01T00:00:00Z');
    const d10 = r.days.find((d) => d.date === '2026-03-10')!;
    expect(d10.values.valid_contacts).toBe(2); // with the SaaS Admin contact
    expect(d10.provenance.valid_contacts).toMatchObject({ source: 'snapshot', late: true });
    expect(d10.lateSnapshot).toBe(true);
    await sql(p.db.url, `UPDATE contacts SET status = 'blocked' WHERE id = $1`, [contact]);
    await p.run({ job: 'range', from: '2026-03-10', to: '2026-03-10' }, '2026-06-02T00:00:00Z');
    r = await p.report('hist', '2026-06-02T00:00:00Z');
    expect(dayValues(r, '2026-03-10')).toMatchObject({ valid_contacts: 2, blocked_contacts: 0 });
    await p.run({ job: 'range', from: '2026-03-10', to: '2026-03-10', recapture: true }, '2026-06-02T00:00:00Z');
    r = await p.report('hist', '2026-06-02T00:00:00Z');
    expect(dayValues(r, '2026-03-10')).toMatchObject({ valid_contacts: 1, blocked_contacts: 1 });
  });

  it('a day captured on time is not late', async () => {
    await p.run({ job: 'daily', date: '2026-03-10' }, '2026-03-11T00:00:00Z');
    // the earlier late capture is kept (no recapture), so capture a fresh day instead
    await p.run({ job: 'daily', date: '2026-03-11' }, '2026-03-11T21:00:00Z');
    const r = await p.report('hist', '2026-03-12T00:00:00Z');
    const d11 = r.days.find((d) => d.date === '2026-03-11')!;
    expect(d11.provenance.total_contacts).toMatchObject({ source: 'snapshot' });
    expect(d11.provenance.total_contacts?.late).toBeUndefined();
  });
});

describe('a Glific role that holds only SELECT', () => {
  let p: Pipeline;
  const role = `ro_${Math.random().toString(36).slice(2, 8)}`;
  beforeAll(async () => {
    p = await pipeline('readonly', {
      glificUrl: async (db) => {
        await sql(db.url, `CREATE ROLE ${role} LOGIN PASSWORD 'ro-secret'`);
        await sql(db.url, `GRANT CONNECT ON DATABASE "${db.name}" TO ${role}`);
        await sql(db.url, `GRANT USAGE ON SCHEMA public, global TO ${role}`);
        await sql(db.url, `GRANT SELECT ON ALL TABLES IN SCHEMA public, global TO ${role}`);
        const u = new URL(withDatabase(db.url, db.name));
        u.username = role;
        u.password = 'ro-secret';
        return u.toString();
      },
    });
    const org = await p.fx.org({ shortcode: 'ro', timezone: 'Africa/Nairobi' });
    const c = await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
  });
  afterAll(async () => {
    await p?.close();
    await sql(p.db.url.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`).catch(() => {});
  });

  it('runs the job', async () => {
    const s = await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-03' }, '2026-03-10T00:00:00Z');
    expect(s.orgs).toMatchObject([{ shortcode: 'ro', status: 'succeeded' }]);
    expect(dayValues(await p.report('ro'), '2026-03-02').inbound_messages).toBe(1);
  });

  it('cannot write to Glific, even by mistake', async () => {
    await expect(p.glific.raw(`UPDATE organizations SET name = 'x'`)).rejects.toThrow(/read-only|permission denied/);
  });
});

describe('property: the daily values of a month sum to its monthly value', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await pipeline('property');
  });
  afterAll(async () => p?.close());

  // A small deterministic PRNG: each seed is a different random fixture.
  const rng = (seed: number) => () => ((seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648);

  for (const seed of [1, 2, 3]) {
    it(`seed ${seed}`, async () => {
      const rand = rng(seed);
      const zones = ['Asia/Kolkata', 'America/New_York', 'Asia/Kathmandu', 'Pacific/Chatham'];
      const org = await p.fx.org({ shortcode: `prop${seed}`, timezone: zones[seed % zones.length] });
      const contacts: number[] = [];
      const at = (day: number) => {
        const t = Date.UTC(2026, 1, 27) + day * 86400e3 + Math.floor(rand() * 86400e3);
        return new Date(t).toISOString().replace('T', ' ').replace('Z', '');
      };
      for (let i = 0; i < 12; i++) {
        contacts.push(await p.fx.contact(org.id, { insertedAt: at(Math.floor(rand() * 35)), optinTime: rand() < 0.5 ? at(Math.floor(rand() * 35)) : null, optoutTime: rand() < 0.3 ? at(Math.floor(rand() * 35)) : null }));
      }
      const flow = await p.fx.flow(org.id, 'f');
      // Rows before the month, so that every table holds the whole month (METRICS.md §7).
      await p.fx.message(org.id, { contactId: contacts[0], flow: 'inbound', insertedAt: '2026-02-20 00:00:00' });
      await p.fx.conversation(org.id, { conversationId: 'early', insertedAt: '2026-02-20 00:00:00' });
      await p.fx.flowContext(org.id, { flowId: flow, contactId: contacts[0], insertedAt: '2026-02-20 00:00:00', completedAt: '2026-02-20 00:01:00' });
      for (let i = 0; i < 120; i++) {
        const c = contacts[Math.floor(rand() * contacts.length)];
        const day = Math.floor(rand() * 36);
        await p.fx.message(org.id, { contactId: c, flow: rand() < 0.5 ? 'inbound' : 'outbound', insertedAt: at(day), isHsm: rand() < 0.2, errors: rand() < 0.1 ? { code: 1 } : {} });
        if (rand() < 0.2) await p.fx.conversation(org.id, { conversationId: `cv${Math.floor(rand() * 15)}`, insertedAt: at(day) });
        if (rand() < 0.15) await p.fx.flowContext(org.id, { flowId: flow, contactId: c, insertedAt: at(day), completedAt: rand() < 0.7 ? at(day + 1) : null });
      }
      expect((await p.run({ job: 'monthly', month: '2026-03', orgs: [`prop${seed}`] }, '2026-04-15T00:00:00Z')).exitCode).toBe(0);
      const r = await p.report(`prop${seed}`, '2026-04-15T00:00:00Z');
      const march = r.months.find((m) => m.key === '2026-03')!;
      expect(march.complete).toBe(true);
      const days = r.days.filter((d) => d.date.startsWith('2026-03'));
      expect(days).toHaveLength(31);
      for (const k of EVENT_KEYS) {
        expect(days.every((d) => d.values[k] !== null), k).toBe(true);
        expect(march.values[k], k).toBe(days.reduce((s, d) => s + d.values[k]!, 0));
      }
      // distinct counts over the month are at most the sum of the days and at least the largest day
      for (const k of ['active_contacts', 'conversations'] as const) {
        const vals = days.map((d) => d.values[k] ?? 0);
        expect(march.values[k]!).toBeLessThanOrEqual(vals.reduce((a, b) => a + b, 0));
        expect(march.values[k]!).toBeGreaterThanOrEqual(Math.max(...vals));
      }
      expect(march.values.total_contacts).toBe(days[30].values.total_contacts);
      // and a range run gives the same day values as the monthly run
      const before = days.map((d) => d.values);
      await p.run({ job: 'range', from: '2026-03-01', to: addDays('2026-03-01', 30), orgs: [`prop${seed}`] }, '2026-04-15T00:00:00Z');
      const again = (await p.report(`prop${seed}`, '2026-04-15T00:00:00Z')).days.filter((d) => d.date.startsWith('2026-03')).map((d) => d.values);
      expect(again).toEqual(before);
    });
  }
});
