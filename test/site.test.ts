// The report site built from hand-made OrgReports: what a reader sees on the pages, that hostile
// organization data stays inert, and that publishing is atomic and incremental.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, rmSync, readFileSync, readdirSync, statSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publishSite, type PublishSiteResult } from '../publish/site.ts';
import type { OrgReport } from '../metrics/report.ts';
import { fixtureReport } from './support/site-fixtures.ts';

const HOSTILE_NAME = '<script>alert(1)</script> "Org" & co';

function hostileOrg(): OrgReport {
  return fixtureReport({
    shortcode: 'hostile',
    name: HOSTILE_NAME,
    id: 1,
    timezoneIsFallback: true,
    from: '2024-12-05',
    to: '2025-01-20',
    statsImportUntil: '2024-12-07',
    lateDays: ['2025-01-10'],
    ranges: [['2025-01-01', '2025-01-15']],
    bookmarks: {
      '<img src=x onerror=alert(1)>': 'javascript:alert(1)',
      'Data URL': 'data:text/html,<script>alert(1)</script>',
      'Docs "quoted" & <b>bold</b>': 'https://example.org/docs?a=1&b="2"',
    },
    overrides: { '2025-01-19': { active_contacts: null } },
  });
}

function betaOrg(to = '2025-01-20'): OrgReport {
  return fixtureReport({ shortcode: 'beta', name: 'Beta NGO', id: 2, timezone: 'America/New_York', from: '2025-01-01', to, seed: 3, today: '2025-02-01' });
}

function allFiles(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? allFiles(p, base) : [path.relative(base, p)];
  });
}

let out: string;
let site: string;
let first: PublishSiteResult;
const logged: Array<[string, Record<string, unknown>]> = [];
const read = (p: string) => readFileSync(path.join(site, p), 'utf8');

beforeAll(async () => {
  out = mkdtempSync(path.join(tmpdir(), 'site-test-'));
  site = path.join(out, 'site');
  // Data files left by an earlier run (the exports module writes them; a publish must keep them).
  for (const sc of ['hostile', 'beta']) {
    mkdirSync(path.join(site, sc, 'data'), { recursive: true });
    for (const f of ['daily.csv', 'monthly.csv', 'hourly.csv', 'metrics.json']) writeFileSync(path.join(site, sc, 'data', f), `${sc} ${f}\n`);
  }
  first = await publishSite({ reports: [hostileOrg(), betaOrg()], outputDir: out, now: new Date('2025-01-21T10:00:00Z'), log: (e, f = {}) => logged.push([e, f]) });
});

afterAll(() => {
  rmSync(out, { recursive: true, force: true });
});

