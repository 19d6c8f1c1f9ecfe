// Stored id sets: a range's distinct count is the size of the union of its days' sets, equal to a
// direct count over Glific's messages, across a DST change and in a +05:45 zone; a rerun replaces a
// day's set; a day without a set makes the range not known.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { distinctOverRange } from '../store/id-sets.ts';
import { encodeInts, unionSize } from '../lib/id-sets.ts';

describe('id sets', () => {
  it('count a union exactly, bitmaps and text ids alike', async () => {
    const a = await encodeInts([5, 1, 3, 3, 4_000_000_000]);
    const b = await encodeInts([3, 7]);
    expect(await unionSize([a, b])).toBe(5);
    expect(await unionSize([], [['x', 'y'], ['y', 'z']])).toBe(3);
    expect(await unionSize([await encodeInts([])])).toBe(0);
  });
});

describe.each([
  ['America/New_York', '2026-03-06', '2026-03-10'], // the clocks go forward on 8 March
  ['Asia/Kathmandu', '2026-03-06', '2026-03-10'], // +05:45
])('distinct over stored days in %s', (zone, from, to) => {
  let p: Pipeline;
  let orgId: number;
  const direct = async (lo: string, hi: string) =>
    Number((await p.admin.raw(
      `SELECT count(DISTINCT m.contact_id) AS n FROM messages m
        WHERE m.organization_id = ? AND m.flow = 'inbound'
          AND (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE ?)::date BETWEEN ? AND ?`,
      [orgId, zone, lo, hi],
    )).rows[0].n);

  beforeAll(async () => {
    p = await pipeline('idsets');
    const org = await p.fx.org({ shortcode: 'z', timezone: zone });
    orgId = org.id;
    const contacts = [];
    for (let i = 0; i < 12; i++) contacts.push(await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' }));
    // Contact i writes on day (i mod 5) and the next, around local midnight: UTC and local days differ.
    for (const [i, c] of contacts.entries()) {
      for (const d of [6 + (i % 5), 7 + (i % 5)]) {
        for (const hhmm of ['04:50', '18:20', '23:55']) await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: `2026-03-${String(d).padStart(2, '0')} ${hhmm}:00` });
      }
    }
    for (const [d, id] of [[6, 'c1'], [7, 'c1'], [8, 'c2'], [9, 'c3'], [10, 'c2']] as const) {
      await p.fx.conversation(org.id, { conversationId: id, insertedAt: `2026-03-${String(d).padStart(2, '0')} 12:00:00`, model: 'PMP' });
    }
    const r = await p.run({ job: 'range', from, to }, '2026-03-20T12:00:00Z');
    expect(r.exitCode).toBe(0);
  });
  afterAll(() => p?.close());

  it('equals a direct count for every sub-range, and the range run stored it', async () => {
    for (const [lo, hi] of [[from, to], ['2026-03-07', '2026-03-09'], ['2026-03-08', '2026-03-08']]) {
      const got = await distinctOverRange(p.store, orgId, lo, hi);
      expect(got.active_contacts, `${lo}…${hi}`).toBe(await direct(lo, hi));
    }
    expect((await distinctOverRange(p.store, orgId, from, to)).conversations).toBe(3);
    expect((await distinctOverRange(p.store, orgId, '2026-03-08', '2026-03-10')).conversations).toBe(2);
    const report = await p.report('z', '2026-03-20T12:00:00Z');
    const range = report.ranges.find((x) => x.from === from && x.to === to)!;
    expect(range.values.active_contacts).toBe(await direct(from, to));
    expect(range.values.conversations).toBe(3);
  });

  it('a rerun of a day replaces its set; a day never computed makes the range not known', async () => {
    const before = await p.store('id_sets').where({ org_id: orgId }).count<{ count: string }[]>('* as count');
    expect((await p.run({ job: 'daily', date: '2026-03-08' }, '2026-03-20T12:00:00Z')).exitCode).toBe(0);
    expect(await p.store('id_sets').where({ org_id: orgId }).count<{ count: string }[]>('* as count')).toEqual(before);
    expect((await distinctOverRange(p.store, orgId, from, to)).active_contacts).toBe(await direct(from, to));
    expect(await distinctOverRange(p.store, orgId, '2026-03-05', to)).toEqual({ active_contacts: null, conversations: null });
  });
});
