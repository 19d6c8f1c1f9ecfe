// "Why messages failed" on day, month and range pages and in the digests, on a hand-made report:
// the top codes with their meanings, the rest summed, a period without failures, and a period
// whose codes are not known, which says so instead of showing an empty table.
import { describe, expect, it } from 'vitest';
import type { DayRow, ErrorCount, OrgReport } from '../../metrics/report.ts';
import { buildPeriodPage } from '../../pages/period-page.ts';
import { renderPage } from '../../pages/render.ts';
import { buildDigest } from '../../mail/digest-model.ts';
import { renderDigest } from '../../mail/render.ts';
import { errorCodeMeaning } from '../../lib/error-codes.ts';

/**
 * 1 March 2026: 12 codes, 78 failures: 131049 ×20, 131026 ×15, no code ×10, 1002 ×8, 131047 ×6,
 * 471 ×5, 1003 ×4, 131048 ×3, 131050 ×2, 131051 ×2, "<b>x</b>" ×2, 999 ×1.
 * 2 March: no failure. 3 March: 5 failures stored before codes were kept (not known).
 */
const MARCH_1: ErrorCount[] = [
  ['131049', 20], ['131026', 15], ['', 10], ['1002', 8], ['131047', 6], ['471', 5], ['1003', 4], ['131048', 3], ['131050', 2], ['131051', 2], ['<b>x</b>', 2], ['999', 1],
].map(([code, count]) => ({ code: code as string, count: count as number }));

function report(): OrgReport {
  const day = (date: string, errors: number): DayRow => ({ date, values: { error_messages: errors, outbound_messages: 100 }, mostActiveHour: 9, provenance: {}, utcDayImport: false, lateSnapshot: false });
  return {
    org: { id: 1, shortcode: 'acme', name: 'Acme', timezone: 'UTC', timezoneIsFallback: false, email: null, bookmarks: {} },
    dataCutoff: '2026-04-01T00:00:00.000Z',
    generatedAt: '2026-04-01T01:00:00.000Z',
    days: [day('2026-03-01', 78), day('2026-03-02', 0), day('2026-03-03', 5)],
    months: [],
    ranges: [],
    hourly: [],
    errorCodes: [{ date: '2026-03-01', codes: MARCH_1 }, { date: '2026-03-02', codes: [] }],
  };
}

const NOW = new Date('2026-04-01T06:00:00Z');
const page = (from: string, to: string, kind: 'day' | 'month' | 'range' = from === to ? 'day' : 'range') => buildPeriodPage(report(), { kind, from, to }, { now: NOW });

