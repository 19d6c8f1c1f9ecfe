// `glific-reports serve` over real HTTP on loopback against a real Glific-shaped PostgreSQL
// database: who can log in, what a session may read, and what never leaves the server.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { connect, type Db } from '../db/connect.ts';
import { loadConfig, readConfig } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import net from 'node:net';
import { GlificFixture, SAAS_ADMIN_PHONE, FIXTURE_PASSWORD } from '../demo/glific/fixture.ts';
import { hashPassword } from '../serve/password.ts';
import { createServeApp, type ServeOptions } from '../serve/app.ts';
import { LOGIN_CSRF_COOKIE, SESSION_COOKIE } from '../serve/session.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { runServe, serveArgs } from '../cli/serve.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';

const SECRET = 'test-secret-'.padEnd(48, 'x');
const ALPHA_PHONE = '919800000001';
const ALPHA_PASSWORD = 'Alpha-Pass-2024!';
const BETA_PHONE = '919800000002';
const GAMMA_PHONE = '919800000003';
const LEGACY_PHONE = '919800000004';
const BRUTE_PHONE = '919800000005';
const NONE_PHONE = '919800000006';
const TWO_ORGS_PHONE = '919800000007';
const ROLE_PHONES = { staff: '919800000011', manager: '919800000012', admin: '919800000013', glific_admin: '919800000014' };

interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

const seen: Array<{ what: string; res: Res }> = [];
let testDb: TestDatabase;
let setupDb: Db;
let glific: Db;
let store: Db;
let out: string;
let siteDir: string;
let app: FastifyInstance;
let port: number;
// The app's clock starts at the real time: the `serve` command started below (real clock) purges
// sessions that are expired by its own clock.
let clock = new Date();
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

async function loginForm(p = port, headers: Record<string, string> = {}): Promise<{ cookie: string; csrf: string }> {
  const res = await request('GET', '/login', { port: p, headers });
  expect(res.status).toBe(200);
  const csrf = /name="csrf" value="([^"]+)"/.exec(res.body)?.[1];
  const c = cookiesOf(res);
  const [name] = Object.keys(c);
  return { cookie: `${name}=${c[name]}`, csrf: csrf ?? '' };
}

async function login(phone: string, password: string, p = port, headers: Record<string, string> = {}): Promise<Res> {
  const form = await loginForm(p, headers);
  return request('POST', '/login', { port: p, cookie: form.cookie, headers, form: { csrf: form.csrf, phone, password } });
}

/** Another app on the same databases (another process, or this one after a restart). */
async function startApp(extra: Partial<ServeOptions> = {}): Promise<{ app: FastifyInstance; port: number }> {
  const other = await createServeApp({ siteDir, glific, store, sessionSecret: SECRET, dummyIterations: 1000, ...extra });
  await other.listen({ port: 0, host: '127.0.0.1' });
  return { app: other, port: (other.server.address() as AddressInfo).port };
}

/** The logout button's CSRF token on the session's index page. */
async function logoutToken(cookie: string, p = port): Promise<string> {
  const index = await request('GET', '/', { cookie, port: p });
  const token = /action="\/logout">\s*<input type="hidden" name="csrf" value="([^"]+)"/.exec(index.body)?.[1];
  expect(token).toBeTruthy();
  return token!;
}

async function sessionCookie(phone: string, password: string): Promise<string> {
  const res = await login(phone, password);
  expect(res.status).toBe(303);
  const value = cookiesOf(res)[SESSION_COOKIE];
  expect(value).toBeTruthy();
  return `${SESSION_COOKIE}=${value}`;
}

const BIN = path.resolve('bin/glific-reports.js');

interface ServeProcess {
  port: number;
  stop(): Promise<void>;
}

