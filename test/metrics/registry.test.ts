// The registry of metric families: the lists derived from it, the published column order, and
// the guarantee that a declared key is either computed or refused — never a silent 0.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../../db/connect.ts';
import { GlificFixture } from '../../demo/glific/fixture.ts';
import { resolveWindows } from '../../extract/windows.ts';
import { assembleFamily, type OrgComputation } from '../../metrics/compute.ts';
import type { PeriodSpec } from '../../metrics/distinct.sql.ts';
import { columnKeys, defineFamily, ROW_COLUMNS, type Family, type FamilyOutput, type SourceTable } from '../../metrics/family.ts';
import {
  checkRegistry,
  columnOrder,
  COMPUTE_STAGE_NAMES,
  DAILY_KEYS,
  DISTINCT_KEYS,
  EVENT_KEYS,
  FAMILIES,
  LABELS,
  PUBLISHED_COLUMNS,
  SNAPSHOT_KEYS,
  SOURCE_OF,
  STATS_IMPORT,
} from '../../metrics/registry.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';

describe('derived lists', () => {
  it('keeps the CSV column order published since definition version 1', () => {
    // Readers of daily.csv and monthly.csv may rely on these positions.
    expect(DAILY_KEYS.filter((k) => (PUBLISHED_COLUMNS as readonly string[]).includes(k))).toEqual([
      'new_contacts', 'active_contacts', 'inbound_messages', 'outbound_messages', 'hsm_messages', 'error_messages',
      'optins', 'optouts', 'flows_started', 'flows_completed', 'conversations', 'conversation_windows',
      'total_contacts', 'valid_contacts', 'invalid_contacts', 'blocked_contacts', 'opted_in_contacts',
      'opted_out_contacts', 'non_opted_contacts', 'contacts_in_flows',
    ]);
    expect(new Set(DAILY_KEYS).size).toBe(DAILY_KEYS.length);
  });

  // Keys added later only extend these lists: the tests pin the published keys.
  const published = (keys: readonly string[]) => keys.filter((k) => (PUBLISHED_COLUMNS as readonly string[]).includes(k));

  it('sorts every key by kind', () => {
    expect(published(EVENT_KEYS)).toEqual(['new_contacts', 'inbound_messages', 'outbound_messages', 'hsm_messages', 'error_messages', 'optins', 'optouts', 'flows_started', 'flows_completed', 'conversation_windows']);
    expect(published(DISTINCT_KEYS)).toEqual(['active_contacts', 'conversations']);
    expect(published(SNAPSHOT_KEYS)).toEqual(['total_contacts', 'valid_contacts', 'invalid_contacts', 'blocked_contacts', 'opted_in_contacts', 'opted_out_contacts', 'non_opted_contacts', 'contacts_in_flows']);
    expect([...EVENT_KEYS, ...DISTINCT_KEYS, ...SNAPSHOT_KEYS].sort()).toEqual([...DAILY_KEYS].sort());
  });

  it('labels every key, each differently', () => {
    expect(LABELS.hsm_messages).toBe('HSM (template) messages');
    expect(LABELS.conversations).toBe('Conversations reported by the BSP');
    expect(LABELS.conversation_windows).toBe('Conversations (24-hour windows)');
    for (const k of DAILY_KEYS) expect(LABELS[k], k).toMatch(/\S/);
    expect(new Set(Object.values(LABELS)).size).toBe(DAILY_KEYS.length);
  });

  it('imports from Glific stats exactly the columns of definition version 2 (not stats.contacts)', () => {
    expect(STATS_IMPORT).toEqual({
      inbound_messages: 'inbound',
      outbound_messages: 'outbound',
      hsm_messages: 'hsm',
      conversations: 'conversations',
      flows_started: 'flows_started',
      flows_completed: 'flows_completed',
    });
  });

  it('knows the Glific table each key is counted from', () => {
    const by = (t: SourceTable) => published(DAILY_KEYS.filter((k) => SOURCE_OF[k] === t));
    expect(by('messages')).toEqual(['active_contacts', 'inbound_messages', 'outbound_messages', 'hsm_messages', 'error_messages', 'conversation_windows']);
    expect(by('messages_conversations')).toEqual(['conversations']);
    expect(by('flow_contexts')).toEqual(['flows_started', 'flows_completed', 'contacts_in_flows']);
    expect(by('contacts')).toEqual(['new_contacts', 'optins', 'optouts', 'total_contacts', 'valid_contacts', 'invalid_contacts', 'blocked_contacts', 'opted_in_contacts', 'opted_out_contacts', 'non_opted_contacts']);
  });

  it('names the compute stages after the families, between the history lookup and the stats import', () => {
    expect(COMPUTE_STAGE_NAMES.slice(0, 7)).toEqual(['history', 'messages', 'active_contacts', 'conversations', 'contacts', 'flows', 'conversation_windows']);
    expect(COMPUTE_STAGE_NAMES).toEqual(['history', ...FAMILIES.map((f) => f.name), 'glific_stats']);
  });
});

