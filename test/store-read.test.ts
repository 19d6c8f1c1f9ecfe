// The results store read back as an org's report: the rows a run wrote, grouped per day and
// provenance by PostgreSQL, become the days, hours, error codes and months the files, pages and
// digests show.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { readOrgReport, readOrgReports } from '../store/read.ts';
import { DAILY_KEYS } from '../metrics/registry.ts';
import type { Db } from '../db/connect.ts';

let db: TestDatabase;
let store: Db;
const NOW = new Date('2026-03-04T06:00:00Z');
const RAW_AT = new Date('2026-03-03T01:00:00.123Z');
const SNAP_AT = new Date('2026-03-03T01:00:05Z');
const LATE_AT = new Date('2026-03-06T02:00:00Z');

beforeAll(async () => {
  db = await createTestDatabase('store_read');
  store = connectStore(db.url);
  await migrateStore(store);
  await store('orgs').insert([
    { org_id: 7, shortcode: 'seven', name: 'Seven', timezone: 'Asia/Kolkata' },
    { org_id: 8, shortcode: 'eight', name: 'Eight', timezone: 'America/New_York' },
  ]);
  const row = (org: number, day: string, metric: string, value: number | null, source: string, at: Date, run: number, late = false) => ({
    org_id: org, day, metric, value, source, computed_at: at, run_id: run, late, definition_version: 2,
  });
  await store('daily_values').insert([
    // 1 March: one run, raw counts and snapshots, each group its own provenance
    row(7, '2026-03-01', 'outbound_messages', 5, 'raw', RAW_AT, 11),
    row(7, '2026-03-01', 'inbound_messages', 10, 'raw', RAW_AT, 11),
    row(7, '2026-03-01', 'error_messages', 3, 'raw', RAW_AT, 11),
    row(7, '2026-03-01', 'total_contacts', 40, 'snapshot', SNAP_AT, 11),
    // 2 March: a late snapshot, an import from Glific's stats, an unknown value
    row(7, '2026-03-02', 'inbound_messages', 12, 'raw', RAW_AT, 12),
    row(7, '2026-03-02', 'error_messages', 2, 'raw', RAW_AT, 12),
    row(7, '2026-03-02', 'total_contacts', 41, 'snapshot', LATE_AT, 13, true),
    row(7, '2026-03-02', 'flows_started', 4, 'glific_stats', RAW_AT, 12),
    row(7, '2026-03-02', 'outbound_messages', null, 'raw', RAW_AT, 12),
    // another org's day: never mixed in
    row(8, '2026-03-01', 'inbound_messages', 99, 'raw', RAW_AT, 14),
  ]);
  await store('hourly_values').insert([
    { org_id: 7, day: '2026-03-01', hour: 9, inbound: 6, outbound: 1, run_id: 11 },
    { org_id: 7, day: '2026-03-01', hour: 14, inbound: 4, outbound: 4, run_id: 11 },
    { org_id: 7, day: '2026-03-02', hour: 20, inbound: 12, outbound: 0, run_id: 12 },
    { org_id: 8, day: '2026-03-01', hour: 3, inbound: 99, outbound: 0, run_id: 14 },
  ]);
  const err = (day: string, code: string, count: number) => ({ org_id: 7, day, code, count, run_id: 11, computed_at: RAW_AT, definition_version: 2 });
  // 1 March: the codes add up to its error_messages; 2 March: they do not (not known)
  await store('error_values').insert([err('2026-03-01', '131026', 2), err('2026-03-01', '', 1), err('2026-03-02', '131049', 1)]);
});
afterAll(async () => {
  await store?.destroy();
  await db?.drop();
});

describe('readOrgReport', () => {
  it('gives each day its values, every other key not known, and the provenance of the run that wrote each', async () => {
    const r = await readOrgReport(store, 7, NOW);
    expect(r.days.map((d) => d.date)).toEqual(['2026-03-01', '2026-03-02']);
    const [d1, d2] = r.days;
    expect(Object.keys(d1.values)).toEqual([...DAILY_KEYS]);
    expect(d1.values).toMatchObject({ inbound_messages: 10, outbound_messages: 5, error_messages: 3, total_contacts: 40, active_contacts: null });
    expect(d2.values).toMatchObject({ inbound_messages: 12, outbound_messages: null, total_contacts: 41, flows_started: 4 });

    expect(d1.provenance.inbound_messages).toEqual({ source: 'raw', computedAt: '2026-03-03T01:00:00.123Z', runId: 11, definitionVersion: 2 });
    expect(d1.provenance.total_contacts).toEqual({ source: 'snapshot', computedAt: '2026-03-03T01:00:05.000Z', runId: 11, definitionVersion: 2 });
    // one object per run and source, shared by its keys (a year of days is not 50 objects a day)
    expect(d1.provenance.outbound_messages).toBe(d1.provenance.inbound_messages);
    // keys in the registry's order, only those stored
    expect(Object.keys(d1.provenance)).toEqual(DAILY_KEYS.filter((k) => ['inbound_messages', 'outbound_messages', 'error_messages', 'total_contacts'].includes(k)));

    expect(d2.provenance.total_contacts).toEqual({ source: 'snapshot', computedAt: '2026-03-06T02:00:00.000Z', runId: 13, definitionVersion: 2, late: true });
    expect(d2.provenance.flows_started?.source).toBe('glific_stats');
    expect([d1.lateSnapshot, d1.utcDayImport, d2.lateSnapshot, d2.utcDayImport]).toEqual([false, false, true, true]);
  });

  it('gives the hours in order, the most active hour, and the error codes of the days whose codes add up', async () => {
    const r = await readOrgReport(store, 7, NOW);
    expect(r.hourly).toEqual([
      { date: '2026-03-01', hour: 9, inbound: 6, outbound: 1 },
      { date: '2026-03-01', hour: 14, inbound: 4, outbound: 4 },
      { date: '2026-03-02', hour: 20, inbound: 12, outbound: 0 },
    ]);
    expect(r.days.map((d) => d.mostActiveHour)).toEqual([14, 20]);
    expect(r.errorCodes).toEqual([{ date: '2026-03-01', codes: [{ code: '131026', count: 2 }, { code: '', count: 1 }] }]);
  });

  it('derives the month from the days, and keeps every org apart when several are read at once', async () => {
    const [seven, eight] = await readOrgReports(store, [7, 8], NOW);
    expect(seven.months).toHaveLength(1);
    expect(seven.months[0]).toMatchObject({ key: '2026-03', complete: false, closed: false, mostActiveHour: 20 });
    expect(seven.months[0].values).toMatchObject({ inbound_messages: 22, total_contacts: 41 });
    expect(seven.dataCutoff).toBe('2026-03-02T18:30:00.000Z');
    expect(eight.org.shortcode).toBe('eight');
    expect(eight.days.map((d) => [d.date, d.values.inbound_messages])).toEqual([['2026-03-01', 99]]);
    expect(eight.hourly).toEqual([{ date: '2026-03-01', hour: 3, inbound: 99, outbound: 0 }]);
    expect(eight.errorCodes).toEqual([]);
  });
});