/** `glific-reports serve --port 0` as its own process; resolves once it listens. */
function serveProcess(env: Record<string, string>): Promise<ServeProcess> {
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { env: { PATH: process.env.PATH!, HOME: tmpdir(), ...env }, cwd: tmpdir() });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d) => {
      stdout += d;
      const m = /on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (m) resolve({ port: Number(m[1]), async stop() { if (child.exitCode === null) child.kill('SIGTERM'); await exited; } });
    });
    void exited.then(() => reject(new Error(`serve exited before listening: ${stderr}`)));
  });
}

function runBin(args: string[], env: Record<string, string>): Promise<{ code: number; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, HOME: tmpdir(), ...env }, cwd: tmpdir() });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stderr })));
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
  // What Glific's public registration makes: a user with role `none`, in an active organization.
  await fx.user(alpha.id, { phone: NONE_PHONE, name: 'Self Registered', roles: ['none'] });
  // Role none in alpha (the lower id), staff in beta: beta is where this phone may log in.
  await fx.user(alpha.id, { phone: TWO_ORGS_PHONE, name: 'Nobody Here', roles: ['none'] });
  await fx.user(beta.id, { phone: TWO_ORGS_PHONE, name: 'Staff There', roles: ['staff'] });
  for (const [role, phone] of Object.entries(ROLE_PHONES)) await fx.user(alpha.id, { phone, name: `A ${role}`, roles: ['none', role] });

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
  // The store on the Glific server's database, schema glific_reports: the default when
  // REPORTS_DATABASE_URL is unset.
  store = connectStore(testDb.url);
  await migrateStore(store);
  app = await createServeApp({
    siteDir, glific, store, sessionSecret: SECRET, dummyIterations: 1000,
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
  await store?.destroy();
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

  it('refuses a wrong password, an unknown phone, an inactive organization, role none and a legacy hash with one message', async () => {
    const wrong = await login(ALPHA_PHONE, 'Alpha-Pass-2025!');
    const unknown = await login('+1 555 0100 999', ALPHA_PASSWORD);
    const inactive = await login(GAMMA_PHONE, FIXTURE_PASSWORD);
    const legacy = await login(LEGACY_PHONE, FIXTURE_PASSWORD);
    const none = await login(NONE_PHONE, FIXTURE_PASSWORD);
    const message = (r: Res) => /role="alert">([^<]*)</.exec(r.body)?.[1];
    for (const r of [wrong, unknown, inactive, legacy, none]) {
      expect(r.status).toBe(401);
      expect(cookiesOf(r)[SESSION_COOKIE]).toBeUndefined();
      expect(message(r)).toBe(message(wrong));
    }
    expect(message(wrong)).toMatch(/not correct/);
    const reasons = logged.filter(([e]) => e === 'serve.login_refused').map(([, f]) => f?.reason);
    expect(reasons).toEqual(expect.arrayContaining(['bad_password', 'unknown_phone', 'org_inactive', 'legacy_hash', 'role_not_allowed']));
    const noneLog = logged.find(([, f]) => f?.reason === 'role_not_allowed');
    expect(String(noneLog?.[1]?.hint)).toMatch(/roles include none of staff, manager, admin, glific_admin/);
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

  it('lets in staff, managers, admins and Glific admins', async () => {
    for (const [role, phone] of Object.entries(ROLE_PHONES)) {
      const res = await login(phone, FIXTURE_PASSWORD);
      expect(res.status, role).toBe(303);
      expect(res.headers.location).toBe('/alpha/');
    }
  });

  it('takes the organization where the phone may log in, even when another one has a lower id', async () => {
    const res = await login(TWO_ORGS_PHONE, FIXTURE_PASSWORD);
    expect(res.status).toBe(303);
    expect(res.headers.location).toBe('/beta/');
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

  it('over HTTPS behind a listed proxy: __Host- cookies (Secure, Path=/, no Domain) and HSTS; not for anyone else', async () => {
    const https = { 'x-forwarded-proto': 'https' };
    // This app trusts no proxy: the header is the client's own claim.
    const untrusted = await request('GET', '/login', { headers: https });
    expect((untrusted.headers['set-cookie'] ?? []).join()).not.toMatch(/Secure|__Host-/);
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
    // Trusting some other network is not trusting us either.
    const elsewhere = await startApp({ trustProxy: ['10.0.0.0/8'] });
    const proxied = await startApp({ trustProxy: ['127.0.0.1'] });
    try {
      const other = await request('GET', '/login', { port: elsewhere.port, headers: https });
      expect((other.headers['set-cookie'] ?? []).join()).not.toMatch(/Secure|__Host-/);
      expect(other.headers['strict-transport-security']).toBeUndefined();

      const p = proxied.port;
      const form = await request('GET', '/login', { port: p, headers: https });
      expect(form.headers['strict-transport-security']).toBe('max-age=31536000');
      const [formCookie] = form.headers['set-cookie'] ?? [];
      expect(formCookie).toMatch(new RegExp(`^__Host-${LOGIN_CSRF_COOKIE}=[^;]+; Path=/; HttpOnly; SameSite=Lax; Secure$`));
      const res = await login(ALPHA_PHONE, ALPHA_PASSWORD, p, https);
      expect(res.status).toBe(303);
      expect(res.headers['strict-transport-security']).toBe('max-age=31536000');
      const set = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith(`__Host-${SESSION_COOKIE}=`)) ?? '';
      expect(set).toMatch(/; Path=\/; HttpOnly; SameSite=Lax; Max-Age=43200; Secure$/);
      expect(set).not.toMatch(/Domain/i);
      const value = cookiesOf(res)[`__Host-${SESSION_COOKIE}`];
      expect((await request('GET', '/alpha/', { port: p, headers: https, cookie: `__Host-${SESSION_COOKIE}=${value}` })).status).toBe(200);
      // Over HTTPS only the prefixed name counts: a plain-named cookie could have been planted.
      expect((await request('GET', '/alpha/', { port: p, headers: https, cookie: `${SESSION_COOKIE}=${value}` })).status).toBe(303);
      // Plain HTTP through the same proxy: no HSTS, no Secure.
      const plain = await request('GET', '/login', { port: p, headers: { 'x-forwarded-proto': 'http' } });
      expect(plain.headers['strict-transport-security']).toBeUndefined();
      expect((plain.headers['set-cookie'] ?? []).join()).not.toMatch(/Secure|__Host-/);
    } finally {
      await elsewhere.app.close();
      await proxied.app.close();
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
    expect(value).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // The store holds only a digest of the token: a row read from it is not a cookie.
    const { rows } = await setupDb.raw('SELECT id FROM glific_reports.serve_sessions');
    expect(rows.length).toBeGreaterThan(0);
    expect(JSON.stringify(rows)).not.toContain(value);
    const altered = value.slice(0, -1) + (value.endsWith('A') ? 'B' : 'A');
    for (const cookie of [`${SESSION_COOKIE}=${altered}`, `${SESSION_COOKIE}=${rows[0].id}`, `${SESSION_COOKIE}=${value}x`, `${SESSION_COOKIE}=garbage`]) {
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

  it('limits FAILED attempts per client address across phones; logins that succeed do not count', async () => {
    const small = await startApp({ ipRule: { max: 3, windowMs: 60_000 } });
    try {
      const p = small.port;
      // An office behind one address: many colleagues log in, nobody is locked out.
      for (let i = 0; i < 8; i++) expect((await login(ALPHA_PHONE, ALPHA_PASSWORD, p)).status, `login ${i}`).toBe(303);
      for (let i = 0; i < 3; i++) expect((await login(`91700000000${i}`, 'Whatever-1!', p)).status).toBe(401);
      const blocked = await login('917000000009', 'Whatever-1!', p);
      expect(blocked.status).toBe(429);
      expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
      expect(blocked.body).toMatch(/Too many failed login attempts/);
      // Once the address has used up its failures, even the right password waits.
      expect((await login(ALPHA_PHONE, ALPHA_PASSWORD, p)).status).toBe(429);
    } finally {
      await small.app.close();
    }
  });

  it('takes the client address from X-Forwarded-For only when the connection comes from a listed proxy', async () => {
    const rule = { ipRule: { max: 2, windowMs: 60_000 } };
    const behindProxy = await startApp({ ...rule, trustProxy: ['127.0.0.1'] });
    const direct = await startApp({ ...rule, trustProxy: ['10.0.0.0/8'] });
    const from = (ip: string) => ({ 'x-forwarded-for': ip });
    try {
      // Through the proxy (loopback here), each client address has its own budget.
      let p = behindProxy.port;
      for (let i = 0; i < 2; i++) expect((await login('917100000001', 'Wrong-1!', p, from('203.0.113.7'))).status).toBe(401);
      expect((await login('917100000002', 'Wrong-1!', p, from('203.0.113.7'))).status).toBe(429);
      // A client cannot escape by writing its own X-Forwarded-For: the proxy appends the real one.
      expect((await login('917100000003', 'Wrong-1!', p, from('198.51.100.1, 203.0.113.7'))).status).toBe(429);
      expect((await login('917100000004', 'Wrong-1!', p, from('203.0.113.8'))).status).toBe(401);
      // Connecting directly (not from a listed proxy), the header is ignored: one budget for the socket's address.
      p = direct.port;
      expect((await login('917100000005', 'Wrong-1!', p, from('203.0.113.1'))).status).toBe(401);
      expect((await login('917100000006', 'Wrong-1!', p, from('203.0.113.2'))).status).toBe(401);
      expect((await login('917100000007', 'Wrong-1!', p, from('203.0.113.3'))).status).toBe(429);
    } finally {
      await behindProxy.app.close();
      await direct.app.close();
    }
  });
});

describe('sessions in the store', () => {
  it('are shared by two instances: a login on one reads on the other, a logout on either ends it on both', async () => {
    const b = await startApp();
    try {
      const cookie = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
      const other = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
      expect((await request('GET', '/alpha/', { cookie, port: b.port })).status).toBe(200);
      const out = await request('POST', '/logout', { cookie, port: b.port, form: { csrf: await logoutToken(cookie, b.port) } });
      expect(out.status).toBe(303);
      for (const p of [port, b.port]) {
        const after = await request('GET', '/alpha/', { cookie, port: p });
        expect(after.status, `port ${p}`).toBe(303);
        expect(after.headers.location).toBe('/login');
        expect((await request('GET', '/alpha/', { cookie: other, port: p })).status).toBe(200);
      }
    } finally {
      await b.app.close();
    }
  });

  it('survive a restart, and so does a logout', async () => {
    const first = await startApp();
    const loggedOut = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
    const kept = await sessionCookie(ALPHA_PHONE, ALPHA_PASSWORD);
    expect((await request('POST', '/logout', { cookie: loggedOut, port: first.port, form: { csrf: await logoutToken(loggedOut, first.port) } })).status).toBe(303);
    await first.app.close();
    const again = await startApp();
    try {
      expect((await request('GET', '/alpha/daily/2026-03-01.html', { cookie: kept, port: again.port })).status).toBe(200);
      expect((await request('GET', '/alpha/daily/2026-03-01.html', { cookie: loggedOut, port: again.port })).status).toBe(303);
    } finally {
      await again.app.close();
    }
  });

  it('without REPORTS_SESSION_SECRET, instances share a form key kept in the store', async () => {
    const a = await startApp({ sessionSecret: undefined });
    const b = await startApp({ sessionSecret: undefined });
    try {
      const form = await loginForm(a.port);
      const res = await request('POST', '/login', { port: b.port, cookie: form.cookie, form: { csrf: form.csrf, phone: ALPHA_PHONE, password: ALPHA_PASSWORD } });
      expect(res.status).toBe(303);
      const cookie = `${SESSION_COOKIE}=${cookiesOf(res)[SESSION_COOKIE]}`;
      const out = await request('POST', '/logout', { cookie, port: a.port, form: { csrf: await logoutToken(cookie, b.port) } });
      expect(out.status).toBe(303);
    } finally {
      await a.app.close();
      await b.app.close();
    }
  });

  it('purges expired sessions from the store', async () => {
    let later = new Date(clock.getTime() + 13 * 3600_000);
    const c = await startApp({ now: () => later });
    try {
      const expired = async () => Number((await setupDb.raw('SELECT count(*) AS n FROM glific_reports.serve_sessions WHERE expires_at <= ?', [later])).rows[0].n);
      // Sessions made by the other tests are 13 hours old by this clock: purged at start.
      await expect.poll(expired).toBe(0);
      const live = Number((await setupDb.raw('SELECT count(*) AS n FROM glific_reports.serve_sessions')).rows[0].n);
      // A session made now, then 13 hours later (and more than 10 minutes since the last purge) a login purges it.
      const cookie = await (async () => {
        const res = await login(ALPHA_PHONE, ALPHA_PASSWORD, c.port);
        return `${SESSION_COOKIE}=${cookiesOf(res)[SESSION_COOKIE]}`;
      })();
      expect((await request('GET', '/alpha/', { cookie, port: c.port })).status).toBe(200);
      later = new Date(later.getTime() + 13 * 3600_000);
      expect(await expired()).toBeGreaterThan(0);
      expect((await request('GET', '/alpha/', { cookie, port: c.port })).status).toBe(303);
      expect((await login(ALPHA_PHONE, ALPHA_PASSWORD, c.port)).status).toBe(303);
      await expect.poll(expired).toBe(0);
      expect(live).toBe(0);
    } finally {
      await c.app.close();
    }
  });
});

describe('connections', () => {
  it('cuts off a client that trickles its request headers', async () => {
    const slow = await startApp({ timeouts: { headersMs: 300, requestMs: 600, checkEveryMs: 50 } });
    try {
      const socket = net.connect(slow.port, '127.0.0.1');
      let received = '';
      let sent = 0;
      const closed = new Promise<void>((resolve) => socket.on('close', () => resolve()));
      socket.on('data', (d) => { received += String(d); });
      socket.on('error', () => {});
      await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
      socket.write('GET /login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      // One header line every 100 ms keeps the socket busy (an idle timeout alone never fires)
      // and would never end: only the headers timeout stops it.
      const MAX_LINES = 100;
      let stopped = false;
      void closed.then(() => { stopped = true; });
      while (!stopped && sent < MAX_LINES) {
        if (!socket.destroyed) socket.write(`X-Slow-${sent}: a\r\n`);
        sent++;
        await new Promise((r) => setTimeout(r, 100));
      }
      await closed;
      expect(sent).toBeLessThan(MAX_LINES);
      expect(received).toMatch(/^HTTP\/1\.1 408 /);
    } finally {
      await slow.app.close();
    }
  });
});

describe('the command', () => {
  it('needs GLIFIC_DATABASE_URL', async () => {
    const config = loadConfig({ REPORTS_OUTPUT_DIR: out }, out);
    const io = { stdout: process.stdout, stderr: process.stderr, env: {} };
    await expect(runServe(serveArgs({}), config, io, () => {})).rejects.toThrow(UsageError);
    await expect(runServe(serveArgs({}), config, io, () => {})).rejects.toThrow(/GLIFIC_DATABASE_URL/);
    expect(() => serveArgs({ port: 'x' })).toThrow(UsageError);
    // The secret is part of the configuration, checked when it is loaded, before serve starts.
    await expect(async () => runServe(serveArgs({}), loadConfig({ REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url, REPORTS_SESSION_SECRET: 'short' }, out), io, () => {})).rejects.toThrow(/32 characters/);
  });

  it('refuses REPORTS_TRUST_PROXY=1 and anything that is not a list of addresses, naming what to write instead', () => {
    expect(() => readConfig({ REPORTS_TRUST_PROXY: '1' })).toThrow(UsageError);
    expect(() => readConfig({ REPORTS_TRUST_PROXY: '1' })).toThrow(/list the addresses of your reverse proxies.*127\.0\.0\.1/);
    for (const bad of ['true', '10.0.0.0/33', 'proxy.example.org', '10.0.0.1,,nope', '::1/129']) {
      expect(() => readConfig({ REPORTS_TRUST_PROXY: bad }), bad).toThrow(/REPORTS_TRUST_PROXY/);
    }
    expect(readConfig({ REPORTS_TRUST_PROXY: ' 127.0.0.1, 10.0.0.0/8 ,::1,fd00::/8,loopback' }).trustProxy)
      .toEqual(['127.0.0.1', '10.0.0.0/8', '::1', 'fd00::/8', 'loopback']);
    expect(readConfig({}).trustProxy).toEqual([]);
  });

  it('serves until stopped', async () => {
    const config = loadConfig({ REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url }, out);
    const events: string[] = [];
    const stop = new AbortController();
    let printed = '';
    const stdout = new (await import('node:stream')).Writable({ write(c, _e, cb) { printed += String(c); cb(); } });
    let url = '';
    const done = runServe(serveArgs({ port: '0' }), config, { stdout, stderr: process.stderr, env: {} }, (e, f) => events.push(`${e} ${JSON.stringify(f ?? {})}`), {
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
    expect(events.join('\n')).toMatch(/serve.listening/);
  });

  it('as real processes on one REPORTS_DATABASE_URL: a session works on both, a logout holds on both and across a restart', async () => {
    const storeDb = await createTestDatabase('serve_store');
    const env = { REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url, REPORTS_DATABASE_URL: storeDb.url, REPORTS_TRUST_PROXY: '127.0.0.1' };
    const running: ServeProcess[] = [];
    try {
      const one = await serveProcess(env);
      running.push(one);
      const two = await serveProcess(env);
      running.push(two);
      const res = await login(ALPHA_PHONE, ALPHA_PASSWORD, one.port);
      expect(res.status).toBe(303);
      const cookie = `${SESSION_COOKIE}=${cookiesOf(res)[SESSION_COOKIE]}`;
      const kept = `${SESSION_COOKIE}=${cookiesOf(await login(ALPHA_PHONE, ALPHA_PASSWORD, two.port))[SESSION_COOKIE]}`;
      expect((await request('GET', '/alpha/', { cookie, port: two.port })).status).toBe(200);
      // The sessions are in the store named by REPORTS_DATABASE_URL, not in the Glific database.
      expect(Number((await sql(storeDb.url, 'SELECT count(*) AS n FROM glific_reports.serve_sessions')).rows[0].n)).toBe(2);
      expect((await request('POST', '/logout', { cookie, port: two.port, form: { csrf: await logoutToken(cookie, one.port) } })).status).toBe(303);
      expect((await request('GET', '/alpha/', { cookie, port: one.port })).status).toBe(303);
      await one.stop();
      await two.stop();
      const again = await serveProcess(env);
      running.push(again);
      expect((await request('GET', '/alpha/', { cookie, port: again.port })).status).toBe(303);
      expect((await request('GET', '/alpha/', { cookie: kept, port: again.port })).status).toBe(200);
    } finally {
      for (const r of running) await r.stop();
      await storeDb.drop();
    }
  });

  it('exits 2 on REPORTS_TRUST_PROXY=1 before opening anything', async () => {
    const r = await runBin(['serve', '--port', '0'], { REPORTS_OUTPUT_DIR: out, GLIFIC_DATABASE_URL: testDb.url, REPORTS_TRUST_PROXY: '1' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPORTS_TRUST_PROXY.*list the addresses/);
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
