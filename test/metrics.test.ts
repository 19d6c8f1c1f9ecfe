// Every daily key of METRICS.md on small purpose-built fixtures, with hand-computed expectations.
// Timestamps in fixtures are Glific's UTC wall-clock values; comments give the local time.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dayValues, pipeline, type Pipeline } from './support/pipeline.ts';

const NOW = '2026-03-20T00:00:00Z';

describe('daily metrics, Asia/Kolkata (+05:30)', () => {
  let p: Pipeline;
  let ind: { id: number; contactId: number; simulatorContactIds: number[] };
  beforeAll(async () => {
    p = await pipeline('metrics_ind');
    const fx = p.fx;
    ind = await fx.org({ shortcode: 'ind', timezone: 'Asia/Kolkata' });
    // An org in the same zone with traffic at the same instants: none of it may leak into `ind`.
    const other = await fx.org({ shortcode: 'other', timezone: 'Asia/Kolkata' });
    const o1 = await fx.contact(other.id, { insertedAt: '2026-03-10 04:00:00', optinTime: '2026-03-10 04:00:00' });
    for (const t of ['2026-03-09 18:30:00', '2026-03-10 04:30:00', '2026-03-10 05:00:00']) {
      await fx.message(other.id, { contactId: o1, flow: 'inbound', insertedAt: t });
      await fx.message(other.id, { contactId: o1, flow: 'outbound', insertedAt: t, errors: { code: 1 } });
    }
    await fx.conversation(other.id, { conversationId: 'c1', insertedAt: '2026-03-10 04:30:00' });

    const a = await fx.contact(ind.id, { insertedAt: '2026-03-09 18:30:00', optinTime: '2026-03-10 05:00:00' }); // 03-10 00:00:00
    const b = await fx.contact(ind.id, { insertedAt: '2026-03-09 18:29:59.999999', status: 'invalid', optoutTime: '2026-03-11 18:29:59' }); // 03-09 23:59:59.999999
    const c = await fx.contact(ind.id, { insertedAt: '2026-03-08 00:00:00', status: 'blocked', optinTime: '2026-03-09 10:00:00', optoutTime: '2026-03-09 09:00:00' });
    const d = await fx.contact(ind.id, { insertedAt: '2026-03-10 12:00:00', status: 'failed', optinTime: '2026-03-11 04:00:00', optoutTime: '2026-03-11 04:00:00' });

    const msg = (contactId: number, flow: 'inbound' | 'outbound', insertedAt: string, extra: object = {}) => fx.message(ind.id, { contactId, flow, insertedAt, ...extra });
    await msg(b, 'inbound', '2026-03-09 18:29:59.999999'); // 03-09 23:59:59.999999
    await msg(a, 'inbound', '2026-03-09 18:30:00'); // 03-10 00:00
    await msg(a, 'inbound', '2026-03-10 00:00:00'); // 03-10 05:30
    await msg(b, 'inbound', '2026-03-10 18:29:59.999999'); // 03-10 23:59:59.999999
    await msg(a, 'inbound', '2026-03-10 18:30:00'); // 03-11 00:00
    await msg(d, 'inbound', '2026-03-11 02:00:00', { errors: { x: 1 } }); // 03-11 07:30, an error
    await msg(ind.simulatorContactIds[0], 'inbound', '2026-03-10 06:00:00'); // simulator: never counts
    await msg(ind.simulatorContactIds[0], 'outbound', '2026-03-10 06:01:00');
    await msg(a, 'outbound', '2026-03-10 04:30:00'); // 10:00, opens a's window
    await msg(b, 'outbound', '2026-03-10 05:00:00', { isHsm: true }); // 10:30, opens b's window
    await fx.groupMessage(ind.id, { memberContactIds: [a], insertedAt: '2026-03-10 06:30:00' }); // display row + a's copy, 12:00
    await msg(b, 'outbound', '2026-03-10 07:00:00', { errors: 'sql-null' }); // 12:30, not an error
    await msg(b, 'outbound', '2026-03-10 08:00:00', { errors: { code: 1002, message: 'number does not exist' } }); // 13:30, error
    await msg(a, 'outbound', '2026-03-10 08:30:00', { errors: null }); // 14:00, JSON null: not an error
    await msg(a, 'outbound', '2026-03-10 09:00:00', { errors: [] }); // 14:30, []: not an error
    await msg(c, 'outbound', '2026-03-10 10:00:00', { status: 'error', bspStatus: null }); // 15:30, error
    await msg(c, 'outbound', '2026-03-10 11:00:00', { bspStatus: 'error' }); // 16:30, error
    await msg(a, 'outbound', '2026-03-11 04:30:00'); // exactly 24 h after a's opening: opens again (03-11 10:00)
    await msg(b, 'outbound', '2026-03-11 04:59:59.999999'); // 1 µs before b's window closes: does not open

    await fx.conversation(ind.id, { conversationId: 'c1', insertedAt: '2026-03-10 04:30:00' });
    await fx.conversation(ind.id, { conversationId: 'c1', insertedAt: '2026-03-10 20:00:00', messageId: null }); // 03-11 01:30
    await fx.conversation(ind.id, { conversationId: 'c2', insertedAt: '2026-03-10 05:00:00', isBillable: true });

    const f = await fx.flow(ind.id, 'registration');
    const fc = (x: object) => fx.flowContext(ind.id, { flowId: f, ...x } as never);
    await fc({ contactId: a, insertedAt: '2026-03-10 04:30:00', completedAt: '2026-03-10 05:00:00' });
    const fc2 = await fc({ contactId: b, insertedAt: '2026-03-10 05:00:00' });
    await fc({ contactId: a, insertedAt: '2026-03-10 05:00:00', status: 'draft' });
    await fc({ contactId: b, insertedAt: '2026-03-10 05:01:00', parentId: fc2, completedAt: '2026-03-10 05:02:00' });
    await fc({ contactId: c, insertedAt: '2026-03-09 05:00:00', completedAt: '2026-03-11 05:00:00', isKilled: true });
    await fc({ contactId: null, insertedAt: '2026-03-10 06:00:00', completedAt: '2026-03-10 06:05:00' });
    await fc({ contactId: ind.simulatorContactIds[1], insertedAt: '2026-03-10 06:00:00' });
    await fc({ contactId: a, insertedAt: '2026-03-09 18:29:59', completedAt: '2026-03-09 18:30:00' }); // 23:59:59 → 00:00:00

    const s = await p.run({ job: 'range', from: '2026-03-09', to: '2026-03-11' }, NOW);
    expect(s.exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('counts events in the local day, half-open at both midnights', async () => {
    const r = await p.report('ind', NOW);
    expect(dayValues(r, '2026-03-09')).toMatchObject({ new_contacts: 1, active_contacts: 1, inbound_messages: 1, outbound_messages: 0, hsm_messages: 0, error_messages: 0, optins: 1, optouts: 1, most_active_hour: 23 });
    expect(dayValues(r, '2026-03-10')).toMatchObject({ new_contacts: 2, active_contacts: 2, inbound_messages: 3, outbound_messages: 9, hsm_messages: 1, error_messages: 3, optins: 1, optouts: 0, most_active_hour: 10 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ new_contacts: 0, active_contacts: 2, inbound_messages: 2, outbound_messages: 2, hsm_messages: 0, error_messages: 1, optins: 1, optouts: 2, most_active_hour: 10 });
  });

  it('takes snapshots at the end of each day: statuses and the latest opt event (a tie is an opt-in)', async () => {
    const r = await p.report('ind', NOW);
    // The SaaS Admin contact is a real contact (valid, opted in at registration); org and simulator contacts are not.
    expect(dayValues(r, '2026-03-09')).toMatchObject({ total_contacts: 3, valid_contacts: 1, invalid_contacts: 1, blocked_contacts: 1, opted_in_contacts: 2, opted_out_contacts: 0, non_opted_contacts: 1 });
    expect(dayValues(r, '2026-03-10')).toMatchObject({ total_contacts: 5, valid_contacts: 2, invalid_contacts: 2, blocked_contacts: 1, opted_in_contacts: 3, opted_out_contacts: 0, non_opted_contacts: 2 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ total_contacts: 5, valid_contacts: 2, invalid_contacts: 2, blocked_contacts: 1, opted_in_contacts: 4, opted_out_contacts: 1, non_opted_contacts: 0 });
  });

  it('counts flows without drafts, sub-flows, killed completions or simulator runs', async () => {
    const r = await p.report('ind', NOW);
    expect(dayValues(r, '2026-03-09')).toMatchObject({ flows_started: 2, flows_completed: 0, contacts_in_flows: 2 });
    expect(dayValues(r, '2026-03-10')).toMatchObject({ flows_started: 3, flows_completed: 3, contacts_in_flows: 2 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ flows_started: 0, flows_completed: 0, contacts_in_flows: 1 });
  });

  it('counts BSP conversations as distinct ids per day and per period, and derived 24-hour windows', async () => {
    const r = await p.report('ind', NOW);
    expect(dayValues(r, '2026-03-10')).toMatchObject({ conversations: 2, conversation_windows: 2 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ conversations: 1, conversation_windows: 1 });
    expect(dayValues(r, '2026-03-09')).toMatchObject({ conversations: 0, conversation_windows: 0 });
    const range = r.ranges.find((x) => x.key === '2026-03-09_2026-03-11')!;
    expect(range.values).toMatchObject({ conversations: 2, active_contacts: 3, inbound_messages: 6, conversation_windows: 3, total_contacts: 5, opted_out_contacts: 1 });
    expect(range.mostActiveHour).toBe(10);
  });

  it('keeps hourly rows in local hours', async () => {
    const r = await p.report('ind', NOW);
    const h = r.hourly.filter((x) => x.date === '2026-03-10');
    expect(h).toEqual([
      { date: '2026-03-10', hour: 0, inbound: 1, outbound: 0 },
      { date: '2026-03-10', hour: 5, inbound: 1, outbound: 0 },
      { date: '2026-03-10', hour: 10, inbound: 0, outbound: 2 },
      { date: '2026-03-10', hour: 12, inbound: 0, outbound: 2 },
      { date: '2026-03-10', hour: 13, inbound: 0, outbound: 1 },
      { date: '2026-03-10', hour: 14, inbound: 0, outbound: 2 },
      { date: '2026-03-10', hour: 15, inbound: 0, outbound: 1 },
      { date: '2026-03-10', hour: 16, inbound: 0, outbound: 1 },
      { date: '2026-03-10', hour: 23, inbound: 1, outbound: 0 },
    ]);
  });

  it('never mixes two organizations', async () => {
    const r = await p.report('other', NOW);
    expect(dayValues(r, '2026-03-10')).toMatchObject({ inbound_messages: 3, outbound_messages: 3, error_messages: 3, conversation_windows: 0, conversations: 1, new_contacts: 1, total_contacts: 2 });
    expect(dayValues(r, '2026-03-11')).toMatchObject({ inbound_messages: 0, conversations: 0 });
  });

  it('a rerun changes nothing and duplicates nothing', async () => {
    const before = await p.store('daily_values').orderBy(['org_id', 'day', 'metric']).select('org_id', 'day', 'metric', 'value', 'source');
    const hourlyBefore = await p.store('hourly_values').count({ n: '*' });
    const s = await p.run({ job: 'range', from: '2026-03-09', to: '2026-03-11' }, '2026-03-20T06:00:00Z');
    expect(s.exitCode).toBe(0);
    const after = await p.store('daily_values').orderBy(['org_id', 'day', 'metric']).select('org_id', 'day', 'metric', 'value', 'source');
    expect(after).toEqual(before);
    expect(await p.store('hourly_values').count({ n: '*' })).toEqual(hourlyBefore);
  });
});

describe('zones: DST, +05:45 and the NULL fallback', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await pipeline('metrics_zones');
    const fx = p.fx;
    const nyc = await fx.org({ shortcode: 'nyc', timezone: 'America/New_York' });
    const n1 = await fx.contact(nyc.id, { insertedAt: '2026-01-01 00:00:00' });
    // Spring forward on 2026-03-08: the local day is 23 hours, UTC [05:00, 04:00 next day).
    for (const t of ['2026-03-08 04:59:59.999999', '2026-03-08 05:00:00', '2026-03-08 06:59:59', '2026-03-08 07:00:00', '2026-03-09 03:59:59.999999', '2026-03-09 04:00:00']) {
      await fx.message(nyc.id, { contactId: n1, flow: 'inbound', insertedAt: t });
    }
    // Fall back on 2026-11-01: 25 hours, UTC [04:00, 05:00 next day); 01:30 happens twice.
    for (const t of ['2026-11-01 03:59:59', '2026-11-01 04:00:00', '2026-11-01 05:30:00', '2026-11-01 06:30:00', '2026-11-02 04:59:59.999999', '2026-11-02 05:00:00']) {
      await fx.message(nyc.id, { contactId: n1, flow: 'inbound', insertedAt: t });
    }
    const ktm = await fx.org({ shortcode: 'ktm', timezone: 'Asia/Kathmandu' });
    const k1 = await fx.contact(ktm.id, { insertedAt: '2026-01-01 00:00:00' });
    await fx.message(ktm.id, { contactId: k1, flow: 'inbound', insertedAt: '2026-03-09 18:14:59.999999' }); // 03-09 23:59:59.999999
    await fx.message(ktm.id, { contactId: k1, flow: 'inbound', insertedAt: '2026-03-09 18:15:00' }); // 03-10 00:00
    const nul = await fx.org({ shortcode: 'nulltz', timezone: null });
    const u1 = await fx.contact(nul.id, { insertedAt: '2026-01-01 00:00:00' });
    await fx.message(nul.id, { contactId: u1, flow: 'inbound', insertedAt: '2026-03-09 18:29:59' }); // Kolkata 03-09 23:59:59
    await fx.message(nul.id, { contactId: u1, flow: 'inbound', insertedAt: '2026-03-09 18:30:00' }); // Kolkata 03-10 00:00
    expect((await p.run({ job: 'range', from: '2026-03-07', to: '2026-03-10' }, '2026-11-20T00:00:00Z')).exitCode).toBe(0);
    expect((await p.run({ job: 'range', from: '2026-10-31', to: '2026-11-02', orgs: ['nyc'] }, '2026-11-20T00:00:00Z')).exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('spring forward: a 23-hour day, hour 2 empty', async () => {
    const r = await p.report('nyc', '2026-11-20T00:00:00Z');
    expect(dayValues(r, '2026-03-07').inbound_messages).toBe(1);
    expect(dayValues(r, '2026-03-08').inbound_messages).toBe(4);
    expect(dayValues(r, '2026-03-09').inbound_messages).toBe(1);
    expect(r.hourly.filter((h) => h.date === '2026-03-08').map((h) => [h.hour, h.inbound])).toEqual([[0, 1], [1, 1], [3, 1], [23, 1]]);
  });

  it('fall back: a 25-hour day, the repeated hour counted under one number', async () => {
    const r = await p.report('nyc', '2026-11-20T00:00:00Z');
    expect(dayValues(r, '2026-10-31').inbound_messages).toBe(1);
    expect(dayValues(r, '2026-11-01').inbound_messages).toBe(4);
    expect(dayValues(r, '2026-11-02').inbound_messages).toBe(1);
    expect(r.hourly.filter((h) => h.date === '2026-11-01').map((h) => [h.hour, h.inbound])).toEqual([[0, 1], [1, 2], [23, 1]]);
    expect(dayValues(r, '2026-11-01').most_active_hour).toBe(1);
  });

  it('+05:45 and the NULL-timezone fallback to Asia/Kolkata', async () => {
    const k = await p.report('ktm', '2026-11-20T00:00:00Z');
    expect(dayValues(k, '2026-03-09').inbound_messages).toBe(1);
    expect(dayValues(k, '2026-03-10').inbound_messages).toBe(1);
    const n = await p.report('nulltz', '2026-11-20T00:00:00Z');
    expect(n.org.timezone).toBe('Asia/Kolkata');
    expect(n.org.timezoneIsFallback).toBe(true);
    expect(dayValues(n, '2026-03-09').inbound_messages).toBe(1);
    expect(dayValues(n, '2026-03-10').inbound_messages).toBe(1);
  });
});
