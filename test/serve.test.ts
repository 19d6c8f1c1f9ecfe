// `glific-reports serve` over real HTTP on loopback against a real Glific-shaped PostgreSQL
// database: who can log in, what a session may read, and what never leaves the server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { connect, type Db } from '../db/connect.ts';
import { loadConfig } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import { GlificFixture, SAAS_ADMIN_PHONE, FIXTURE_PASSWORD } from '../demo/glific/fixture.ts';
import { hashPassword } from '../serve/password.ts';
import { createServeApp } from '../serve/app.ts';
import { SESSION_COOKIE } from '../serve/session.ts';
import { runServe } from '../cli/serve.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';

const SECRET = 'test-secret-'.padEnd(48, 'x');
const ALPHA_PHONE = '919800000001';
const ALPHA_PASSWORD = 'Alpha-Pass-2024!';
const BETA_PHONE = '919800000002';
const GAMMA_PHONE = '919800000003';
const LEGACY_PHONE = '919800000004';
const BRUTE_PHONE = '919800000005';

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Array<{ what: string; res: Res }> = [];
let testDb: TestDatabase;
let setupDb: Db;
let glific: Db;
let out: string;
let siteDir: string;
let app: FastifyInstance;
let port: number;
let clock = new Date('2026-03-10T08:00:00Z');
const logged: Array<[string, Record<string, unknown> | undefined]> = [];