describe('site structure', () => {
  it('has the output layout of INTERFACE.md', () => {
    expect(first.siteDir).toBe(site);
    expect(first.orgs).toBe(2);
    for (const p of [
      'index.html', 'hostile/index.html', 'hostile/daily/2024-12-05.html', 'hostile/daily/2025-01-20.html',
      'hostile/monthly/2024-12.html', 'hostile/monthly/2025-01.html', 'hostile/range/2025-01-01_2025-01-15.html',
      'beta/index.html', 'beta/daily/2025-01-01.html', 'beta/monthly/2025-01.html',
      'hostile/data/daily.csv', 'hostile/data/metrics.json', 'beta/data/hourly.csv',
    ]) expect(existsSync(path.join(site, p)), p).toBe(true);
    expect(readdirSync(path.join(site, 'hostile', 'daily'))).toHaveLength(47);
    expect(first.pagesWritten).toBe(47 + 2 + 1 + 1 + 20 + 1 + 1 + 1);
    // Written by publish/exports.ts into the build (the lead's module).
    expect(read('hostile/data/daily.csv')).toMatch(/^date,new_contacts,/);
  });

  it('lists the orgs on the global index', () => {
    const html = read('index.html');
    expect(html).toContain('href="hostile/index.html"');
    expect(html).toContain('href="beta/index.html"');
    expect(html).toContain('Beta NGO');
  });

  it('shows headline numbers with their change (arrow and sign) on a daily page', () => {
    const day = betaOrg().days.find((d) => d.date === '2025-01-10')!;
    const prev = betaOrg().days.find((d) => d.date === '2025-01-09')!;
    const html = read('beta/daily/2025-01-10.html');
    const v = day.values.active_contacts!;
    const d = v - prev.values.active_contacts!;
    expect(html).toMatch(new RegExp(`Active contacts</span> <span class="value">${v}</span>`));
    const arrow = d > 0 ? '▲' : d < 0 ? '▼' : '=';
    expect(html).toContain(`<span class="arrow">${arrow}</span> ${d > 0 ? '+' : d < 0 ? '−' : '±'}${Math.abs(d)}`);
    expect(html).toContain('Changes are against the day before, 9 January 2025.');
  });

  it('links the previous and next pages', () => {
    const html = read('beta/daily/2025-01-10.html');
    expect(html).toContain('href="2025-01-09.html" rel="prev"');
    expect(html).toContain('href="2025-01-11.html" rel="next"');
    expect(html).toContain('href="../monthly/2025-01.html"');
    expect(html).toContain('href="../index.html"');
    expect(read('beta/daily/2025-01-01.html')).toContain('No earlier day');
    expect(read('hostile/monthly/2025-01.html')).toContain('href="2024-12.html" rel="prev"');
  });

  it('says when a period is not closed', () => {
    expect(read('hostile/monthly/2025-01.html')).toMatch(/Not closed:.*not over yet/);
    expect(read('hostile/monthly/2024-12.html')).not.toContain('Not closed:');
    expect(read('hostile/daily/2025-01-20.html')).not.toContain('Not closed:');
  });

  it('marks values imported from Glific stats (UTC days) and late snapshots', () => {
    const imported = read('hostile/daily/2024-12-06.html');
    expect(imported).toContain('UTC days:');
    expect(imported).toContain('UTC day, from Glific stats');
    expect(read('hostile/daily/2024-12-10.html')).not.toContain('UTC days:');
    expect(read('hostile/monthly/2024-12.html')).toContain('UTC days:');
    expect(read('hostile/daily/2025-01-10.html')).toContain('Late snapshot:');
  });

  it('names the zone and says when it is the NULL-timezone fallback', () => {
    expect(read('hostile/daily/2025-01-10.html')).toContain('Fallback time zone:');
    expect(read('hostile/daily/2025-01-10.html')).toContain('Asia/Kolkata');
    expect(read('beta/daily/2025-01-10.html')).not.toContain('Fallback time zone:');
    expect(read('beta/daily/2025-01-10.html')).toContain('America/New_York');
    expect(read('beta/daily/2025-01-10.html')).toContain('data read up to the end of 10 January 2025');
  });

  it('shows unknown values as "—"/"not known", never as 0', () => {
    const html = read('hostile/daily/2025-01-19.html');
    expect(html).toMatch(/Active contacts<\/span> <span class="value"><span class="unknown" title="not known"><span aria-hidden="true">—<\/span><span class="vh">not known<\/span><\/span><\/span>/);
    // An imported day has no snapshot values.
    expect(read('hostile/daily/2024-12-06.html')).toMatch(/Total contacts<\/th><td><span class="unknown"/);
  });

  it('links the downloads, the archive, the ranges and the safe bookmarks on the org index', () => {
    const html = read('hostile/index.html');
    for (const f of ['daily.csv', 'monthly.csv', 'hourly.csv', 'errors.csv', 'metrics.json']) expect(html).toContain(`href="data/${f}"`);
    expect(html).toContain('href="daily/2024-12-05.html"');
    expect(html).toContain('href="monthly/2024-12.html"');
    expect(html).toContain('href="range/2025-01-01_2025-01-15.html"');
    expect(html).toContain('Latest closed day: 20 January 2025');
    expect(html).toContain('Month to date: January 2025 so far');
    expect(html).toContain('Last 30 days');
    expect(html).toContain('Last 90 days');
    expect(html).toContain('href="https://example.org/docs?a&#x3D;1&amp;b&#x3D;%222%22"');
    expect(html).toContain('Docs &quot;quoted&quot; &amp; &lt;b&gt;bold&lt;/b&gt;');
    expect(html).not.toContain('Data URL');
    expect(first.warnings.filter((w) => w.includes('bookmark'))).toHaveLength(2);
    expect(logged.some(([e, f]) => e === 'site.warning' && String(f.message).includes('javascript:'))).toBe(true);
  });
});