// Families made up for the tests: only their declarations matter here.
const noRun = async (): Promise<FamilyOutput> => ({ columns: [], rows: [] });
const fam = (name: string, keys: Record<string, { kind: 'event' | 'distinct' | 'snapshot' }>, extra: Partial<Family> = {}): Family =>
  defineFamily({ name, source: 'messages', keys: Object.fromEntries(Object.entries(keys).map(([k, d]) => [k, { ...d, label: k }])), run: noRun, ...extra });

describe('column order', () => {
  const a = fam('a', { a1: { kind: 'event' }, a2: { kind: 'event' } });
  const b = fam('b', { b1: { kind: 'event' } });

  it('puts a new key of an existing family right after that family’s columns, and a new family’s keys at the end', () => {
    const a3 = fam('a', { a1: { kind: 'event' }, a2: { kind: 'event' }, a3: { kind: 'event' } });
    const c = fam('c', { c1: { kind: 'event' }, c2: { kind: 'snapshot' } });
    expect(columnOrder([a3, b, c], ['a1', 'b1', 'a2'])).toEqual(['a1', 'b1', 'a2', 'a3', 'c1', 'c2']);
    expect(columnOrder([a, b], ['a1', 'b1', 'a2'])).toEqual(['a1', 'b1', 'a2']);
  });

  it('refuses a registry that would mis-assemble or mis-order', () => {
    expect(() => checkRegistry([a, fam('b', { a2: { kind: 'event' } })], [])).toThrow('metric key "a2" is declared by both families "a" and "b"');
    expect(() => checkRegistry([a, fam('a', { z: { kind: 'event' } })], [])).toThrow('metric family "a" is registered twice');
    expect(() => checkRegistry([fam('d', { d1: { kind: 'distinct' } })], [])).toThrow(/"d1" of family "d" is distinct, but the family does not keep the ids behind its day values/);
    expect(() => checkRegistry([fam('d', { d1: { kind: 'event' } }, { daySets: 'int' })], [])).toThrow(/"d1" of family "d" is event, but the family keeps/);
    expect(() => checkRegistry([a], ['a1', 'gone'])).toThrow('published column "gone" is declared by no metric family');
    expect(() => checkRegistry(FAMILIES, PUBLISHED_COLUMNS)).not.toThrow();
  });
});

