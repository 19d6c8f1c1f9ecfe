// `glific-reports serve` in a real Chromium: a programme officer logs in with their Glific phone
// and password, lands on their organization's reports, follows a link to a daily page, and logs
// out — with the server's CSP in force, no console errors and no failed request.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import { connect, type Db } from '../db/connect.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { publishSite } from '../publish/site.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { createServeApp } from '../serve/app.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { fixtureReport } from './support/site-fixtures.ts';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/browser.ts';

warnIfNoChromium('serve-browser tests');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, 'test-artifacts');
const axePath = path.join(root, 'node_modules/axe-core/axe.min.js');
const PHONE = '919811122233';
const PASSWORD = 'Field-Officer-42!';

let testDb: TestDatabase;
let setupDb: Db;
let glific: Db;
let store: Db;
let out: string;
let app: FastifyInstance;
let base: string;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  testDb = await createTestDatabase('serve_browser');
  setupDb = connect({ url: testDb.url });
  const fx = await GlificFixture.create(setupDb);
  const akshar = await fx.org({ shortcode: 'akshar', name: 'Akshar Shiksha Trust' });
  await fx.org({ shortcode: 'other', name: 'Other NGO' });
  await fx.user(akshar.id, { phone: PHONE, name: 'Field Officer', password: PASSWORD });

  out = mkdtempSync(path.join(tmpdir(), 'serve-browser-'));
  await publishSite({
    outputDir: out,
    now: new Date('2025-01-21T10:00:00Z'),
    reports: [
      fixtureReport({ shortcode: 'akshar', name: 'Akshar Shiksha Trust', id: 1, from: '2024-12-20', to: '2025-01-20' }),
      fixtureReport({ shortcode: 'other', name: 'Other NGO', id: 2, from: '2025-01-10', to: '2025-01-20', seed: 3 }),
    ],
  });
  glific = connect({ url: testDb.url, readOnly: true, statementTimeoutMs: 5000 });
  store = connectStore(testDb.url);
  await migrateStore(store);
  app = await createServeApp({ siteDir: path.join(out, 'site'), glific, store, sessionSecret: 'browser-test-secret-'.padEnd(40, 'x'), dummyIterations: 1000 });
  await app.listen({ port: 0, host: '127.0.0.1' });
  base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await glific?.destroy();
  await store?.destroy();
  await setupDb?.destroy();
  await testDb?.drop();
  if (out) rmSync(out, { recursive: true, force: true });
});

function watch(page: Page): { errors: string[]; failed: string[] } {
  const errors: string[] = [];
  const failed: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(`${m.text()} ${m.location().url}`));
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.url()} ${r.status()}`));
  page.on('request', (r) => !r.url().startsWith(base) && failed.push(`external request ${r.url()}`));
  return { errors, failed };
}

describe.skipIf(!hasChromium)('serve in Chromium', () => {
  it('logs in, lands on the organization, follows a link to a daily page, and logs out', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const seen = watch(page);

    await page.goto(`${base}/akshar/`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.screenshot({ path: path.join(artifacts, 'serve-login.png'), fullPage: true });

    await page.getByLabel('Phone number with country code').fill('+91 98111-22233');
    await page.getByLabel('Password').fill(PASSWORD);
    await Promise.all([page.waitForURL(`${base}/akshar/`), page.getByRole('button', { name: 'Log in' }).click()]);
    expect(await page.title()).toContain('Akshar Shiksha Trust');
    expect(await page.locator('h1').first().innerText()).toContain('Akshar Shiksha Trust');

    const daily = page.locator('a[href^="daily/"]').first();
    const href = await daily.getAttribute('href');
    expect(href).toMatch(/^daily\/\d{4}-\d{2}-\d{2}\.html$/);
    await Promise.all([page.waitForURL(`${base}/akshar/${href}`), daily.click()]);
    expect(await page.locator('h1').first().innerText()).toMatch(/\d{4}|January|December/);
    await page.screenshot({ path: path.join(artifacts, 'serve-daily.png'), fullPage: true });

    // Another organization's page is simply not there.
    const other = await page.goto(`${base}/other/`);
    expect(other?.status()).toBe(404);
    expect(seen.errors.length).toBeLessThanOrEqual(1); // Chromium logs the 404 document load
    seen.errors.splice(0);
    seen.failed.splice(0); // that 404 was the point

    // The site index lists this organization only, and carries the logout button.
    await page.goto(`${base}/`);
    expect(await page.locator('main a[href$="/"]').allInnerTexts()).toEqual(['Akshar Shiksha Trust']);
    await page.screenshot({ path: path.join(artifacts, 'serve-index.png'), fullPage: true });
    await Promise.all([page.waitForURL(`${base}/login`), page.getByRole('button', { name: 'Log out' }).click()]);
    await page.goto(`${base}/akshar/`);
    expect(new URL(page.url()).pathname).toBe('/login');

    expect(seen.errors).toEqual([]);
    expect(seen.failed).toEqual([]);
    await context.close();
  });

  it('says why a login failed, and the login form has no serious accessibility problem', async () => {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 } });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await page.getByLabel('Phone number with country code').fill('+91 98111 22233');
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(1);
    expect(await page.getByRole('alert').innerText()).toMatch(/not correct/);
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
    await page.screenshot({ path: path.join(artifacts, 'serve-login-failed.png'), fullPage: true });
    await context.close();

    // axe needs a script: a separate context that bypasses the page's CSP for it.
    const audit = await browser.newContext({ bypassCSP: true });
    const ap = await audit.newPage();
    await ap.goto(`${base}/login`);
    await ap.addScriptTag({ path: axePath });
    const violations = await ap.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe.run();
      return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    expect(violations).toEqual([]);
    await audit.close();
  });
});
