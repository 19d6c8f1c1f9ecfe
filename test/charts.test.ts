// The chart module on its own: every spec compiles, renders headless to a real SVG, says its key
// numbers in words, escapes hostile text, and draws the same axes whatever the server's zone.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { compile } from 'vega-lite';
import { chartsForPeriod, renderSvg, type Chart } from '../charts/index.ts';
import { dailyLines } from '../charts/shapes.ts';
import type { OrgReport } from '../metrics/report.ts';
import { fixtureReport } from './support/site-fixtures.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Three hand-made days with round numbers to look for in the text. */
function tinyReport(): OrgReport {
  const day = (date: string, v: Record<string, number | null>) => ({ date, values: v, mostActiveHour: 9, provenance: {}, utcDayImport: false, lateSnapshot: false });
  return {
    org: { id: 1, shortcode: 'tiny', name: 'Tiny', timezone: 'Asia/Kolkata', timezoneIsFallback: false, email: null, bookmarks: {} },
    dataCutoff: '2025-03-03T18:30:00.000Z',
    generatedAt: '2025-03-03T19:00:00.000Z',
    days: [
      day('2025-03-01', { new_contacts: 100, active_contacts: 40, inbound_messages: 500, outbound_messages: 700, hsm_messages: 70, error_messages: 3, optins: 11, optouts: 2, flows_started: 50, flows_completed: 25, conversations: 30, conversation_windows: 35, total_contacts: 1000, valid_contacts: 950, invalid_contacts: 30, blocked_contacts: 20, opted_in_contacts: 600, opted_out_contacts: 100, non_opted_contacts: 300, contacts_in_flows: 17 }),
      day('2025-03-02', { new_contacts: 200, active_contacts: 60, inbound_messages: 250, outbound_messages: 300, hsm_messages: 30, error_messages: 0, optins: 9, optouts: 1, flows_started: 50, flows_completed: 50, conversations: 20, conversation_windows: 25, total_contacts: 1200, valid_contacts: 1150, invalid_contacts: 30, blocked_contacts: 20, opted_in_contacts: 700, opted_out_contacts: 100, non_opted_contacts: 400, contacts_in_flows: 23 }),
      day('2025-03-03', { new_contacts: null, active_contacts: null, inbound_messages: null, outbound_messages: null }),
    ],
    months: [{ kind: 'month', key: '2025-03', from: '2025-03-01', to: '2025-03-31', values: { conversations: 45, conversation_windows: 60 }, mostActiveHour: 9, closed: false, complete: false, utcDayImport: false, lateSnapshot: false }],
    ranges: [],
    hourly: [
      { date: '2025-03-01', hour: 9, inbound: 300, outbound: 400 },
      { date: '2025-03-01', hour: 15, inbound: 200, outbound: 300 },
      { date: '2025-03-02', hour: 9, inbound: 250, outbound: 300 },
    ],
  };
}

const byId = (charts: Chart[]) => Object.fromEntries(charts.map((c) => [c.id, c]));

function size(svg: string): { width: number; height: number } {
  const m = /^<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  return { width: Number(m?.[1] ?? 0), height: Number(m?.[2] ?? 0) };
}

