// Any range on demand, as a logged-in user meets it through `serve`: the page and CSV of a range
// equal a `run range` of the same days (across a DST change and in a +05:45 zone), computed from the
// results store only; answers cached until a new run; bad dates answered 400 saying what to fix;
// other organizations 404; a burst from one user does not stop another's page.
// Days held in memory between ranges answer what a fresh server does; threads draw what the server draws.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { FIXTURE_PASSWORD } from '../demo/glific/fixture.ts';
import { createServeApp } from '../serve/app.ts';
import { parseRateCard } from '../config/rate-card.ts';
import { DAILY_KEYS } from '../metrics/registry.ts';
import { buildPeriodPage } from '../pages/period-page.ts';
import { renderPage } from '../pages/render.ts';
import { createChartPool } from '../serve/chart-pool.ts';
import { createRangeService } from '../serve/ranges.ts';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { insertRunning, markStored } from '../store/runs.ts';

const NOW = '2026-03-20T12:00:00Z';
let p: Pipeline;
let app: FastifyInstance;
let siteDir: string;
const events: Array<{ event: string; fields: Record<string, unknown> }> = [];

async function logIn(phone: string): Promise<string> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1];
  const formCookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const res = await app.inject({ method: 'POST', url: '/login', headers: { cookie: formCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ csrf, phone, password: FIXTURE_PASSWORD }).toString() });
  expect(res.statusCode).toBe(303);
  return res.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}
const get = (url: string, cookie?: string) => app.inject({ method: 'GET', url, headers: cookie ? { cookie } : {} });

function csvRow(text: string): Record<string, string> {
  const [head, row] = text.trimEnd().split('\r\n');
  const h = head.split(',');
  const r = row.split(',');
  return Object.fromEntries(h.map((k, i) => [k, r[i]]));
}

/** Vega numbers the gradients it draws per thread, whatever the page: the one difference allowed. */
const sameGradients = (html: string) => html.replace(/gradient_\d+/g, 'gradient_n');

async function seed(shortcode: string, zone: string, phone: string): Promise<void> {
  const org = await p.fx.org({ shortcode, timezone: zone });
  await p.fx.user(org.id, { phone, name: `${shortcode} admin`, roles: ['admin'] });
  const contacts: number[] = [];
  for (let i = 0; i < 9; i++) contacts.push(await p.fx.contact(org.id, { insertedAt: '2026-02-20 00:00:00' }));
  for (let d = 1; d <= 14; d++) {
    const day = `2026-03-${String(d).padStart(2, '0')}`;
    for (const [i, c] of contacts.entries()) {
      if ((i + d) % 3 === 0) continue;
      await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: `${day} ${String((i * 5 + d) % 24).padStart(2, '0')}:40:00` });
      await p.fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: `${day} ${String((i * 5 + d) % 24).padStart(2, '0')}:45:00` });
    }
    if (d % 2 === 0) await p.fx.conversation(org.id, { conversationId: `${shortcode}-fep-${d % 4}`, insertedAt: `${day} 11:00:00`, model: 'PMP' });
  }
}

