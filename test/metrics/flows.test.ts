// The flows family against a direct count, day by day, on random runs: contacts in flows at the
// end of each local day (runs of one contact overlapping, never completed, completed the day they
// started, completed before the range, drafts and sub-flows), in a +05:45 zone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Db } from '../../db/connect.ts';
import { GlificFixture } from '../../demo/glific/fixture.ts';
import { resolveWindows } from '../../extract/windows.ts';
import { flows } from '../../metrics/families/flows.ts';
import { eachDate } from '../../lib/calendar.ts';
import { createTestDatabase, type TestDatabase } from '../support/databases.ts';
import { prng } from '../support/prng.ts';
import { pipeline, type Pipeline } from '../support/pipeline.ts';

const ZONE = 'Asia/Kathmandu';
let db: TestDatabase;
let k: Db;
let orgId: number;

const at = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 19);

beforeAll(async () => {
  db = await createTestDatabase('flows');
  k = connect({ url: db.url });
  const fx = await GlificFixture.create(k);
  orgId = (await fx.org({ shortcode: 'flows', timezone: ZONE })).id;
  const flow = await fx.flow(orgId, 'survey');
  const rnd = prng(7);
  const base = Date.parse('2026-02-20T00:00:00Z');
  for (let c = 0; c < 15; c++) {
    const contact = await fx.contact(orgId, { insertedAt: '2026-02-01 00:00:00' });
    for (let r = 0; r < 6; r++) {
      const start = base + Math.floor(rnd() * 28 * 86_400_000);
      const x = rnd();
      const completedAt = x < 0.3 ? undefined : at(start + Math.floor((x < 0.45 ? rnd() * 6 : rnd() * 120) * 3600_000));
      const parent = rnd() < 0.1 ? await fx.flowContext(orgId, { flowId: flow, contactId: contact, insertedAt: at(start) }) : undefined;
      await fx.flowContext(orgId, { flowId: flow, contactId: contact, insertedAt: at(start), completedAt, isKilled: rnd() < 0.15, status: rnd() < 0.1 ? 'draft' : 'published', parentId: parent });
    }
  }
});
afterAll(async () => {
  await k?.destroy();
  await db?.drop();
});

describe('the flows family', () => {
  it('equals a direct count of each day, contacts in flows included', async () => {
    const from = '2026-03-01';
    const to = '2026-03-15';
    const scope = await resolveWindows(k, [{ orgId, tz: ZONE, from, to }]);
    const out = await flows.run({ glific: k, scope, chains: { load: async () => new Map(), checkpoints: async () => new Map() }, once: (_key, make) => make() });
    const got = new Map(out.rows.map((r) => [r.day as string, r]));
    const local = (col: string) => `(${col} AT TIME ZONE 'UTC' AT TIME ZONE '${ZONE}')::date`;
    for (const day of eachDate(from, to)) {
      const direct = (
        await k.raw(
          `SELECT count(*) FILTER (WHERE ${local('inserted_at')} = :day) AS started,
                  count(*) FILTER (WHERE ${local('completed_at')} = :day AND is_killed IS NOT TRUE) AS completed,
                  count(DISTINCT contact_id) FILTER (WHERE ${local('inserted_at')} <= :day AND (completed_at IS NULL OR ${local('completed_at')} > :day)) AS in_flows
             FROM flow_contexts WHERE organization_id = :org AND status = 'published' AND parent_id IS NULL`,
          { day, org: orgId },
        )
      ).rows[0];
      expect({ day, started: got.get(day)!.flows_started, completed: got.get(day)!.flows_completed, in: got.get(day)!.contacts_in_flows }).toEqual({
        day,
        started: Number(direct.started),
        completed: Number(direct.completed),
        in: Number(direct.in_flows),
      });
    }
    // the fixture is not trivial: some day has several contacts in flows, and some contact two runs at once
    expect(Math.max(...[...got.values()].map((r) => r.contacts_in_flows as number))).toBeGreaterThan(3);
  });
});

describe('days before the oldest flow run Glific holds', () => {
  let p: Pipeline;
  afterAll(() => p?.close());
  it('are not known; one run older than the range is enough to count them all', async () => {
    p = await pipeline('flows_held');
    const young = await p.fx.org({ shortcode: 'young', timezone: ZONE });
    const old = await p.fx.org({ shortcode: 'old', timezone: ZONE });
    for (const org of [young, old]) {
      const f = await p.fx.flow(org.id, 'survey');
      const c = await p.fx.contact(org.id, { insertedAt: '2026-01-01 00:00:00' });
      await p.fx.flowContext(org.id, { flowId: f, contactId: c, insertedAt: '2026-03-05 06:00:00', completedAt: '2026-03-05 06:10:00' });
      if (org === old) await p.fx.flowContext(org.id, { flowId: f, contactId: c, insertedAt: '2026-02-01 06:00:00', completedAt: '2026-02-01 06:10:00' });
    }
    expect((await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-06' }, '2026-03-20T00:00:00Z')).exitCode).toBe(0);
    const started = async (shortcode: string) => Object.fromEntries((await p.report(shortcode, '2026-03-20T00:00:00Z')).days.map((d) => [d.date, d.values.flows_started]));
    expect(await started('young')).toMatchObject({ '2026-03-04': null, '2026-03-05': 1, '2026-03-06': 0 });
    expect(await started('old')).toMatchObject({ '2026-03-01': 0, '2026-03-04': 0, '2026-03-05': 1, '2026-03-06': 0 });
  });
});