describe('hostile organization data', () => {
  it('is escaped everywhere and no page holds a script or a javascript: link', () => {
    const pages = allFiles(site).filter((f) => f.endsWith('.html'));
    expect(pages.length).toBeGreaterThan(70);
    for (const p of pages) {
      const html = read(p);
      expect(html, p).not.toMatch(/<script/i);
      expect(html, p).not.toMatch(/javascript:/i);
      expect(html, p).not.toMatch(/\son(error|load|click)\s*=/i);
      expect(html, p).not.toContain(HOSTILE_NAME);
      // Nothing external, nothing embedded (the empty data: icon stops the browser asking for /favicon.ico).
      expect(html.replace('<link rel="icon" href="data:,">', ''), p).not.toMatch(/<(link|img|iframe|object|embed)\b/i);
    }
    const escaped = '&lt;script&gt;alert(1)&lt;/script&gt; &quot;Org&quot; &amp; co';
    expect(read('hostile/index.html')).toContain(escaped);
    expect(read('hostile/daily/2025-01-10.html')).toContain(escaped);
    expect(read('index.html')).toContain(escaped);
  });

  it('keeps every daily page under 300 KB', () => {
    for (const f of readdirSync(path.join(site, 'hostile', 'daily'))) {
      expect(statSync(path.join(site, 'hostile', 'daily', f)).size, f).toBeLessThan(300 * 1024);
    }
  });

  it('puts charts with title, description and data table on the pages', () => {
    const html = read('hostile/daily/2025-01-10.html');
    expect((html.match(/<figure class="chart"/g) ?? []).length).toBe(11);
    expect((html.match(/<svg /g) ?? []).length).toBe(11);
    expect((html.match(/<details>/g) ?? []).length).toBe(11);
    expect(html).toContain('Messages by hour of the day');
    const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('publishing', () => {
  it('leaves the last good site in place when a build fails mid-way', async () => {
    const before = Object.fromEntries(allFiles(site).map((f) => [f, readFileSync(path.join(site, f), 'utf8')]));
    const broken = { ...betaOrg(), days: null } as unknown as OrgReport;
    await expect(publishSite({ reports: [hostileOrg(), broken], outputDir: out, now: new Date('2025-01-21T10:00:00Z') })).rejects.toThrow();
    const after = Object.fromEntries(allFiles(site).map((f) => [f, readFileSync(path.join(site, f), 'utf8')]));
    expect(after).toEqual(before);
    expect(readdirSync(out).filter((e) => e !== 'site')).toEqual([]);
  });

  it('re-renders only the pages whose inputs changed', async () => {
    const stat = (p: string) => statSync(path.join(site, p));
    const untouched = ['beta/daily/2025-01-05.html', 'hostile/daily/2025-01-10.html', 'hostile/index.html', 'index.html', 'beta/daily/2025-01-19.html'];
    const before = Object.fromEntries(untouched.map((p) => [p, { ino: stat(p).ino, mtime: stat(p).mtimeMs }]));
    const r = await publishSite({ reports: [hostileOrg(), betaOrg('2025-01-21')], outputDir: out, now: new Date('2025-01-22T10:00:00Z') });
    // The new day, the day before it (its "next" link), the month and the org index.
    expect(r.pagesWritten).toBe(4);
    expect(r.pagesReused).toBe(first.pagesWritten + 1 - 4);
    expect(read('beta/daily/2025-01-20.html')).toContain('href="2025-01-21.html" rel="next"');
    expect(existsSync(path.join(site, 'beta/daily/2025-01-21.html'))).toBe(true);
    for (const p of untouched) {
      expect(stat(p).ino, p).toBe(before[p].ino);
      expect(stat(p).mtimeMs, p).toBe(before[p].mtime);
    }
    const manifest = JSON.parse(read('.manifest.json'));
    expect(Object.keys(manifest.pages)).toContain('beta/daily/2025-01-21.html');
  });

  it('carries over orgs that are not republished, data files included', async () => {
    const metrics = read('hostile/data/metrics.json');
    const r = await publishSite({ reports: [betaOrg('2025-01-21')], outputDir: out, now: new Date('2025-01-22T10:00:00Z') });
    expect(r.orgs).toBe(1);
    expect(r.pagesWritten).toBe(0);
    expect(read('hostile/data/metrics.json')).toBe(metrics);
    expect(existsSync(path.join(site, 'hostile/daily/2025-01-10.html'))).toBe(true);
    expect(read('index.html')).toContain('href="hostile/index.html"');
  });

  it('says "not over yet" on the page of a day that is still running', async () => {
    const out2 = mkdtempSync(path.join(tmpdir(), 'site-open-'));
    try {
      // 15:00 UTC is 10:00 in New York: 20 January has not ended there.
      const beta = fixtureReport({ shortcode: 'beta', name: 'Beta NGO', timezone: 'America/New_York', from: '2025-01-18', to: '2025-01-20', today: '2025-01-20' });
      await publishSite({ reports: [beta], outputDir: out2, now: new Date('2025-01-20T15:00:00Z') });
      const html = readFileSync(path.join(out2, 'site/beta/daily/2025-01-20.html'), 'utf8');
      expect(html).toMatch(/Not closed:.*20 January 2025 is not over yet in America\/New_York/);
      expect(readFileSync(path.join(out2, 'site/beta/index.html'), 'utf8')).toContain('Latest closed day: 19 January 2025');
    } finally {
      rmSync(out2, { recursive: true, force: true });
    }
  });
});
