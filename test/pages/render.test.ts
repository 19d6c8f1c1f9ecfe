// Rendering a page model: a chart's data table as a reader and a screen reader meet it, and the
// page as bytes (what `serve` sends and caches) equal to the page as text.
import { describe, expect, it } from 'vitest';
import type { DayRow, OrgReport } from '../../metrics/report.ts';
import { eachDate } from '../../lib/calendar.ts';
import { buildPeriodPage } from '../../pages/period-page.ts';
import { renderPage, renderPageBytes, type ChartDrawer } from '../../pages/render.ts';

function report(): OrgReport {
  const days: DayRow[] = eachDate('2026-03-01', '2026-03-14').map((date, i) => ({
    date,
    // 4 March: inbound messages not known
    values: { inbound_messages: date === '2026-03-04' ? null : 1000 + i, outbound_messages: 5, total_contacts: 101 + i },
    mostActiveHour: 9,
    provenance: {},
    utcDayImport: false,
    lateSnapshot: false,
  }));
  return {
    org: { id: 1, shortcode: 'acme', name: 'Acme', timezone: 'UTC', timezoneIsFallback: false, email: null, bookmarks: {} },
    dataCutoff: '2026-03-15T00:00:00.000Z',
    generatedAt: '2026-03-15T01:00:00.000Z',
    days,
    months: [],
    ranges: [],
    hourly: [],
  };
}

const NOW = new Date('2026-03-15T06:00:00Z');
const page = () => buildPeriodPage(report(), { kind: 'range', from: '2026-03-01', to: '2026-03-14' }, { now: NOW });
/** Each chart a small SVG of its own, drawn "elsewhere" as serve's threads do. */
const draw: ChartDrawer = async (chart) => `<svg xmlns="http://www.w3.org/2000/svg"><title>${chart.id}</title><g id="g"></g></svg>`;

function tableOf(html: string, chartId: string): string {
  const figure = html.slice(html.indexOf(`id="c-${chartId}"`));
  return figure.slice(figure.indexOf('<tbody>'), figure.indexOf('</tbody>') + 8);
}

describe('a chart’s data table', () => {
  it('has a line per day, the date as the row’s header, counts as the page writes them and unknown cells as “not known”', async () => {
    const body = tableOf(await renderPage(page(), draw), 'messages-daily');
    const rows = body.split('\n').slice(1, -1);
    expect(rows).toHaveLength(14);
    // The chart's last two series are keys this report does not hold: not known on every day.
    const notKnown = '<span class="unknown" title="not known"><span aria-hidden="true">—</span><span class="vh">not known</span></span>';
    expect(rows[0]).toBe(`<tr><th scope="row">2026-03-01</th><td>1,000</td><td>5</td><td>${notKnown}</td><td>${notKnown}</td></tr>`);
    expect(rows[3]).toBe(`<tr><th scope="row">2026-03-04</th><td>${notKnown}</td><td>5</td><td>${notKnown}</td><td>${notKnown}</td></tr>`);
  });

  it('escapes what a cell says, as every other value on a page', async () => {
    const p = page();
    const block = p.charts.find((c) => c.chart.id === 'messages-daily')!;
    block.rows[0][0] = { text: '<script>alert("x")</script> & co', unknown: false };
    const body = tableOf(await renderPage(p, draw), 'messages-daily');
    expect(body).toContain('<tr><th scope="row">&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; co</th>');
    expect(body).not.toContain('<script>');
  });
});

describe('a page as bytes', () => {
  it('is the page as text in UTF-8, each chart in its place with ids of its own', async () => {
    const text = await renderPage(page(), draw);
    const bytes = await renderPageBytes(page(), draw);
    expect(Buffer.isBuffer(bytes)).toBe(true);
    expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    expect(text).not.toMatch(/<!--chart-\d+-->|<!--page-body-->/);
    expect(text).toContain('<title>messages-daily</title><g id="c-messages-daily-g">');
    // Before the table of its own figure.
    expect(text.indexOf('<title>messages-daily</title>')).toBeLessThan(text.indexOf('Data for Messages'));
    expect(text.startsWith('<!doctype html>') || text.startsWith('<!DOCTYPE html>')).toBe(true);
  });

  it('is made without a drawer too (charts drawn in this thread), the same as the text', async () => {
    // Vega numbers its gradients per process: the second drawing of a chart has the next number.
    const same = (html: string) => html.replace(/gradient_\d+/g, 'gradient_n');
    const bytes = await renderPageBytes(page());
    expect(same(bytes.toString('utf8'))).toBe(same(await renderPage(page())));
  });
});
