// `npm run demo:serve` in a real Chromium: a newcomer opens the printed address, logs in with a
// printed demo login, sees the organization's index, follows a link to a daily page and sees
// its charts — with the server's CSP in force, no console errors and no failed request.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/browser.ts';
import { startDemoServe, type DemoServe } from './support/demo-serve.ts';

warnIfNoChromium('demo-serve-browser tests');

const artifacts = path.resolve('test-artifacts');
let demo: DemoServe;
let browser: Browser;

beforeAll(async () => {
  if (!hasChromium) return;
  demo = await startDemoServe(['--port', '0', '--days', '3']);
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await demo?.cleanup();
});

describe.skipIf(!hasChromium)('demo --serve in Chromium', () => {
  it('logs in with the printed credentials, shows the index, a daily page and its charts', async () => {
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    const page = await context.newPage();
    const errors: string[] = [];
    const failed: string[] = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
    page.on('response', (r) => r.status() >= 400 && failed.push(`${r.url()} ${r.status()}`));
    page.on('request', (r) => !r.url().startsWith(demo.url) && failed.push(`external request ${r.url()}`));

    const { shortcode, phone, password } = demo.logins[0];
    await page.goto(`${demo.url}/login`);
    await page.getByLabel('Phone number with country code').fill(phone);
    await page.getByLabel('Password').fill(password);
    await Promise.all([page.waitForURL(`${demo.url}/${shortcode}/`), page.getByRole('button', { name: 'Log in' }).click()]);
    expect(await page.locator('h1').first().innerText()).toContain('Akshar Shiksha Trust');
    await page.screenshot({ path: path.join(artifacts, 'demo-serve-index.png'), fullPage: true });

    const daily = page.locator('a[href^="daily/"]').first();
    const href = await daily.getAttribute('href');
    expect(href).toMatch(/^daily\/\d{4}-\d{2}-\d{2}\.html$/);
    await Promise.all([page.waitForURL(`${demo.url}/${shortcode}/${href}`), daily.click()]);
    const charts = await page.$$eval('.plot svg, .plot img', (els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ w: r.width, h: r.height })));
    expect(charts.length).toBeGreaterThan(0);
    for (const c of charts) {
      expect(c.w).toBeGreaterThan(100);
      expect(c.h).toBeGreaterThan(40);
    }
    await page.screenshot({ path: path.join(artifacts, 'demo-serve-daily.png'), fullPage: true });

    expect(errors).toEqual([]);
    expect(failed).toEqual([]);
    await context.close();
  });
});