describe('chart specs', () => {
  const big = fixtureReport({ shortcode: 'big', name: 'Big', from: '2024-10-01', to: '2025-01-20', statsImportUntil: '2024-10-10', ranges: [['2025-01-01', '2025-01-10']] });
  const periods = [
    { kind: 'day', from: '2025-01-20', to: '2025-01-20' },
    { kind: 'month', from: '2025-01-01', to: '2025-01-31' },
    { kind: 'range', from: '2025-01-01', to: '2025-01-10' },
    { kind: 'index', from: '2024-10-23', to: '2025-01-20' },
    { kind: 'day', from: '2024-10-05', to: '2024-10-05' }, // imported from stats: many unknowns
  ] as const;

  it('compile with vega-lite and render to SVG with a size, for every kind of period', async () => {
    for (const p of periods) {
      const charts = chartsForPeriod(big, p);
      expect(charts.length).toBeGreaterThanOrEqual(7);
      expect(new Set(charts.map((c) => c.id)).size).toBe(charts.length);
      for (const c of charts) {
        expect(() => compile(c.spec)).not.toThrow();
        expect(c.title.length).toBeGreaterThan(0);
        expect(c.description).toMatch(/\.$/);
        expect(c.table.columns.length).toBeGreaterThan(1);
        const svg = await renderSvg(c);
        const { width, height } = size(svg);
        expect(width, c.id).toBeGreaterThan(100);
        expect(height, c.id).toBeGreaterThan(40);
        expect(svg).toContain(`aria-label="`);
      }
    }
  });

  it('covers the charts the Glific Analytics page promises', () => {
    const ids = chartsForPeriod(big, periods[1]).map((c) => c.id);
    for (const id of ['templates-delivered-daily', 'templates-outcome-daily', 'service-windows-daily', 'contacts-daily', 'conversations-daily', 'messages-daily', 'optins-daily', 'opt-status', 'contact-status', 'flows-daily', 'flow-completion', 'contacts-in-flows', 'active-hour', 'hour-weekday', 'monthly-conversations']) {
      expect(ids).toContain(id);
    }
  });

  it('state their key numbers in the description and the table', () => {
    const r = tinyReport();
    const c = byId(chartsForPeriod(r, { kind: 'range', from: '2025-03-01', to: '2025-03-02' }));
    expect(c['contacts-daily'].description).toContain('300 new contacts');
    expect(c['contacts-daily'].description).toContain('most on 2 March 2025: 200');
    expect(c['contacts-daily'].description).toContain('from 40 to 60');
    expect(c['messages-daily'].description).toContain('750 inbound and 1,000 outbound messages (100 HSM), 3 with errors');
    expect(c['optins-daily'].description).toContain('20 opt-ins and 3 opt-outs');
    expect(c['opt-status'].description).toContain('700 contacts opted in (58.3%), 100 opted out (8.3%) and 400 not opted (33.3%), of 1,200');
    expect(c['contact-status'].description).toContain('1,150 valid, 30 invalid and 20 blocked');
    expect(c['flows-daily'].description).toContain('100 flows started and 75 completed, a completion rate of 75%');
    expect(c['flow-completion'].description).toContain('75%');
    expect(c['contacts-in-flows'].description).toContain('between 17 and 23');
    expect(c['active-hour'].description).toContain('09:00–10:00 local time, with 1,250 messages (550 inbound, 700 outbound)');
    expect(c['hour-weekday'].description).toContain('Saturdays 09:00–10:00'); // 2025-03-01 is a Saturday
    expect(c['monthly-conversations'].description).toContain('March 2025 so far: 45 conversations billed by the BSP and 60 24-hour windows');
    expect(c['contacts-daily'].table.rows).toContainEqual(['2025-03-01', 100, 40]);
  });

  it('show delivered templates by category, template outcomes and service windows per day', async () => {
    const day = (date: string, v: Record<string, number | null>) => ({ date, values: v, mostActiveHour: null, provenance: {}, utcDayImport: false, lateSnapshot: false });
    const r: OrgReport = {
      ...tinyReport(),
      days: [
        day('2026-10-01', { templates_marketing: 40, templates_utility: 100, templates_authentication: 5, templates_other: 2, delivered_marketing: 30, delivered_utility: 90, delivered_authentication: 5, delivered_other: 1, templates_failed: 8, service_windows: 12 }),
        day('2026-10-02', { templates_marketing: 10, templates_utility: 0, templates_authentication: 0, templates_other: 0, delivered_marketing: 10, delivered_utility: 0, delivered_authentication: 0, delivered_other: 0, templates_failed: 0, service_windows: 3 }),
        day('2026-10-03', { templates_marketing: null, delivered_marketing: null, service_windows: null }),
      ],
      months: [],
      hourly: [],
    };
    const c = byId(chartsForPeriod(r, { kind: 'range', from: '2026-10-01', to: '2026-10-03' }));
    expect(c['templates-delivered-daily'].description).toBe('1 October 2026 to 3 October 2026: delivered templates by category: 40 marketing, 90 utility, 5 authentication, 1 other (1 day not known).');
    expect(c['templates-delivered-daily'].table.rows).toEqual([['2026-10-01', 30, 90, 5, 1], ['2026-10-02', 10, 0, 0, 0], ['2026-10-03', null, null, null, null]]);
    expect(c['templates-outcome-daily'].description).toBe('1 October 2026 to 3 October 2026: of the template messages sent, 136 were delivered, 8 failed and 13 have no final status (1 day not known).');
    expect(c['templates-outcome-daily'].table.rows[0]).toEqual(['2026-10-01', 126, 8, 13]);
    expect(c['templates-outcome-daily'].table.rows[2]).toEqual(['2026-10-03', null, null, null]);
    expect(c['service-windows-daily'].description).toContain('contacts opened 15 customer-service windows');
    // the BSP's conversations are free-entry-point ones since per-message pricing, never "billed"
    expect(c['conversations-daily'].spec).toMatchObject({ encoding: { color: { scale: { domain: ['Free-entry-point conversations', '24-hour windows'] } } } });
    for (const id of ['templates-delivered-daily', 'templates-outcome-daily']) {
      expect(() => compile(c[id].spec)).not.toThrow();
      expect(size(await renderSvg(c[id])).width).toBeGreaterThan(100);
    }
  });

  it('say "not known" for unknown values and never turn them into zero', () => {
    const r = tinyReport();
    const c = byId(chartsForPeriod(r, { kind: 'day', from: '2025-03-03', to: '2025-03-03' }));
    expect(c['active-hour'].description).toContain('not known');
    expect(c['active-hour'].table.rows[0]).toEqual(['00:00–01:00', null, null]);
    const ctx = c['contacts-daily'];
    expect(ctx.table.rows.find((row) => row[0] === '2025-03-03')).toEqual(['2025-03-03', null, null]);
    // The 30 days of context before the org's first day are unknown too, and said so.
    expect(ctx.description).toContain('(28 days not known)');
  });

  it('mark every day on short windows, and on a year only the days a line cannot show', async () => {
    const days = (n: number) => Array.from({ length: n }, (_, i) => new Date(Date.UTC(2025, 0, 1 + i)).toISOString().slice(0, 10));
    const markers = (svg: string) => (/<g class="mark-symbol[^"]*"[^>]*>([\s\S]*?)<\/g>/.exec(svg)?.[1].match(/<path/g) ?? []).length;
    const chart = (dates: string[], value: (i: number) => number | null): Chart => ({
      id: 't', title: 'T', description: 'D', table: { columns: [], rows: [] },
      spec: dailyLines({ title: 'T', description: 'D', yTitle: 'Y', series: [{ label: 'A', colour: '#000' }], from: dates[0], to: dates.at(-1)!, values: dates.map((date, i) => ({ date, series: 'A', value: value(i) })) }),
    });
    const month = days(30);
    expect(markers(await renderSvg(chart(month, (i) => i)))).toBe(30);
    // A year: the line alone, but for the days with no known neighbour (the first, the 101st, the
    // 202nd), which a line cannot draw.
    const year = days(365);
    const svg = await renderSvg(chart(year, (i) => (i === 0 || i === 100 || (i > 200 && i !== 202) ? i : null)));
    expect(markers(svg)).toBe(3);
    expect(svg).toContain('mark-line');
  });

  it('escape hostile text inside the SVG (vega XML-escapes, we check)', async () => {
    const r = tinyReport();
    const chart = chartsForPeriod(r, { kind: 'range', from: '2025-03-01', to: '2025-03-02' }).find((c) => c.id === 'contacts-daily')!;
    const hostile = '<script>alert(1)</script> "Org" & co';
    const spec = structuredClone(chart.spec) as unknown as Record<string, unknown>;
    spec.title = hostile;
    (spec.data as { values: Array<Record<string, unknown>> }).values.forEach((v) => (v.series = v.series === 'New contacts' ? hostile : v.series));
    const enc = spec.encoding as Record<string, { scale?: { domain?: unknown[] }; sort?: unknown[] }>;
    enc.color.scale!.domain![0] = hostile;
    enc.color.sort![0] = hostile;
    enc.strokeDash.scale!.domain![0] = hostile;
    const svg = await renderSvg({ ...chart, title: hostile, description: `about ${hostile}`, spec: spec as never });
    expect(svg).not.toMatch(/<script/i);
    expect(svg).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(svg).toMatch(/&quot;Org&quot; &amp; co|"Org" &amp; co/);
  });

  it('has a dark variant and an adaptive (currentColor) variant', async () => {
    const chart = chartsForPeriod(tinyReport(), { kind: 'range', from: '2025-03-01', to: '2025-03-02' }).find((c) => c.id === 'contacts-daily')!;
    const light = await renderSvg(chart);
    const dark = await renderSvg(chart, { dark: true });
    const adaptive = await renderSvg(chart, { adaptive: true, withTitle: false, width: 300 });
    expect(light).toContain('#ffffff');
    expect(dark).toContain('#121212');
    expect(dark).toContain('#e8e8e8');
    expect(adaptive).toContain('currentColor');
    expect(adaptive).not.toContain('#121212');
    expect(size(adaptive).width).toBeLessThan(size(light).width);
  });
});