beforeAll(async () => {
  p = await pipeline('serverange');
  await seed('nyc', 'America/New_York', '919800000001'); // clocks forward on 8 March
  await seed('ktm', 'Asia/Kathmandu', '919800000002'); // +05:45
  expect((await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-14' }, NOW)).exitCode).toBe(0);
  expect((await p.run({ job: 'range', from: '2026-03-06', to: '2026-03-10' }, NOW)).exitCode).toBe(0);
  siteDir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-serverange-'));
  app = await createServeApp({ siteDir, glific: p.glific, store: p.store, dummyIterations: 1000, now: () => new Date(NOW), log: (event, fields = {}) => events.push({ event, fields }) });
});
afterAll(async () => {
  await app?.close();
  await p?.close();
  fs.rmSync(siteDir, { recursive: true, force: true });
});

describe.each([['nyc', '919800000001'], ['ktm', '919800000002']])('the served range of %s', (sc, phone) => {
  let cookie: string;
  beforeAll(async () => {
    cookie = await logIn(phone);
  });

  it('has the values of a `run range` of the same days, distinct counts included', async () => {
    const res = await get(`/${sc}/data/range.csv?from=2026-03-06&to=2026-03-10`, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const served = csvRow(res.body);
    expect(Object.keys(served)).toEqual(['from', 'to', ...DAILY_KEYS, 'most_active_hour']);
    const report = await p.report(sc, NOW);
    const ran = report.ranges.find((r) => r.from === '2026-03-06' && r.to === '2026-03-10')!;
    for (const k of DAILY_KEYS) expect(served[k], k).toBe(ran.values[k] === null || ran.values[k] === undefined ? '' : String(ran.values[k]));
    expect(served.most_active_hour).toBe(String(ran.mostActiveHour));
    expect(Number(served.active_contacts)).toBeGreaterThan(0);
    expect(served.conversations).not.toBe('');
  });

  it('shows the page of a range never run, compared with the days before it, with the form filled in', async () => {
    const res = await get(`/${sc}/range?from=2026-03-08&to=2026-03-11`, cookie);
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('8 March 2026 to 11 March 2026');
    expect(res.body).toMatch(/Changes are against the 4 days before, 4 March 2026 to 7 March 2026/);
    expect(res.body).toMatch(/name="from" type="date" value="2026-03-08" min="2026-03-01" max="2026-03-14"/);
    expect(res.body).not.toContain('data-served-only');
    const csv = csvRow((await get(`/${sc}/data/range.csv?from=2026-03-08&to=2026-03-11`, cookie)).body);
    const direct = Number((await p.admin.raw(
      `SELECT count(DISTINCT m.contact_id) AS n FROM messages m JOIN organizations o ON o.id = m.organization_id
        WHERE o.shortcode = ? AND m.flow = 'inbound' AND (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE o.timezone)::date BETWEEN '2026-03-08' AND '2026-03-11'`,
      [sc],
    )).rows[0].n);
    expect(Number(csv.active_contacts)).toBe(direct);
  });
});

describe('asking for a range', () => {
  let nyc: string;
  beforeAll(async () => {
    nyc = await logIn('919800000001');
  });

  it.each([
    ['from=2026-02-30&to=2026-03-05', /"2026-02-30" \(from\) is not a date/],
    ['from=2026-03-09&to=2026-03-02', /starts \(9 March 2026\) after it ends \(2 March 2026\): swap the dates/],
    ['from=2026-02-20&to=2026-03-05', /The reports hold the days from 1 March 2026 to 14 March 2026/],
    ['from=2010-01-01&to=2026-03-05', /That is 5908 days; ask for at most 3660 \(ten years\)/],
    ['to=2026-03-05', /Give both dates/],
  ])('%s: 400, saying what to fix', async (query, message) => {
    const page = await get(`/nyc/range?${query}`, nyc);
    expect(page.statusCode).toBe(400);
    expect(page.body.replace(/&quot;/g, '"')).toMatch(message);
    const csv = await get(`/nyc/data/range.csv?${query}`, nyc);
    expect(csv.statusCode).toBe(400);
    expect(csv.body).toMatch(message);
  });

  it('is for the own organization only, and after logging in', async () => {
    expect((await get('/ktm/range?from=2026-03-06&to=2026-03-10', nyc)).statusCode).toBe(404);
    expect((await get('/ktm/data/range.csv?from=2026-03-06&to=2026-03-10', nyc)).statusCode).toBe(404);
    expect((await get('/nyc/range?from=2026-03-06&to=2026-03-10')).statusCode).toBe(303);
    expect((await get('/nyc/data/range.csv?from=2026-03-06&to=2026-03-10')).statusCode).toBe(401);
  });

  it('is answered from the cache until a run writes again', async () => {
    const made = () => events.filter((e) => e.event === 'serve.range' && e.fields.from === '2026-03-02' && e.fields.format === 'page').length;
    const first = await get('/nyc/range?from=2026-03-02&to=2026-03-04', nyc);
    expect(first.statusCode).toBe(200);
    expect(made()).toBe(1);
    expect((await get('/nyc/range?from=2026-03-02&to=2026-03-04', nyc)).body).toBe(first.body);
    expect(made()).toBe(1);
    expect((await p.run({ job: 'daily', date: '2026-03-03' }, NOW)).exitCode).toBe(0);
    expect((await get('/nyc/range?from=2026-03-02&to=2026-03-04', nyc)).statusCode).toBe(200);
    expect(made()).toBe(2);
  });

  it('a run still writing makes no new version: what it stores is seen once it is stored', async () => {
    const q = '/nyc/data/range.csv?from=2026-03-02&to=2026-03-04';
    const orgId = Number((await p.store('orgs').where({ shortcode: 'nyc' }).first()).org_id);
    const inbound = (csv: string) => Number(csvRow(csv).inbound_messages);
    const before = (await get(q, nyc)).body;
    const day = Number((await p.store('daily_values').where({ org_id: orgId, day: '2026-03-03', metric: 'inbound_messages' }).first()).value);
    const id = await insertRunning(p.store, { job: 'daily', trigger: 'manual', orgId, shortcode: 'nyc', from: '2026-03-03', to: '2026-03-03', startedAt: new Date(NOW), late: false });
    // asked while the run writes: made from what is stored so far
    expect((await get(q, nyc)).body).toBe(before);
    await p.store.transaction(async (trx) => {
      await trx('daily_values').where({ org_id: orgId, day: '2026-03-03', metric: 'inbound_messages' }).update({ value: 987654 });
      await markStored(trx, id, 1, new Date(NOW));
    });
    expect(inbound((await get(q, nyc)).body)).toBe(inbound(before) - day + 987654);
  });

  it('shows the estimated cost when the operator has a rate card, and no money otherwise', async () => {
    const plain = await get('/nyc/range?from=2026-03-02&to=2026-03-05', nyc);
    expect(plain.body).toContain('Billable messages (estimated)');
    expect(plain.body).not.toMatch(/Estimated cost|\bINR\b/);
    const priced = await createServeApp({ siteDir, glific: p.glific, store: p.store, dummyIterations: 1000, now: () => new Date(NOW), rateCard: parseRateCard('category,currency,price,from\nmarketing,INR,0.8,2025-07-01\nutility,INR,0.1,2025-07-01\nauthentication,INR,0.1,2025-07-01\n', 'rates.csv') });
    try {
      // sessions live in the results store: the same cookie works on another instance
      const res = await priced.inject({ method: 'GET', url: '/nyc/range?from=2026-03-02&to=2026-03-05', headers: { cookie: nyc } });
      expect(res.statusCode).toBe(200);
      expect(res.body).toContain('Estimated cost');
      expect(res.body).toContain('INR 0.00');
    } finally {
      await priced.close();
    }
  });

  it('ranges made one after another from the days held in memory answer what a fresh server answers, and a new run is seen', async () => {
    const csv = async (a: FastifyInstance, q: string) => (await a.inject({ method: 'GET', url: `/nyc/data/range.csv?${q}`, headers: { cookie: nyc } })).body;
    const page = async (a: FastifyInstance, q: string) => sameGradients((await a.inject({ method: 'GET', url: `/nyc/range?${q}`, headers: { cookie: nyc } })).body);
    await csv(app, 'from=2026-03-01&to=2026-03-07');
    await page(app, 'from=2026-03-06&to=2026-03-13');
    const later = 'from=2026-03-04&to=2026-03-09'; // every day of it (and of the 6 days before) held already
    const fresh = await createServeApp({ siteDir, glific: p.glific, store: p.store, dummyIterations: 1000, now: () => new Date(NOW) });
    try {
      expect(await csv(app, later)).toBe(await csv(fresh, later));
      expect(await page(app, later)).toBe(await page(fresh, later));
      const before = Number(csvRow(await csv(app, 'from=2026-03-05&to=2026-03-09')).active_contacts);
      // one more person writes on 7 March; the daily run stores that day's set again
      const org = (await p.admin.raw(`SELECT id FROM organizations WHERE shortcode = 'nyc'`)).rows[0].id;
      const newcomer = await p.fx.contact(org, { insertedAt: '2026-03-01 00:00:00' });
      await p.fx.message(org, { contactId: newcomer, flow: 'inbound', insertedAt: '2026-03-07 15:00:00' });
      expect((await p.run({ job: 'daily', date: '2026-03-07' }, NOW)).exitCode).toBe(0);
      const after = 'from=2026-03-06&to=2026-03-09'; // a range not asked before, of days held before the run
      expect(Number(csvRow(await csv(app, after)).active_contacts)).toBe(Number(csvRow(await csv(fresh, after)).active_contacts));
      expect(Number(csvRow(await csv(app, 'from=2026-03-05&to=2026-03-09')).active_contacts)).toBe(before + 1);
    } finally {
      await fresh.close();
    }
  });

  it('draws a page’s charts in worker threads exactly as in the server’s own thread', async () => {
    const report = await p.report('ktm', NOW);
    const model = buildPeriodPage(report, { kind: 'range', from: '2026-03-02', to: '2026-03-12' }, { now: new Date(NOW), served: true, path: 'ktm/range' });
    expect(model.charts.length).toBeGreaterThan(2);
    const pool = createChartPool(2);
    try {
      expect(sameGradients(await renderPage(model, pool.draw))).toBe(sameGradients(await renderPage(model)));
    } finally {
      await pool.close();
    }
    // threads that run out of memory: the charts are drawn in the server's own thread instead
    const starved = createChartPool(2, { maxOldGenerationSizeMb: 1, maxYoungGenerationSizeMb: 1 });
    try {
      expect(sameGradients(await renderPage(model, starved.draw))).toBe(sameGradients(await renderPage(model)));
    } finally {
      await starved.close();
    }
  });

  it('warms its chart threads with made-up pages once listening, and stops warming when closed', async () => {
    const warmed: string[] = [];
    const warm = await createServeApp({ siteDir, glific: p.glific, store: p.store, dummyIterations: 1000, now: () => new Date(NOW), warmCharts: true, log: (event) => void warmed.push(event) });
    await warm.listen({ port: 0, host: '127.0.0.1' });
    for (let i = 0; i < 600 && !warmed.some((e) => e.startsWith('serve.charts_warm')); i++) await new Promise((r) => setTimeout(r, 50));
    expect(warmed).toContain('serve.charts_warmed');
    await warm.close();
    const svc = createRangeService({ store: p.store, now: () => new Date(NOW), log: () => {} });
    const warming = svc.warm(20);
    await new Promise((r) => setTimeout(r, 200));
    await svc.close();
    await expect(warming).resolves.toBeTypeOf('number');
  });

  it('a burst from one user is bounded (429) and does not stop another user’s page', async () => {
    const ktm = await logIn('919800000002');
    const burst = Array.from({ length: 8 }, (_, i) => get(`/nyc/range?from=2026-03-01&to=2026-03-${String(5 + i).padStart(2, '0')}`, nyc));
    const other = get('/ktm/range?from=2026-03-01&to=2026-03-12', ktm);
    const [answers, mine] = await Promise.all([Promise.all(burst), other]);
    expect(mine.statusCode).toBe(200);
    const codes = answers.map((a) => a.statusCode);
    expect(codes).toContain(429);
    expect(codes).toContain(200);
    expect(answers.find((a) => a.statusCode === 429)!.headers['retry-after']).toBe('5');
  });
});