describe('assembly by column name', () => {
  const window = { orgId: 1, tz: 'UTC', from: '2026-03-01', to: '2026-03-03', lo: new Date('2026-03-01T00:00:00Z'), hi: new Date('2026-03-04T00:00:00Z') };
  const spec: PeriodSpec = { orgId: 1, kind: 'month', from: '2026-03-01', to: '2026-03-31' };
  const org = (messagesFrom: string | null = null): Map<number, OrgComputation> =>
    new Map([[1, {
      window,
      days: ['2026-03-01', '2026-03-02', '2026-03-03'].map((day) => ({ day, values: {}, imported: {}, dayEnd: null })),
      periods: [{ spec, values: {} }],
      tables: { hourly: [], errors: [], idSets: [] },
      countableFrom: { messages: messagesFrom, messages_conversations: null, flow_contexts: null, contacts: null },
    }]]);
  const values = (o: Map<number, OrgComputation>) => Object.fromEntries(o.get(1)!.days.map((d) => [d.day, d.values]));

  const counts = defineFamily({
    name: 'counts',
    source: 'messages',
    keys: {
      sent: { kind: 'event', label: 'Sent' },
      failed: { kind: 'event', label: 'Failed' },
      ok: { kind: 'event', label: 'Not failed', derive: (v) => v.sent! - v.failed! },
    },
    run: noRun,
  });

  it('throws, naming family and key, when a declared key has no column — even with no rows', () => {
    expect(() => assembleFamily(counts, { columns: ['org_id', 'day', 'sent'], rows: [] }, org())).toThrow(
      'metric family "counts" declares key "failed" but its query returned no column "failed" (columns: org_id, day, sent)',
    );
  });

  it('copies columns into countable days, 0 for a countable day without a row, nothing before the data', () => {
    const o = org('2026-03-02');
    assembleFamily(counts, { columns: ['org_id', 'day', 'sent', 'failed'], rows: [{ org_id: 1, day: '2026-03-03', sent: 5, failed: 2 }, { org_id: 1, day: '2026-03-01', sent: 9, failed: 9 }] }, o);
    expect(values(o)).toEqual({
      '2026-03-01': {}, // before the oldest message held: not known, whatever the row says
      '2026-03-02': { sent: 0, failed: 0, ok: 0 },
      '2026-03-03': { sent: 5, failed: 2, ok: 3 },
    });
  });

  it('keeps a NULL cell unknown, and a derived key unknown when its inputs are', () => {
    const o = org();
    assembleFamily(counts, { columns: ['org_id', 'day', 'sent', 'failed'], rows: [{ org_id: 1, day: '2026-03-01', sent: 4, failed: null }] }, o);
    expect(values(o)['2026-03-01']).toEqual({ sent: 4 });
  });

  it('gives a derived key the local date, so a rule can start on a date', () => {
    const dated = defineFamily({
      name: 'dated',
      source: 'messages',
      keys: {
        sent: { kind: 'event', label: 'Sent' },
        billed: { kind: 'event', label: 'Billed', derive: (v, date) => (date < '2026-03-02' ? null : v.sent) },
      },
      run: noRun,
    });
    const o = org();
    assembleFamily(dated, { columns: ['org_id', 'day', 'sent'], rows: [{ org_id: 1, day: '2026-03-01', sent: 4 }, { org_id: 1, day: '2026-03-02', sent: 6 }] }, o);
    expect(values(o)).toEqual({ '2026-03-01': { sent: 4 }, '2026-03-02': { sent: 6, billed: 6 }, '2026-03-03': { sent: 0, billed: 0 } });
  });

  it('counts a key needing the 24 hours before a day only from the first day that has them', () => {
    const windows = defineFamily({
      name: 'windows',
      source: 'messages',
      keys: {
        sent: { kind: 'event', label: 'Sent' },
        opened: { kind: 'event', label: 'Opened', needs24hBefore: true },
        free: { kind: 'event', label: 'Free', derive: (v) => v.sent! - v.opened! },
      },
      run: noRun,
    });
    const o = org();
    o.get(1)!.countableFrom.inbound_24h = '2026-03-02';
    assembleFamily(windows, { columns: ['org_id', 'day', 'sent', 'opened'], rows: [{ org_id: 1, day: '2026-03-01', sent: 4, opened: 1 }, { org_id: 1, day: '2026-03-02', sent: 6, opened: 2 }] }, o);
    expect(values(o)).toEqual({ '2026-03-01': { sent: 4 }, '2026-03-02': { sent: 6, opened: 2, free: 4 }, '2026-03-03': { sent: 0, opened: 0, free: 0 } });
  });

  it('refuses two rows for one day', () => {
    expect(() => assembleFamily(counts, { columns: ['org_id', 'day', 'sent', 'failed'], rows: [{ org_id: 1, day: '2026-03-01', sent: 1, failed: 0 }, { org_id: 1, day: '2026-03-01', sent: 1, failed: 0 }] }, org())).toThrow(
      'metric family "counts" returned two rows for org 1 and day 2026-03-01',
    );
  });

  it('leaves the periods of a distinct family to the store (the union of the days\' id sets)', () => {
    const uniq = defineFamily({ name: 'uniq', source: 'messages', daySets: 'int', keys: { seen: { kind: 'distinct', label: 'Seen' } }, run: noRun });
    const o = org();
    assembleFamily(uniq, { columns: ['org_id', 'day', 'seen'], rows: [{ org_id: 1, day: '2026-03-02', seen: 3 }] }, o);
    expect(values(o)['2026-03-02']).toEqual({ seen: 3 });
    expect(o.get(1)!.periods[0].values).toEqual({});
  });

  it('keeps side-table rows of countable days in the window only', () => {
    const o = org('2026-03-02');
    const row = (day: string) => ({ org_id: 1, day, hour: 9, inbound: 1, outbound: 2 });
    assembleFamily(counts, { columns: ['org_id', 'day', 'sent', 'failed'], rows: [], tables: { hourly: [row('2026-03-01'), row('2026-03-02'), row('2026-03-04')] } }, o);
    expect(o.get(1)!.tables.hourly).toEqual([row('2026-03-02')]);
  });
});

