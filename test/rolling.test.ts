// The rolling pages the nightly run keeps current on the static site: the last 7, 30 and 90 days
// and the year to date, ending with the latest closed day, each compared with the period of equal
// length before it, distinct counts from the stored id sets; linked from the org index.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { rollingPeriods } from '../store/rolling.ts';
import { distinctOverRange } from '../store/id-sets.ts';
import { buildOrgPages } from '../pages/org-pages.ts';
import type { OrgIndexPage, PeriodPage } from '../pages/model.ts';

const NOW = new Date('2026-03-15T12:00:00Z'); // 15 March in Kolkata: the 14th is the latest closed day
let p: Pipeline;

beforeAll(async () => {
  p = await pipeline('rolling');
  const org = await p.fx.org({ shortcode: 'roll', timezone: 'Asia/Kolkata' });
  const cs = [];
  for (let i = 0; i < 6; i++) cs.push(await p.fx.contact(org.id, { insertedAt: '2026-01-01 00:00:00' }));
  for (let d = 1; d <= 15; d++) {
    for (const [i, c] of cs.entries()) if ((i + d) % 2) await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: `2026-03-${String(d).padStart(2, '0')} 08:00:00` });
  }
  expect((await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-15' }, NOW)).exitCode).toBe(0);
});
afterAll(() => p?.close());

describe('rolling periods', () => {
  it('end with the latest closed day and count distinct contacts over the whole period', async () => {
    const report = await p.report('roll', NOW);
    const rolling = await rollingPeriods(p.store, report, NOW);
    expect(rolling.map((r) => [r.name, r.row.from, r.row.to, r.previous.from, r.previous.to])).toEqual([
      ['last-7-days', '2026-03-08', '2026-03-14', '2026-03-01', '2026-03-07'],
      ['last-30-days', '2026-02-13', '2026-03-14', '2026-01-14', '2026-02-12'],
      ['last-90-days', '2025-12-15', '2026-03-14', '2025-09-16', '2025-12-14'],
      ['year-to-date', '2026-01-01', '2026-03-14', '2025-10-20', '2025-12-31'],
    ]);
    const week = rolling[0];
    expect(week.row.values.active_contacts).toBe((await distinctOverRange(p.store, report.org.id, '2026-03-08', '2026-03-14')).active_contacts);
    expect(week.row.values.active_contacts).toBe(6);
    expect(week.row.values.inbound_messages).toBe(21);
    expect(week.previous.values.inbound_messages).toBe(21);
    // days before the first computed day: not known, never 0
    expect(rolling[1].row.values.active_contacts).toBeNull();
  });

  it('are published under fixed names, compared with the days before, and linked from the org index', async () => {
    const report = await p.report('roll', NOW);
    const { pages } = buildOrgPages({ report: { ...report, rolling: await rollingPeriods(p.store, report, NOW) }, now: NOW, dataFiles: [] });
    const week = pages.find((x) => x.path === 'roll/recent/last-7-days.html') as PeriodPage;
    expect(week).toBeDefined();
    expect(week.summary.compareNote).toBe('Changes are against the 7 days before, 1 March 2026 to 7 March 2026.');
    const index = pages.find((x) => x.path === 'roll/index.html') as OrgIndexPage;
    expect(index.recent.map((l) => l.href)).toEqual(['recent/last-7-days.html', 'recent/last-30-days.html', 'recent/last-90-days.html', 'recent/year-to-date.html']);
    expect(index.recent[0].label).toBe('Last 7 days (8 March 2026 to 14 March 2026)');
  });
});
