// The published site in a real Chromium: pages draw their charts with JavaScript off, make no
// request that fails or leaves the site, every internal link resolves, axe finds no serious
// accessibility problem (light and dark), and a 360 px phone gets no sideways scrolling.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { publishSite } from '../publish/site.ts';
import { buildPeriodPage } from '../pages/period-page.ts';
import { renderPage } from '../pages/render.ts';
import { sitePaths } from '../pages/links.ts';
import type { OrgReport } from '../metrics/report.ts';
import { fixtureReport } from './support/site-fixtures.ts';
import { hasChromium, launchChromium, warnIfNoChromium } from './support/browser.ts';

warnIfNoChromium('site-browser tests');

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const artifacts = path.join(root, 'test-artifacts');
const axePath = path.join(root, 'node_modules/axe-core/axe.min.js');

let out: string;
let server: Server;
let base: string;
let browser: Browser;
const served: string[] = [];
const NOW = new Date('2025-01-21T10:00:00Z');
const byShortcode = new Map<string, OrgReport>();

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.csv': 'text/csv; charset=utf-8', '.json': 'application/json' };

beforeAll(async () => {
  if (!hasChromium) return;
  out = mkdtempSync(path.join(tmpdir(), 'site-browser-'));
  const reports = [
    fixtureReport({
      shortcode: 'hostile', name: '<script>alert(1)</script> "Org" & co', id: 1, timezoneIsFallback: true,
      from: '2024-12-10', to: '2025-01-20', statsImportUntil: '2024-12-12', ranges: [['2025-01-01', '2025-01-15']],
      bookmarks: { 'Evil': 'javascript:alert(1)', 'Glific docs': 'https://glific.org/docs' },
      overrides: { '2025-01-19': { active_contacts: null } },
    }),
    fixtureReport({ shortcode: 'beta', name: 'Beta NGO', id: 2, timezone: 'America/New_York', from: '2025-01-10', to: '2025-01-20', seed: 3 }),
  ];
  for (const r of reports) byShortcode.set(r.org.shortcode, r);
  await publishSite({ outputDir: out, now: NOW, reports });
  const siteDir = path.join(out, 'site');
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    served.push(url.pathname);
    // What `serve` will answer: a range page of any dates, built on request.
    const asked = /^\/([^/]+)\/range$/.exec(url.pathname);
    const report = asked && byShortcode.get(asked[1]);
    if (report) {
      const period = { kind: 'range' as const, from: url.searchParams.get('from') ?? '', to: url.searchParams.get('to') ?? '' };
      const model = buildPeriodPage(report, period, { now: NOW, served: true, path: sitePaths.servedRange(report.org.shortcode) });
      renderPage(model).then((html) => res.writeHead(200, { 'content-type': TYPES['.html'] }).end(html), (e) => res.writeHead(400).end(String(e)));
      return;
    }
    const file = path.join(siteDir, decodeURIComponent(url.pathname));
    if (!file.startsWith(siteDir) || !existsSync(file) || !file.includes('.')) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await launchChromium();
  mkdirSync(artifacts, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (out) rmSync(out, { recursive: true, force: true });
});

interface Visit {
  page: Page;
  consoleErrors: string[];
  failed: string[];
}

async function open(url: string, opts: { js?: boolean; width?: number; dark?: boolean } = {}): Promise<Visit> {
  const context = await browser.newContext({
    javaScriptEnabled: opts.js ?? false,
    viewport: { width: opts.width ?? 1200, height: 900 },
    colorScheme: opts.dark ? 'dark' : 'light',
    // The pages forbid every script by CSP; only the axe run needs to inject one.
    bypassCSP: opts.js ?? false,
  });
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const failed: string[] = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  page.on('pageerror', (e) => consoleErrors.push(e.message));
  page.on('requestfailed', (r) => failed.push(`${r.url()} ${r.failure()?.errorText}`));
  page.on('response', (r) => r.status() >= 400 && failed.push(`${r.url()} ${r.status()}`));
  page.on('request', (r) => !r.url().startsWith(base) && failed.push(`external request ${r.url()}`));
  const res = await page.goto(url, { waitUntil: 'load' });
  expect(res?.status()).toBe(200);
  return { page, consoleErrors, failed };
}

async function chartSizes(page: Page): Promise<Array<{ w: number; h: number }>> {
  return page.$$eval('.plot svg, .plot img', (els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return { w: r.width, h: r.height };
  }));
}

