// An organization's overview: the latest closed day and the month with their comparisons, and the
// date-range form when `serve` answers the page.
import { describe, expect, it } from 'vitest';
import { buildOrgIndex } from '../../pages/org-index.ts';
import { buildOrgPages } from '../../pages/org-pages.ts';
import { fixtureReport } from '../support/site-fixtures.ts';

const report = () => fixtureReport({ shortcode: 'beta', name: 'Beta NGO', timezone: 'America/New_York', from: '2025-01-01', to: '2025-01-20', ranges: [['2025-01-05', '2025-01-11']] });
const NOW = new Date('2025-01-21T10:00:00Z');

describe('the org index', () => {
  it('leads with the latest closed day against the day before, and the month to date', () => {
    const { page } = buildOrgIndex(report(), { now: NOW, dataFiles: ['daily.csv'] });
    expect(page.latestDay).toMatchObject({ heading: 'Latest closed day: 20 January 2025', compareNote: 'Changes are against the day before, 19 January 2025.' });
    expect(page.latestDay!.headlines.map((h) => h.key)).toEqual(['billable_messages', 'delivered_marketing', 'delivered_utility', 'delivered_authentication', 'delivered_other', 'templates_delivered', 'templates_failed', 'templates_pending', 'active_contacts', 'new_contacts', 'service_windows', 'inbound_messages', 'outbound_messages', 'optins', 'flows_completed', 'error_messages']);
    expect(page.month).toMatchObject({ heading: 'Month to date: January 2025 so far', link: { href: 'monthly/2025-01.html' } });
    // The fixture's month has its distinct counts, so nothing more is said.
    expect(page.month!.compareNote).toBe('No figures for December 2024 to compare with.');
    expect(page.ranges).toEqual([{ href: 'range/2025-01-05_2025-01-11.html', label: '5 January 2025 to 11 January 2025' }]);
    expect(page.downloads).toEqual([{ href: 'data/daily.csv', label: 'Daily values (CSV)' }]);
    // published: the form is there, hidden, without bounds that would change every day
    expect(page.rangeForm).toMatchObject({ action: 'range', servedOnly: true, min: null, max: null });
  });

  it('carries the date-range form when served, prefilled with the 30 days it charts', () => {
    const { page } = buildOrgIndex(report(), { now: NOW, dataFiles: [], served: true });
    expect(page.rangeForm).toMatchObject({ action: 'range', from: '2025-01-01', to: '2025-01-20', min: '2025-01-01', max: '2025-01-20' });
  });

  it('is one of the org’s pages: a page per day, month and range, and warnings for rows that cannot name a page', () => {
    const r = report();
    r.days.push({ ...r.days[0], date: '2025-1-32' });
    const { pages, warnings } = buildOrgPages({ report: r, now: NOW, dataFiles: [], served: true });
    expect(pages.map((p) => p.path).filter((p) => !p.includes('/daily/'))).toEqual(['beta/monthly/2025-01.html', 'beta/range/2025-01-05_2025-01-11.html', 'beta/index.html']);
    expect(pages.filter((p) => p.path.includes('/daily/'))).toHaveLength(20);
    expect(warnings).toEqual(['org beta: day row with malformed date dropped']);
    for (const p of pages) if (p.template !== 'site-index') expect(p.rangeForm?.action, p.path).toBe(p.template === 'org-index' ? 'range' : '../range');
  });
});