function request(method: string, target: string, o: { cookie?: string; form?: Record<string, string>; headers?: Record<string, string>; port?: number } = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const body = o.form ? new URLSearchParams(o.form).toString() : undefined;
    const headers: Record<string, string> = { ...o.headers };
    if (o.cookie) headers.cookie = o.cookie;
    if (body !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      headers['content-length'] = String(Buffer.byteLength(body));
    }
    // node:http sends `path` byte for byte: no URL normalisation of `..` or `\`.
    const req = http.request({ host: '127.0.0.1', port: o.port ?? port, method, path: target, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const r = { status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') };
        seen.push({ what: `${method} ${target}`, res: r });
        resolve(r);
      });
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** name=value pairs from Set-Cookie, for the next request's Cookie header. */
function cookiesOf(res: Res): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of res.headers['set-cookie'] ?? []) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

async function loginForm(p = port): Promise<{ cookie: string; csrf: string }> {
  const res = await request('GET', '/login', { port: p });
  expect(res.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1];
  const c = cookiesOf(res);
  const [name] = Object.keys(c);
  return { cookie: `${name}=${c[name]}`, csrf: csrf ?? '' };
}

async function login(phone: string, password: string, p = port): Promise<Res> {
  const form = await loginForm(p);
  return request('POST', '/login', { port: p, cookie: form.cookie, form: { csrf: form.csrf, phone, password } });
}

async function sessionCookie(phone: string, password: string): Promise<string> {
  const res = await login(phone, password);
  expect(res.status).toBe(303);
  const value = cookiesOf(res)[SESSION_COOKIE];
  expect(value).toBeTruthy();
  return `${SESSION_COOKIE}=${value}`;
}

/** The same hash written in the pre-2023 standard Base64 encoding (`+`, `=` padding). */
function legacyHash(password: string): string {
  const [, prefix, iter, salt, hash] = hashPassword(password, { iterations: 1000 }).split('$');
  const std = (t: string) => Buffer.from(t.replace(/\./g, '+'), 'base64').toString('base64');
  return `$${prefix}$${iter}$${std(salt)}$${std(hash)}`;
}

function writeFile(rel: string, text: string) {
  const file = path.join(out, rel);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
}

beforeAll(async () => {
  testDb = await createTestDatabase('serve');
  setupDb = connect({ url: testDb.url });
  const fx = await GlificFixture.create(setupDb);
  const alpha = await fx.org({ shortcode: 'alpha', name: 'Alpha <b>Trust</b>' });
  const beta = await fx.org({ shortcode: 'beta', name: 'Beta NGO' });
  const gamma = await fx.org({ shortcode: 'gamma', name: 'Gamma (inactive)', status: 'inactive' });
  await fx.user(alpha.id, { phone: ALPHA_PHONE, name: 'Asha', password: ALPHA_PASSWORD, roles: ['admin'] });
  await fx.user(beta.id, { phone: BETA_PHONE, name: 'Bina' });
  await fx.user(gamma.id, { phone: GAMMA_PHONE, name: 'Gita' });
  await fx.user(alpha.id, { phone: LEGACY_PHONE, name: 'Old Hash' });
  await setupDb.raw('UPDATE users SET password_hash = ? WHERE phone = ?', [legacyHash(FIXTURE_PASSWORD), LEGACY_PHONE]);
  await fx.user(beta.id, { phone: BRUTE_PHONE, name: 'Target' });

  out = mkdtempSync(path.join(tmpdir(), 'serve-test-'));
  siteDir = path.join(out, 'site');
  writeFile('site/index.html', '<!doctype html><title>all</title>ALL-ORGS-LISTING alpha beta gamma');
  writeFile('site/.manifest.json', '{"MANIFEST-SECRET":1}');
  writeFile('site/alpha/index.html', '<!doctype html><title>Alpha</title>ALPHA-HOME <a href="daily/2026-03-01.html">1 March</a>');
  writeFile('site/alpha/daily/2026-03-01.html', '<!doctype html><title>Alpha day</title>ALPHA-DAY');
  writeFile('site/alpha/data/daily.csv', 'date,new_contacts\r\n2026-03-01,5\r\n');
  writeFile('site/beta/index.html', '<!doctype html><title>Beta</title>BETA-SECRET');
  writeFile('site/beta/data/daily.csv', 'date,new_contacts\r\nBETA-CSV-SECRET\r\n');
  writeFile('site/gamma/index.html', 'GAMMA-SECRET');
  writeFile('secret.txt', 'OUTSIDE-SECRET');
  symlinkSync(path.join(out, 'secret.txt'), path.join(siteDir, 'alpha', 'leak.txt'));
  symlinkSync(path.join(siteDir, 'beta'), path.join(siteDir, 'alpha', 'betalink'));

  glific = connect({ url: testDb.url, readOnly: true, statementTimeoutMs: 5000 });
  app = await createServeApp({
    siteDir, glific, sessionSecret: SECRET, dummyIterations: 1000,
    ipRule: { max: 1000, windowMs: 15 * 60 * 1000 },
    now: () => clock,
    log: (e, f) => logged.push([e, f]),
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});

afterAll(async () => {
  await app?.close();
  await glific?.destroy();
  await setupDb?.destroy();
  await testDb?.drop();
  if (out) rmSync(out, { recursive: true, force: true });
});

describe('logging in', () => {
  it('shows a login form with a CSRF field', async () => {
    const res = await request('GET', '/login');
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toMatch(/<form method="post" action="\/login">/);
    expect(res.body).toMatch(/name="phone"/);
    expect(res.body).toMatch(/type="password"/);
    expect(res.body).toMatch(/type="hidden" name="csrf" value="[A-Za-z0-9_-]{20,}"/);
  });

  it('lets a user in with the right password and sends them to their organization', async () => {
    const res = await login(ALPHA_PHONE, ALPHA_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/alpha/');
    const set = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`${SESSION_COOKIE}=`)) ?? '';
    expect(set).toMatch(/HttpOnly/);
    expect(set).toMatch(/SameSite=Lax/);
    expect(set).toMatch(/Max-Age=43200/);
    expect(set).not.toMatch(/Secure/);
    const home = await request('GET', '/alpha/', { cookie: `${SESSION_COOKIE}=${cookiesOf(res)[SESSION_COOKIE]}` });
    expect(home.status).toBe(200);
    expect(home.body).toContain('ALPHA-HOME');
  });

  it('accepts the phone written with +, spaces, dashes and parentheses', async () => {
    for (const written of ['+91 98000 00001', '+91-9800-000001', '(91) 9800000001']) {
      const res = await login(written, ALPHA_PASSWORD);
      expect(res.status, written).toBe(303);
      expect(res.headers.location).toBe('/alpha/');
    }
  });

  it('refuses a wrong password, an unknown phone, an inactive organization and a legacy hash with one message', async () => {
    const wrong = await login(ALPHA_PHONE, 'Alpha-Pass-2025!');
    const unknown = await login('+1 555 0100 999', ALPHA_PASSWORD);
    const inactive = await login(GAMMA_PHONE, FIXTURE_PASSWORD);
    const legacy = await login(LEGACY_PHONE, FIXTURE_PASSWORD);
    const message = (r: Res) => /role="alert">([^<]*)</.exec(r.body)?.[1];
    for (const r of [wrong, unknown, inactive, legacy]) {
      expect(r.status).toBe(401);
      expect(cookiesOf(r)[SESSION_COOKIE]).toBeUndefined();
      expect(message(r)).toBe(message(wrong));
    }
    expect(message(wrong)).toMatch(/not correct/);
    const reasons = logged.filter(([e]) => e === 'serve.login_refused').map(([, f]) => f?.reason);
    expect(reasons).toEqual(expect.arrayContaining(['bad_password', 'unknown_phone', 'org_inactive', 'legacy_hash']));
    const legacyLog = logged.find(([, f]) => f?.reason === 'legacy_hash');
    expect(String(legacyLog?.[1]?.hint)).toMatch(/standard Base64/);
    // The phone is masked in the log.
    expect(JSON.stringify(logged)).not.toContain(LEGACY_PHONE);
  });

  it('takes the active organization with the lowest id when a phone is a user in several', async () => {
    // The fixture's "SaaS Admin" user exists in alpha, beta and (inactive) gamma with one password.
    const res = await login(SAAS_ADMIN_PHONE, FIXTURE_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/alpha/');
  });

  it('refuses POST /login without the CSRF token, with a wrong one, or without the form cookie', async () => {
    const form = await loginForm();
    const none = await request('POST', '/login', { cookie: form.cookie, form: { phone: ALPHA_PHONE, password: ALPHA_PASSWORD } });
    const wrong = await request('POST', '/login', { cookie: form.cookie, form: { csrf: form.csrf.slice(0, -2) + 'AA', phone: ALPHA_PHONE, password: ALPHA_PASSWORD } });
    const noCookie = await request('POST', '/login', { form: { csrf: form.csrf, phone: ALPHA_PHONE, password: ALPHA_PASSWORD } });
    const other = await loginForm();
    const swapped = await request('POST', '/login', { cookie: other.cookie, form: { csrf: form.csrf, phone: ALPHA_PHONE, password: ALPHA_PASSWORD } });
    for (const r of [none, wrong, noCookie, swapped]) {
      expect(r.status).toBe(403);
      expect(cookiesOf(r)[SESSION_COOKIE]).toBeUndefined();
    }
  });

  it('marks the cookie Secure behind a trusted HTTPS proxy only', async () => {
    const untrusted = await request('GET', '/login', { headers: { 'x-forwarded-proto': 'https' } });
    expect((untrusted.headers['set-cookie'] ?? []).join()).not.toMatch(/Secure/);
    const proxied = await createServeApp({ siteDir, glific, sessionSecret: SECRET, trustProxy: true, dummyIterations: 1000 });
    await proxied.listen({ port: 0, host: '127.0.0.1' });
    try {
      const p = (proxied.server.address() as AddressInfo).port;
      const res = await request('GET', '/login', { port: p, headers: { 'x-forwarded-proto': 'https' } });
      expect((res.headers['set-cookie'] ?? []).join()).toMatch(/; Secure/);
    } finally {
      await proxied.close();
    }
  });
});

describe('what a session may read', () => {
  let alpha: string;
  beforeAll(async () => {
    alpha = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
  });

  it('sends anonymous page requests to the login form and answers 401 for data files', async () => {
    for (const p of ['/', '/index.html', '/alpha/', '/alpha/daily/2026-03-01.html', '/nowhere']) {
      const res = await request('GET', p);
      expect(res.status, p).toBe(303);
      expect(res.headers.location).toBe('/login');
    }
    const csv = await request('GET', '/alpha/data/daily.csv');
    expect(csv.status).toBe(401);
    expect(csv.body).not.toContain('2026-03-01');
  });

  it('serves the own organization: pages, CSV, and a generated index listing only it', async () => {
    const day = await request('GET', '/alpha/daily/2026-03-01.html', { cookie: alpha });
    expect(day.status).toBe(200);
    expect(day.body).toContain('ALPHA-DAY');
    expect(day.headers['content-type']).toBe('text/html; charset=utf-8');
    const csv = await request('GET', '/alpha/data/daily.csv', { cookie: alpha });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(csv.body).toBe('date,new_contacts\r\n2026-03-01,5\r\n');
    for (const p of ['/', '/index.html']) {
      const index = await request('GET', p, { cookie: alpha });
      expect(index.status).toBe(200);
      expect(index.body).not.toContain('ALL-ORGS-LISTING');
      expect(index.body).toContain('Alpha &lt;b&gt;Trust&lt;/b&gt;');
      expect(index.body).toContain('href="/alpha/"');
      expect(index.body).not.toMatch(/beta|gamma/i);
    }
    const bare = await request('GET', '/alpha', { cookie: alpha });
    expect(bare.status).toBe(303);
    expect(bare.headers.location).toBe('/alpha/');
  });

  it('answers 404 for other organizations, unknown paths, directories and hidden files', async () => {
    for (const p of ['/beta/', '/beta/index.html', '/beta/data/daily.csv', '/gamma/', '/gamma/index.html', '/nowhere/', '/alpha/nope.html',
      '/alpha/data/', '/alpha/daily/', '/.manifest.json', '/alpha/daily/2026-03-01.html/']) {
      const res = await request('GET', p, { cookie: alpha });
      expect(res.status, p).toBe(404);
      expect(res.body).not.toMatch(/SECRET|2026-03-01,5|Index of/);
    }
  });

  it('refuses path traversal in every encoding and symlinks that leave the organization', async () => {
    const attempts = [
      '/alpha/../beta/index.html', '/alpha/./../beta/index.html', '/alpha/%2e%2e/beta/index.html', '/alpha/%2E%2E/%2E%2E/secret.txt',
      '/alpha/.%2e/beta/data/daily.csv', '/alpha/%252e%252e/beta/index.html', '/alpha/%252e%252e%252fbeta%252findex.html',
      '/alpha/..%2fbeta%2findex.html', '/alpha/%2e%2e%2f%2e%2e%2fsecret.txt', '/alpha/..\\beta\\index.html', '/alpha/..%5cbeta%5cindex.html',
      '/alpha/%5c..%5c..%5csecret.txt', '/alpha/daily/2026-03-01.html%00.csv', '/alpha/%00', '/alpha/leak.txt', '/alpha/betalink/index.html',
      '/alpha/betalink/data/daily.csv', '/../secret.txt', '/%2e%2e/secret.txt', '//etc/passwd', '/alpha/%c0%ae%c0%ae/beta/index.html',
      '/alpha/%',
    ];
    for (const p of attempts) {
      const res = await request('GET', p, { cookie: alpha });
      expect([400, 404], p).toContain(res.status);
      expect(res.body, p).not.toMatch(/SECRET|root:/);
    }
  });

  it('sends an expired or tampered cookie back to the login form', async () => {
    const saved = clock;
    try {
      clock = new Date(saved.getTime() + 12 * 3600_000 - 1000);
      expect((await request('GET', '/alpha/', { cookie: alpha })).status).toBe(200);
      clock = new Date(saved.getTime() + 12 * 3600_000 + 1000);
      const expired = await request('GET', '/alpha/', { cookie: alpha });
      expect(expired.status).toBe(303);
      expect(expired.headers.location).toBe('/login');
    } finally {
      clock = saved;
    }
    const value = alpha.slice(SESSION_COOKIE.length + 1);
    const [body, sig] = value.split('.');
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    const forged = Buffer.from(JSON.stringify({ ...payload, shortcode: 'beta', exp: payload.exp + 86_400_000 })).toString('base64url');
    for (const cookie of [`${SESSION_COOKIE}=${forged}.${sig}`, `${SESSION_COOKIE}=${body}.${sig.slice(0, -3)}AAA`, `${SESSION_COOKIE}=${body}`, `${SESSION_COOKIE}=garbage`]) {
      for (const p of ['/beta/', '/alpha/']) {
        const res = await request('GET', p, { cookie });
        expect(res.status).toBe(303);
        expect(res.headers.location).toBe('/login');
      }
    }
  });

  it('ends the session on logout (CSRF-protected); the old cookie no longer works', async () => {
    const cookie = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
    const index = await request('GET', '/', { cookie });
    const token = /action="\/logout">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(index.body)?.[1];
    expect(token).toBeTruthy();
    const forged = await request('POST', '/logout', { cookie, form: { csrf: 'nope' } });
    expect(forged.status).toBe(403);
    expect((await request('GET', '/alpha/', { cookie })).status).toBe(200);
    const out = await request('POST', '/logout', { cookie, form: { csrf: token! } });
    expect(out.status).toBe(303);
    expect(out.headers.location).toBe('/login');
    expect((out.headers['set-cookie'] ?? []).join()).toMatch(new RegExp(`${SESSION_COOKIE}=; .*Max-Age=0`));
    const after = await request('GET', '/alpha/', { cookie });
    expect(after.status).toBe(303);
    expect(after.headers.location).toBe('/login');
    // Another session of the same user is untouched.
    expect((await request('GET', '/alpha/', { cookie: alpha })).status).toBe(200);
  });
});

describe('brute force', () => {
  it('limits attempts per phone: 429 with Retry-After, even for the right password', async () => {
    for (let i = 0; i < 10; i++) expect((await login(BRUTE_PHONE, `Wrong-${i}-Pass!`)).status).toBe(401);
    const blocked = await login(BRUTE_PHONE, `Wrong-x-Pass!`);
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(900);
    const right = await login('+' + BRUTE_PHONE, FIXTURE_PASSWORD);
    expect(right.status).toBe(429);
    expect(cookiesOf(right)[SESSION_COOKIE]).toBeUndefined();
    // Other phones from the same address still get in (per-IP limit not reached here).
    expect((await login(BETA_PHONE, FIXTURE_PASSWORD)).status).toBe(303);
    // After the window the phone may try again.
    const saved = clock;
    clock = new Date(saved.getTime() + 15 * 60_000 + 1000);
    try {
      expect((await login(BRUTE_PHONE, FIXTURE_PASSWORD)).status).toBe(303);
    } finally {
      clock = saved;
    }
  });

  it('limits attempts per client address across phones', async () => {
    const small = await createServeApp({ siteDir, glific, sessionSecret: SECRET, dummyIterations: 1000, ipRule: { max: 3, windowMs: 60_000 } });
    await small.listen({ port: 0, host: '127.0.0.1' });
    try {
      const p = (small.server.address() as AddressInfo).port;
      for (let i = 0; i < 3; i++) expect((await login(`91700000000${i}`, 'Whatever-1!', p)).status).toBe(401);
      const blocked = await login('917000000009', 'Whatever-1!', p);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    } finally {
      await small.close();
    }
  });
});

describe('the command', () => {
  it('needs GLIFIC_DATABASE_URL', async () => {
    const config = loadConfig({ REPORTS_OUTPUT_DIR: out }, out);
    const io = { stdout: process.stdout, stderr: process.stderr, env: {} };
    await expect(runServe([], config, io, () => {})).rejects.toThrow(UsageError);
    await expect(runServe([], config, io, () => {})).rejects.toThrow(/GLIFIC_DATABASE_URL/);
    const withDb = loadConfig({ REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url }, out);
    await expect(runServe(['--port', 'x'], withDb, io, () => {})).rejects.toThrow(UsageError);
    // The secret is part of the configuration, checked when it is loaded, before serve starts.
    await expect(async () => runServe([], loadConfig({ REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url, REPORTS_SESSION_SECRET: 'short' }, out), io, () => {})).rejects.toThrow(/32 characters/);
  });

  it('serves until stopped, warning that a generated secret ends sessions at restart', async () => {
    const config = loadConfig({ REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url }, out);
    const events: string[] = [];
    const stop = new AbortController();
    let printed = '';
    const stdout = new (await import('node:stream')).Writable({ write(c, _e, cb) { printed += String(c); cb(); } });
    let url = '';
    const done = runServe(['--port', '0'], config, { stdout, stderr: process.stderr, env: {} }, (e, f) => events.push(`${e} ${JSON.stringify(f ?? {})}`), {
      signal: stop.signal,
      onListening: (u) => { url = u; },
    });
    await expect.poll(() => url, { timeout: 10_000 }).not.toBe('');
    const p = Number(new URL(url).port);
    expect(new URL(url).hostname).toBe('127.0.0.1');
    expect((await login(ALPHA_PHONE, ALPHA_PASSWORD, p)).status).toBe(303);
    stop.abort();
    await expect(done).resolves.toBe(0);
    expect(printed).toContain('/login');
    expect(events.join('\n')).toMatch(/serve.warning.*sessions? end/);
  });
});

describe('headers', () => {
  it('puts the security headers on every response seen in this file (pages, redirects, 401, 403, 404, 429)', () => {
    const statuses = new Set(seen.map((s) => s.res.status));
    for (const s of [200, 303, 401, 403, 404, 429]) expect(statuses).toContain(s);
    for (const { what, res } of seen) {
      const csp = String(res.headers['content-security-policy']);
      expect(csp, what).toContain("script-src 'none'");
      expect(csp, what).toContain("frame-ancestors 'none'");
      expect(csp, what).toContain("form-action 'self'");
      expect(csp, what).toContain("base-uri 'none'");
      expect(csp, what).not.toMatch(/https?:|\*/);
      expect(res.headers['x-content-type-options'], what).toBe('nosniff');
      expect(res.headers['referrer-policy'], what).toBe('no-referrer');
      expect(res.headers['x-frame-options'], what).toBe('DENY');
      expect(res.headers['cache-control'], what).toBe('no-store');
    }
  });
});