describe("every family's query returns a column for each of its keys", () => {
  let db: TestDatabase;
  let k: Db;
  let fx: GlificFixture;
  let busy: number;
  let quiet: number;
  beforeAll(async () => {
    db = await createTestDatabase('registry');
    k = connect({ url: db.url });
    fx = await GlificFixture.create(k);
    busy = (await fx.org({ shortcode: 'busy', timezone: 'Asia/Kolkata' })).id;
    quiet = (await fx.org({ shortcode: 'quiet', timezone: 'UTC' })).id;
    const c = await fx.contact(busy, { insertedAt: '2026-03-01 04:00:00', optinTime: '2026-03-01 05:00:00' });
    await fx.message(busy, { contactId: c, flow: 'inbound', insertedAt: '2026-03-01 06:00:00' });
    await fx.message(busy, { contactId: c, flow: 'outbound', insertedAt: '2026-03-01 06:01:00', isHsm: true });
    await fx.conversation(busy, { conversationId: 'c1', insertedAt: '2026-03-01 06:01:00' });
    const f = await fx.flow(busy, 'f');
    await fx.flowContext(busy, { flowId: f, contactId: c, insertedAt: '2026-03-01 06:00:00', completedAt: '2026-03-01 06:05:00' });
  });
  afterAll(async () => {
    await k?.destroy();
    await db?.drop();
  });

  for (const [label, orgs] of [['with rows', () => [busy]], ['without a single row', () => [quiet]]] as const) {
    it(label, async () => {
      const scope = await resolveWindows(k, orgs().map((orgId) => ({ orgId, tz: 'Asia/Kolkata', from: '2026-03-01', to: '2026-03-02' })));
      for (const family of FAMILIES as readonly Family[]) {
        const out = await family.run({ glific: k, scope, chains: { load: async () => new Map(), checkpoints: async () => new Map() }, once: (_key, make) => make() });
        const keys = out.columns.filter((c) => !(ROW_COLUMNS as readonly string[]).includes(c));
        expect(keys, family.name).toEqual(columnKeys(family));
        if (label === 'with rows') expect(out.rows.length, family.name).toBeGreaterThan(0);
      }
    });
  }
});
