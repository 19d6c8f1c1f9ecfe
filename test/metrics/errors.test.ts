// Error codes (METRICS.md §3b) on a purpose-built Glific fixture, hand-computed: which code each
// failure carries, that a day's codes add up to its error_messages, that the store keeps one row
// per day and code across reruns, and that days Glific no longer holds are never counted as 0.
// Timestamps are Glific's UTC wall-clock values; comments give the local time (Asia/Kolkata).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failedSend, refusedSend, erroredSend } from '../../demo/glific/fixture.ts';
import { generateGlificData } from '../../demo/glific/generate.ts';
import { periodErrorCodes, sumErrorCodes } from '../../metrics/errors.ts';
import { errorsCsv } from '../../publish/exports.ts';
import { dayValues, pipeline, type Pipeline } from '../support/pipeline.ts';

const NOW = '2026-03-20T00:00:00Z';

describe('error codes per local day', () => {
  let p: Pipeline;
  let org: { id: number; simulatorContactIds: number[] };
  let a: number;
  let retried: number;
  const stored = async () =>
    (await p.store('error_values').where({ org_id: org.id }).orderBy(['day', 'code']).select('day', 'code', 'count')).map((r) => [r.day, r.code, Number(r.count)]);

  beforeAll(async () => {
    p = await pipeline('errors');
    const fx = p.fx;
    org = await fx.org({ shortcode: 'err', timezone: 'Asia/Kolkata' });
    const other = await fx.org({ shortcode: 'other', timezone: 'Asia/Kolkata' });
    a = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    const o1 = await fx.contact(other.id, { insertedAt: '2026-03-01 00:00:00' });
    const out = (insertedAt: string, extra: object = {}, contactId = a) => fx.message(org.id, { contactId, flow: 'outbound', insertedAt, ...extra });

    await out('2026-03-10 04:30:00', failedSend(131049)); // 10:00
    retried = await out('2026-03-10 04:31:00', failedSend(131049));
    await out('2026-03-10 05:00:00', failedSend(131026));
    await out('2026-03-10 05:30:00', refusedSend('Invalid Destination')); // no code
    await out('2026-03-10 06:00:00', refusedSend('Insufficient balance', 1003)); // top-level code
    await out('2026-03-10 06:30:00', erroredSend()); // status 'error', errors {}: no code
    await out('2026-03-10 07:00:00', failedSend(null, null)); // a failed event without a code
    await out('2026-03-10 07:30:00', { bspStatus: 'error', errors: { payload: { payload: { code: 131047 } }, code: 5 } }); // the event's code wins
    await out('2026-03-10 08:00:00', { errors: {} }); // {}: not a failure
    await out('2026-03-10 08:30:00', { errors: null }); // JSON null: not a failure
    await out('2026-03-10 18:29:59.999999', failedSend(1002)); // 23:59:59.999999 on 03-10
    await out('2026-03-10 18:30:00', failedSend(1002)); // 00:00 on 03-11
    await fx.message(org.id, { contactId: a, flow: 'inbound', insertedAt: '2026-03-09 10:00:00' }); // 03-09: no failure
    await out('2026-03-10 09:00:00', failedSend(131049), org.simulatorContactIds[0]); // simulator: never counts
    await fx.message(other.id, { contactId: o1, flow: 'outbound', insertedAt: '2026-03-10 04:30:00', ...failedSend(131049) }); // another org

    expect((await p.run({ job: 'range', from: '2026-03-09', to: '2026-03-11' }, NOW)).exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('counts each failure under its code, the event code first, then a top-level code, else none', async () => {
    expect(await stored()).toEqual([
      ['2026-03-10', '', 3],
      ['2026-03-10', '1002', 1],
      ['2026-03-10', '1003', 1],
      ['2026-03-10', '131026', 1],
      ['2026-03-10', '131047', 1],
      ['2026-03-10', '131049', 2],
      ['2026-03-11', '1002', 1],
    ]);
  });

  it('adds up, for every day, to error_messages; a day without failures has no codes but a known breakdown', async () => {
    const r = await p.report('err', NOW);
    for (const date of ['2026-03-09', '2026-03-10', '2026-03-11']) {
      const codes = periodErrorCodes(r, date, date);
      expect(codes, date).not.toBeNull();
      expect(codes!.reduce((s, c) => s + c.count, 0), date).toBe(dayValues(r, date).error_messages);
    }
    expect(dayValues(r, '2026-03-10').error_messages).toBe(9);
    expect(periodErrorCodes(r, '2026-03-09', '2026-03-09')).toEqual([]);
    // A period sums per code, most frequent first (ties by code).
    expect(periodErrorCodes(r, '2026-03-09', '2026-03-11')).toEqual([
      { code: '', count: 3 },
      { code: '1002', count: 2 },
      { code: '131049', count: 2 },
      { code: '1003', count: 1 },
      { code: '131026', count: 1 },
      { code: '131047', count: 1 },
    ]);
    // No day of the period computed: not known, never an empty breakdown.
    expect(periodErrorCodes(r, '2026-02-01', '2026-02-28')).toBeNull();
    expect(periodErrorCodes(r, '2026-02-01', '2026-02-01')).toBeNull();
    // A day alone is its own codes, most frequent first, as a period of one day would sum them;
    // and a copy: changing it changes nothing of the report.
    const day = periodErrorCodes(r, '2026-03-10', '2026-03-10')!;
    expect(day).toEqual(sumErrorCodes([r.errorCodes!.find((d) => d.date === '2026-03-10')!.codes]));
    expect(day.map((c) => c.count)).toEqual([3, 2, 1, 1, 1, 1]);
    day[0].count = 99;
    day.pop();
    expect(periodErrorCodes(r, '2026-03-10', '2026-03-10')).toHaveLength(6);
    expect(periodErrorCodes(r, '2026-03-10', '2026-03-10')![0].count).toBe(3);
  });

  it('exports errors.csv: one row per day and code, codes in text order, CRLF', async () => {
    const r = await p.report('err', NOW);
    expect(errorsCsv(r)).toBe(
      ['date,code,count', '2026-03-10,,3', '2026-03-10,1002,1', '2026-03-10,1003,1', '2026-03-10,131026,1', '2026-03-10,131047,1', '2026-03-10,131049,2', '2026-03-11,1002,1', ''].join('\r\n'),
    );
  });

  it('replaces a rerun day’s codes as a whole, never duplicates, and keeps the days it did not compute', async () => {
    expect((await p.run({ job: 'range', from: '2026-03-09', to: '2026-03-11' }, NOW)).exitCode).toBe(0);
    const before = await stored();
    expect(before).toHaveLength(7);
    // The second 131049 send is now known to have failed with 131026, and 03-11's failure is gone.
    await p.admin.raw(`UPDATE messages SET errors = ?::jsonb WHERE id = ?`, [JSON.stringify({ payload: { type: 'failed', payload: { code: 131026 } } }), retried]);
    expect((await p.run({ job: 'range', from: '2026-03-10', to: '2026-03-10' }, NOW)).exitCode).toBe(0);
    expect(await stored()).toEqual([
      ['2026-03-10', '', 3],
      ['2026-03-10', '1002', 1],
      ['2026-03-10', '1003', 1],
      ['2026-03-10', '131026', 2],
      ['2026-03-10', '131047', 1],
      ['2026-03-10', '131049', 1],
      ['2026-03-11', '1002', 1],
    ]);
    // The run ids say which run wrote each day.
    const runs = await p.store('error_values').where({ org_id: org.id }).distinct('day', 'run_id').orderBy('day');
    expect(runs).toHaveLength(2);
    expect(Number(runs[0].run_id)).toBeGreaterThan(Number(runs[1].run_id));
  });

  it('never counts days Glific no longer holds: their stored codes stay, unknown days stay unknown', async () => {
    // Glific purged everything before May; the org has written since.
    await p.admin.raw(`DELETE FROM messages WHERE organization_id = ? AND inserted_at < '2026-05-01'`, [org.id]);
    await p.fx.message(org.id, { contactId: a, flow: 'outbound', insertedAt: '2026-05-20 04:30:00', ...failedSend(131048) });
    const later = '2026-06-01T00:00:00Z';
    const before = await stored();
    expect((await p.run({ job: 'range', from: '2026-03-08', to: '2026-03-11' }, later)).exitCode).toBe(0);
    expect(await stored()).toEqual(before);
    const r = await p.report('err', later);
    expect(dayValues(r, '2026-03-08').error_messages).toBeNull();
    expect(periodErrorCodes(r, '2026-03-08', '2026-03-08')).toBeNull();
    expect(periodErrorCodes(r, '2026-03-08', '2026-03-10')).toBeNull();
    expect(periodErrorCodes(r, '2026-03-10', '2026-03-11')).toEqual(expect.arrayContaining([{ code: '131026', count: 2 }]));
  });

  it('does not trust days stored before codes were: failures without codes are not a breakdown', async () => {
    await p.store('error_values').where({ org_id: org.id, day: '2026-03-11' }).del();
    const r = await p.report('err', '2026-06-01T00:00:00Z');
    expect(dayValues(r, '2026-03-11').error_messages).toBe(1);
    expect(periodErrorCodes(r, '2026-03-11', '2026-03-11')).toBeNull();
    expect(errorsCsv(r)).not.toContain('2026-03-11');
  });
});

describe('error codes on generated data', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await pipeline('errors_gen');
    // Every failure shape Glific stores: BSP events with and without a code, refused sends with
    // and without a top-level code, status 'error' rows (demo/glific/delivery.ts).
    await generateGlificData(p.admin, { seed: 11, orgs: 3, contactsPerOrg: 60, days: 10, messagesPerDay: 150, endDate: '2026-10-10', statsDays: 3 });
    expect((await p.run({ job: 'range', from: '2026-10-01', to: '2026-10-10' }, '2026-10-12T00:00:00Z')).exitCode).toBe(0);
  });
  afterAll(async () => p?.close());

  it('stores exactly what a plain per-message count gives, and every day adds up to error_messages', async () => {
    // The same definition written differently: per message, its local date, no hourly grouping.
    const expected = (
      await p.admin.raw(`
        SELECT org_id, day, code, count(*)::int AS count FROM (
          SELECT m.organization_id::int AS org_id,
                 ((m.inserted_at AT TIME ZONE 'UTC') AT TIME ZONE coalesce(o.timezone, 'Asia/Kolkata'))::date::text AS day,
                 coalesce(m.errors #>> '{payload,payload,code}', m.errors ->> 'code', '') AS code
            FROM messages m JOIN organizations o ON o.id = m.organization_id JOIN contacts c ON c.id = m.contact_id
           WHERE ((m.errors IS NOT NULL AND m.errors NOT IN ('null'::jsonb, '{}'::jsonb, '[]'::jsonb)) OR m.status = 'error' OR m.bsp_status = 'error')
             AND m.contact_id IS DISTINCT FROM o.contact_id AND c.phone NOT LIKE '9876543210%'
             AND o.id IN (SELECT org_id FROM glific_reports.orgs)) f
         WHERE day BETWEEN '2026-10-01' AND '2026-10-10'
         GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`)
    ).rows;
    const got = (await p.store('error_values').orderBy(['org_id', 'day', 'code']).select('org_id', 'day', 'code', 'count')).map((r) => ({ ...r, org_id: Number(r.org_id), count: Number(r.count) }));
    expect(expected.length).toBeGreaterThan(20);
    expect(expected.some((r: { code: string }) => r.code === '')).toBe(true);
    expect(expected.some((r: { code: string }) => r.code === '131049')).toBe(true);
    expect(got).toEqual(expected);

    const sums = (await p.store.raw(`
      SELECT d.org_id, d.day::text AS day, d.value::int AS error_messages, coalesce(sum(e.count), 0)::int AS codes
        FROM daily_values d LEFT JOIN error_values e ON e.org_id = d.org_id AND e.day = d.day
       WHERE d.metric = 'error_messages' GROUP BY 1, 2, 3`)).rows as Array<{ error_messages: number; codes: number }>;
    expect(sums.length).toBeGreaterThanOrEqual(30);
    for (const s of sums) expect(s.codes, JSON.stringify(s)).toBe(s.error_messages);
  });
});