describe('time zones', () => {
  it('draws identical axis labels under TZ=America/Los_Angeles and TZ=Asia/Kolkata', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'charts-tz-'));
    try {
      const script = path.join(dir, 'labels.mts');
      writeFileSync(script, `
import { chartsForPeriod, renderSvg } from ${JSON.stringify(path.join(root, 'charts/index.ts'))};
import { fixtureReport } from ${JSON.stringify(path.join(root, 'test/support/site-fixtures.ts'))};
const r = fixtureReport({ shortcode: 'tz', name: 'TZ', from: '2025-03-01', to: '2025-03-31' });
const out: string[] = [String(new Date(2025, 0, 1).getTimezoneOffset())];
for (const c of chartsForPeriod(r, { kind: 'month', from: '2025-03-01', to: '2025-03-31' })) {
  const svg = await renderSvg(c);
  const labels = [...svg.matchAll(/role-axis-label[^]*?<\\/g>/g)].map((m) => [...m[0].matchAll(/>([^<>]+)<\\/text>/g)].map((t) => t[1]).join(','));
  out.push(c.id + ':' + labels.join('|'));
}
console.log(JSON.stringify(out));
`);
      const run = (tz: string) => {
        const stdout = execFileSync(process.execPath, ['--import', 'tsx', script], { cwd: root, env: { ...process.env, TZ: tz }, encoding: 'utf8' });
        return JSON.parse(stdout.trim().split('\n').pop()!) as string[];
      };
      const la = run('America/Los_Angeles');
      const kol = run('Asia/Kolkata');
      expect(la[0]).not.toBe(kol[0]); // the processes really ran in different zones
      expect(la.slice(1)).toEqual(kol.slice(1));
      const daily = la.find((l) => l.startsWith('contacts-daily:'))!;
      // Weekly ticks on Sundays: 2 March 2025 is one; a zone leak would shift them to the 1st/8th.
      expect(daily).toContain('02 Mar,09 Mar,16 Mar,23 Mar,30 Mar');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
