// What one login attempt may cost `glific-reports serve`, on a Glific database shaped like a SaaS
// instance: 100 organizations, and the platform's "SaaS Admin" phone a user in every one of them.
// Hashes use a realistic iteration count, so a PBKDF2 takes tens of milliseconds, as in production.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { connect, type Db } from '../db/connect.ts';
import { GlificFixture, SAAS_ADMIN_PHONE, FIXTURE_PASSWORD } from '../demo/glific/fixture.ts';
import { hashPassword } from '../serve/password.ts';
import { createServeApp, type ServeOptions } from '../serve/app.ts';
import { SESSION_COOKIE } from '../serve/session.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';

const ORGS = 100;
const ITERATIONS = 50_000;
const STAFF_PHONE = '919700000001';
const NONE_PHONE = '919700000002';
const PLENTY = { max: 100_000, windowMs: 15 * 60 * 1000 };

let testDb: TestDatabase;
let setupDb: Db;
let glific: Db;
let store: Db;
let out: string;
const apps: FastifyInstance[] = [];

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

function request(port: number, method: string, target: string, o: { cookie?: string; form?: Record<string, string> } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
    const headers: Record<string, string> = {};
    if (o.cookie) headers.cookie = o.cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    const req = http.request({ host: '127.0.0.1', port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

async function startApp(extra: Partial<ServeOptions> = {}): Promise<number> {
  const app = await createServeApp({
    siteDir: path.join(out, 'site'), glific, store, sessionSecret: 'load-test-secret-'.padEnd(40, 'x'),
    dummyIterations: ITERATIONS, phoneRule: PLENTY, ipRule: PLENTY, ...extra,
  });
  apps.push(app);
  await app.listen({ port: 0, host: '127.0.0.1' });
  return (app.server.address() as AddressInfo).port;
}

/** One login form (its cookie and token can be posted many times). */
async function loginForm(port: number): Promise<{ cookie: string; csrf: string }> {
  const res = await request(port, 'GET', '/login');
  const [pair] = (res.headers['set-cookie'] ?? [])[0].split(';');
  return { cookie: pair, csrf: /name="csrf" value="([^"]+)"/.exec(res.body)?.[1] ?? '' };
}

function post(port: number, form: { cookie: string; csrf: string }, phone: string, password: string): Promise<Res> {
  return request(port, 'POST', '/login', { cookie: form.cookie, form: { csrf: form.csrf, phone, password } });
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

beforeAll(async () => {
  testDb = await createTestDatabase('serve_load');
  setupDb = connect({ url: testDb.url });
  const fx = await GlificFixture.create(setupDb);
  const first = await fx.org({ shortcode: 'org001', name: 'Org 1' });
  for (let i = 2; i <= ORGS; i++) await fx.org({ shortcode: `org${String(i).padStart(3, '0')}`, name: `Org ${i}` });
  await fx.user(first.id, { phone: STAFF_PHONE, name: 'Staff', roles: ['staff'] });
  await fx.user(first.id, { phone: NONE_PHONE, name: 'Self Registered', roles: ['none'] });
  // Production-strength hashes (computed once; one salt for all is fine for timing).
  const strong = hashPassword(FIXTURE_PASSWORD, { iterations: ITERATIONS });
  await setupDb.raw('UPDATE users SET password_hash = ? WHERE phone IN (?, ?, ?)', [strong, SAAS_ADMIN_PHONE, STAFF_PHONE, NONE_PHONE]);
  expect(Number((await setupDb.raw('SELECT count(*) AS n FROM users WHERE phone = ?', [SAAS_ADMIN_PHONE])).rows[0].n)).toBe(ORGS);

  out = mkdtempSync(path.join(tmpdir(), 'serve-load-'));
  mkdirSync(path.join(out, 'site', 'org001', 'daily'), { recursive: true });
  writeFileSync(path.join(out, 'site', 'org001', 'index.html'), '<!doctype html><title>Org 1</title>ORG1-HOME');
  writeFileSync(path.join(out, 'site', 'org001', 'daily', '2026-03-01.html'), '<!doctype html><title>Day</title>ORG1-DAY');

  glific = connect({ url: testDb.url, readOnly: true, statementTimeoutMs: 10_000 });
  store = connectStore(testDb.url);
  await migrateStore(store);
});

afterAll(async () => {
  for (const app of apps) await app.close();
  await glific?.destroy();
  await store?.destroy();
  await setupDb?.destroy();
  await testDb?.drop();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('the cost of a login attempt', () => {
  it('is one PBKDF2 for every refusal: the SaaS phone in 100 organizations, role none, unknown and malformed phones take as long as a wrong password', async () => {
    const port = await startApp();
    const form = await loginForm(port);
    const cases: Record<string, [string, string]> = {
      wrongPassword: [STAFF_PHONE, 'Not-The-Password-1!'],
      saasPhone: [SAAS_ADMIN_PHONE, 'Not-The-Password-1!'],
      roleNone: [NONE_PHONE, FIXTURE_PASSWORD],
      unknownPhone: ['919799999999', FIXTURE_PASSWORD],
      malformedPhone: ['12', FIXTURE_PASSWORD],
    };
    const times: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));
    // Interleaved rounds, so a burst of load from elsewhere hits every case alike.
    for (let round = 0; round < 5; round++) {
      for (const [name, [phone, password]] of Object.entries(cases)) {
        const t0 = process.hrtime.bigint();
        const res = await post(port, form, phone, password);
        times[name].push(Number(process.hrtime.bigint() - t0) / 1e6);
        expect(res.status, name).toBe(401);
      }
    }
    const base = median(times.wrongPassword);
    for (const name of Object.keys(cases)) {
      const ratio = median(times[name]) / base;
      // Checking all 100 of the SaaS phone's hashes would make it ~100 times slower.
      expect(ratio, `${name}: ${times[name].map((t) => t.toFixed(0)).join(', ')} ms vs wrong password ${base.toFixed(0)} ms`).toBeGreaterThan(1 / 3);
      expect(ratio, `${name}: ${times[name].map((t) => t.toFixed(0)).join(', ')} ms vs wrong password ${base.toFixed(0)} ms`).toBeLessThan(3);
    }
    // The right password still works.
    expect((await post(port, form, STAFF_PHONE, FIXTURE_PASSWORD)).status).toBe(303);
  });

  it('keeps pages answering while a burst of 50 logins against the SaaS phone is being checked', async () => {
    const port = await startApp();
    const form = await loginForm(port);
    const ok = await post(port, form, STAFF_PHONE, FIXTURE_PASSWORD);
    expect(ok.status).toBe(303);
    const cookie = `${SESSION_COOKIE}=${/glific_reports_session=([^;]+)/.exec((ok.headers['set-cookie'] ?? []).join())?.[1]}`;

    const BURST = 50;
    let answered = 0;
    const statuses: number[] = [];
    const burst = Array.from({ length: BURST }, () =>
      post(port, form, SAAS_ADMIN_PHONE, 'Not-The-Password-1!').then((r) => {
        answered++;
        statuses.push(r.status);
      }));
    // The burst is under way once its first answer is back: the hash queue is full now.
    await expect.poll(() => answered, { timeout: 60_000, interval: 5 }).toBeGreaterThan(0);
    const pendingWhenPagesStart = BURST - answered;
    for (let i = 0; i < 10; i++) {
      const page = await request(port, 'GET', i % 2 ? '/org001/daily/2026-03-01.html' : '/org001/', { cookie });
      expect(page.status).toBe(200);
      expect(page.body).toMatch(/ORG1-(HOME|DAY)/);
    }
    const pendingWhenPagesDone = BURST - answered;
    await Promise.all(burst);
    expect(statuses.every((s) => s === 401), statuses.join(',')).toBe(true);
    // Ten pages went by while only a few of the 50 attempts finished.
    expect(pendingWhenPagesStart).toBeGreaterThanOrEqual(40);
    expect(pendingWhenPagesDone, `pending: ${pendingWhenPagesStart} when the pages started, ${pendingWhenPagesDone} when they were done`).toBeGreaterThanOrEqual(BURST / 2);
  });

  it('answers 503 with Retry-After at once when too many attempts are already being checked', async () => {
    const port = await startApp({ maxLoginsInFlight: 4 });
    const form = await loginForm(port);
    const results = await Promise.all(Array.from({ length: 12 }, () => post(port, form, SAAS_ADMIN_PHONE, 'Not-The-Password-1!')));
    const busy = results.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    expect(busy.every((r) => r.headers['retry-after'] === '5')).toBe(true);
    expect(results.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(4);
    // Once the queue has drained, logging in works again.
    expect((await post(port, form, STAFF_PHONE, FIXTURE_PASSWORD)).status).toBe(303);
  });
});