describe.skipIf(!hasChromium)('report site in Chromium', () => {
  it('draws the org index and a daily page with JavaScript off, without errors or failed requests', async () => {
    for (const [url, shot, charts] of [
      ['/hostile/index.html', 'site-org-index.png', 20],
      ['/hostile/daily/2025-01-19.html', 'site-daily.png', 11],
      ['/hostile/monthly/2025-01.html', 'site-monthly.png', 15],
    ] as const) {
      const v = await open(base + url);
      const sizes = await chartSizes(v.page);
      expect(sizes.length, url).toBe(charts);
      for (const s of sizes) {
        expect(s.w).toBeGreaterThan(100);
        expect(s.h).toBeGreaterThan(40);
      }
      expect(await v.page.$$eval('script', (s) => s.length)).toBe(0);
      expect(await v.page.title()).toContain('<script>alert(1)</script> "Org" & co'); // shown as text
      await v.page.screenshot({ path: path.join(artifacts, shot), fullPage: true });
      expect(v.consoleErrors, url).toEqual([]);
      expect(v.failed, url).toEqual([]);
      await v.page.context().close();
    }
  });

  it('fits a 360 px phone without sideways scrolling, light and dark', async () => {
    for (const dark of [false, true]) {
      const v = await open(`${base}/hostile/daily/2025-01-19.html`, { width: 360, dark });
      expect(await v.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(360);
      await v.page.screenshot({ path: path.join(artifacts, `site-daily-360${dark ? '-dark' : ''}.png`), fullPage: true });
      if (dark) {
        const bg = await v.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
        expect(bg).toBe('rgb(18, 18, 18)');
        // Chart ink follows the page (currentColor), so axis labels are light on dark.
        const ink = await v.page.$eval('.plot svg text', (t) => getComputedStyle(t).fill);
        expect(ink).toBe('rgb(232, 232, 232)');
      }
      await v.page.context().close();
    }
  });

  it('resolves every internal link of the site', async () => {
    const seen = new Set<string>();
    const queue = ['/index.html'];
    const broken: string[] = [];
    while (queue.length) {
      const p = queue.shift()!;
      if (seen.has(p)) continue;
      seen.add(p);
      const res = await fetch(base + p);
      if (res.status !== 200) {
        broken.push(p);
        continue;
      }
      if (!p.endsWith('.html')) continue;
      const html = await res.text();
      for (const m of html.matchAll(/\shref="([^"]+)"/g)) {
        const href = m[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
        const u = new URL(href, base + p);
        if (u.origin !== base) continue;
        queue.push(u.pathname);
      }
    }
    expect(broken).toEqual([]);
    expect(seen.size).toBeGreaterThan(60);
    for (const must of ['/hostile/data/daily.csv', '/hostile/range/2025-01-01_2025-01-15.html', '/beta/monthly/2025-01.html']) expect(seen).toContain(must);
  });

  it('has no serious or critical axe violation (light and dark)', async () => {
    const report: string[] = [];
    for (const dark of [false, true]) {
      const urls = ['/hostile/index.html', '/hostile/daily/2025-01-19.html'];
      if (!dark) urls.push('/index.html', '/hostile/monthly/2025-01.html', '/hostile/range/2025-01-01_2025-01-15.html');
      for (const url of urls) {
        const v = await open(base + url, { js: true, dark });
        await v.page.addScriptTag({ path: axePath });
        const violations = await v.page.evaluate(async () => {
          const r = await (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string; nodes: Array<{ target: string[] }> }> }> } }).axe.run({ resultTypes: ['violations'] });
          return r.violations.map((x) => ({ id: x.id, impact: x.impact, nodes: x.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
        });
        for (const x of violations) report.push(`${dark ? 'dark' : 'light'} ${url}: ${x.impact} ${x.id} ${x.nodes.join(', ')}`);
        await v.page.context().close();
      }
    }
    if (report.length) console.warn(report.join('\n'));
    expect(report.filter((r) => / (serious|critical) /.test(r))).toEqual([]);
  });

  it('asks for other dates through the range form, with JavaScript off, and gets the page of those dates', async () => {
    const v = await open(`${base}/hostile/range?from=2025-01-13&to=2025-01-19`);
    const p = v.page;
    expect(await p.textContent('h1 .period')).toBe('13 January 2025 to 19 January 2025');
    expect(await p.textContent('.summary .note')).toContain('Changes are against the 7 days before, 6 January 2025 to 12 January 2025.');
    expect(await p.inputValue('#dates-from')).toBe('2025-01-13');
    expect(await p.inputValue('#dates-to')).toBe('2025-01-19');
    await p.fill('#dates-from', '2025-01-01');
    await p.fill('#dates-to', '2025-01-10');
    await Promise.all([p.waitForURL(/from=2025-01-01/), p.click('.dates button')]);
    expect(new URL(p.url()).pathname + new URL(p.url()).search).toBe('/hostile/range?from=2025-01-01&to=2025-01-10');
    expect(await p.textContent('h1 .period')).toBe('1 January 2025 to 10 January 2025');
    // The period before it, 22–31 December, is a request away.
    expect(await p.getAttribute('.pager a[rel="prev"]', 'href')).toBe('range?from=2024-12-22&to=2024-12-31');
    await p.screenshot({ path: path.join(artifacts, 'site-range-served.png'), fullPage: true });
    expect(v.consoleErrors).toEqual([]);
    expect(v.failed).toEqual([]);
    await p.context().close();

    const a = await open(`${base}/hostile/range?from=2025-01-13&to=2025-01-19`, { js: true });
    await a.page.addScriptTag({ path: axePath });
    const serious = await a.page.evaluate(async () => {
      const r = await (window as unknown as { axe: { run: (o: unknown) => Promise<{ violations: Array<{ id: string; impact: string }> }> } }).axe.run({ resultTypes: ['violations'] });
      return r.violations.filter((x) => x.impact === 'serious' || x.impact === 'critical').map((x) => x.id);
    });
    expect(serious).toEqual([]);
    await a.page.context().close();
  });
});