describe('the error table of a page', () => {
  it('lists the 10 most frequent codes with their meaning and share, and sums the rest', () => {
    const t = page('2026-03-01', '2026-03-01').errors;
    expect(t.known).toBe(true);
    expect(t.note).toBe('78 messages failed on this day, by the error code WhatsApp or Gupshup gave, the 10 most frequent codes first.');
    expect(t.rows.map((r) => [r.label, r.count.text, r.share])).toEqual([
      ['131049', '20', '25.6%'],
      ['131026', '15', '19.2%'],
      ['no code given', '10', '12.8%'],
      ['1002', '8', '10.3%'],
      ['131047', '6', '7.7%'],
      ['471', '5', '6.4%'],
      ['1003', '4', '5.1%'],
      ['131048', '3', '3.8%'],
      ['131050', '2', '2.6%'],
      ['131051', '2', '2.6%'],
      ['other codes', '3', '3.8%'],
    ]);
    expect(t.rows[0].meaning).toMatch(/^WhatsApp did not deliver this marketing message/);
    expect(t.rows[2].meaning).toMatch(/^Refused before sending/);
    expect(t.rows[3].meaning).toMatch(/does not exist on WhatsApp/);
    expect(t.rows[10].meaning).toBe('2 less frequent codes together.');
  });

  it('shows a code it cannot explain as it is', () => {
    const t = page('2026-03-01', '2026-03-02').errors;
    expect(t.note).toBe('78 messages failed in this period, by the error code WhatsApp or Gupshup gave, the 10 most frequent codes first.');
    const few = buildPeriodPage({ ...report(), errorCodes: [{ date: '2026-03-01', codes: [{ code: '999', count: 78 }] }] }, { kind: 'day', from: '2026-03-01', to: '2026-03-01' }, { now: NOW }).errors;
    expect(few.rows).toEqual([{ label: '999', meaning: 'No description for this code: see the WhatsApp or Gupshup list of error codes.', count: { text: '78', unknown: false }, share: '100%' }]);
  });

  it('says when nothing failed, and when why is not known, without a table', async () => {
    expect(page('2026-03-02', '2026-03-02').errors).toEqual({ known: true, note: 'No message failed on this day.', rows: [] });
    for (const p of [page('2026-03-03', '2026-03-03'), page('2026-03-01', '2026-03-03'), page('2026-03-01', '2026-03-31', 'month')]) {
      expect(p.errors.known, p.path).toBe(false);
      expect(p.errors.rows).toEqual([]);
      expect(p.errors.note).toMatch(/^Why messages failed is not known for this (day|period|month):/);
    }
    const html = await renderPage(page('2026-03-03', '2026-03-03'));
    expect(html).toContain('<h2 id="errors-h">Why messages failed</h2>');
    expect(html).not.toContain('<table class="errors">');
  });

  it('renders the table, escaping codes from Glific', async () => {
    const html = await renderPage(page('2026-03-01', '2026-03-01'));
    expect(html).toContain('<th scope="row"><span class="code">131049</span> <span class="meaning">WhatsApp did not deliver this marketing message');
    expect(html).toMatch(/<span class="code">131049<\/span>.*?<\/th><td>20<\/td><td>25.6%<\/td>/);
    expect(html).toContain('<th scope="row"><span class="code">other codes</span> <span class="meaning">2 less frequent codes together.</span></th><td>3</td>');
    expect(html).not.toContain('<b>x</b>');
    const small = await renderPage(buildPeriodPage({ ...report(), errorCodes: [{ date: '2026-03-01', codes: [{ code: '<b>x</b>', count: 78 }] }] }, { kind: 'day', from: '2026-03-01', to: '2026-03-01' }, { now: NOW }));
    expect(small).toContain('<span class="code">&lt;b&gt;x&lt;/b&gt;</span>');
  });
});

describe('the error codes of a digest', () => {
  it('names the top 3 codes in a few words, and the rest summed', async () => {
    const m = buildDigest(report(), 'daily', '2026-03-01', 'https://reports.example.org');
    expect(m.errors).toEqual({
      known: true,
      text: '78 messages failed on this day; most frequent error codes:',
      items: [
        `131049: 20 (${errorCodeMeaning('131049')!.short})`,
        `131026: 15 (${errorCodeMeaning('131026')!.short})`,
        'no code given: 10 (Refused before sending)',
        'other codes: 33',
      ],
    });
    const d = await renderDigest(report(), 'daily', '2026-03-01', { siteUrl: 'https://reports.example.org', from: 'reports@example.org', charts: [] });
    expect(d.text).toContain('Why messages failed: 78 messages failed on this day; most frequent error codes:\n- 131049: 20 (Marketing limit for this person)\n');
    expect(d.html).toContain('<li>no code given: 10 (Refused before sending)</li>');
  });

  it('says so when nothing failed or the codes are not known', () => {
    expect(buildDigest(report(), 'daily', '2026-03-02', 'https://x.org').errors).toEqual({ known: true, text: 'No message failed on this day.', items: [] });
    expect(buildDigest(report(), 'daily', '2026-03-03', 'https://x.org').errors).toEqual({ known: false, text: 'Why messages failed is not known for this day.', items: [] });
  });
});
