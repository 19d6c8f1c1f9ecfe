// The operator's rate card: what a finance person reads next to billable messages when one is set
// (and nothing in money when none is), the prices in force by date, and a malformed file named
// line by line.
import { describe, expect, it } from 'vitest';
import path from 'node:path';
import { parseRateCard, priceOn, readRateCard } from '../../config/rate-card.ts';
import { dayCost, periodCost } from '../../metrics/cost.ts';
import type { DayRow, OrgReport } from '../../metrics/report.ts';
import { eachDate } from '../../lib/calendar.ts';
import { buildPeriodPage } from '../../pages/period-page.ts';
import { renderPage } from '../../pages/render.ts';
import { renderDigest } from '../../mail/render.ts';

const CARD = `category,currency,price,from
marketing,INR,0.80,2025-07-01
utility,INR,0.10,2025-07-01
authentication,INR,0.12,2025-07-01
marketing,INR,1.00,2026-10-01
service,INR,0.02,2026-10-01
`;
const card = parseRateCard(CARD, '/etc/glific-reports/rates.csv');

describe('a rate card', () => {
  it('holds each price from its date until the next of its category, exactly (millionths)', () => {
    expect(card.currency).toBe('INR');
    expect(priceOn(card, 'marketing', '2025-06-30')).toBeUndefined();
    expect(priceOn(card, 'marketing', '2025-07-01')).toBe(800_000);
    expect(priceOn(card, 'marketing', '2026-09-30')).toBe(800_000);
    expect(priceOn(card, 'marketing', '2026-10-01')).toBe(1_000_000);
    expect(priceOn(card, 'service', '2026-09-30')).toBeUndefined();
    expect(priceOn(card, 'utility', '2030-01-01')).toBe(100_000);
    expect(parseRateCard('category,currency,price,from\r\n# a comment\r\nutility,USD,0.0034,2025-07-01\r\n', 'x').prices.utility).toEqual([{ from: '2025-07-01', micros: 3400 }]);
  });

  it.each([
    ['cat,currency,price,from\nutility,INR,0.1,2025-07-01', /line 1: the first line must be the header "category,currency,price,from"/],
    ['category,currency,price,from\nutility,INR,0.1,2025-07-01\npromotional,INR,0.5,2025-07-01', /line 3: unknown category "promotional"/],
    ['category,currency,price,from\nutility,₹,0.1,2025-07-01', /line 2: currency "₹" is not a three-letter ISO 4217 code/],
    ['category,currency,price,from\nutility,INR,0.1,2025-07-01\nmarketing,USD,0.02,2025-07-01', /line 3: currency USD differs from INR/],
    ['category,currency,price,from\nutility,INR,₹0.10,2025-07-01', /line 2: price "₹0.10" must be a decimal number/],
    ['category,currency,price,from\nutility,INR,0.1,2025-13-01', /line 2: "2025-13-01" is not a date/],
    ['category,currency,price,from\nutility,INR,0.1', /line 2: expected 4 comma-separated fields/],
    ['category,currency,price,from\nutility,INR,0.1,2025-07-01\nutility,INR,0.2,2025-07-01', /line 3: utility has two prices from 2025-07-01/],
    ['category,currency,price,from\n', /the rate card has no price/],
  ])('refuses a malformed file, naming the line: %j', (text, message) => {
    expect(() => parseRateCard(text, 'rates.csv')).toThrow(message);
    expect(() => parseRateCard(text, 'rates.csv')).toThrow(/^REPORTS_RATE_CARD rates.csv /);
  });

  it('a file that cannot be read says so', () => {
    expect(() => readRateCard('/nonexistent/rates.csv')).toThrow(/REPORTS_RATE_CARD \/nonexistent\/rates.csv cannot be read \(ENOENT\)/);
  });
});

describe('the estimated cost', () => {
  const v = { delivered_marketing: 10, delivered_utility: 50, delivered_authentication: 5, delivered_other: 3, utility_in_window: 30, service_messages: 100 };
  it('prices each day under its own pricing rule and prices', () => {
    // until 2026-09-30: 10 × 0.80 + 5 × 0.12 + (50 − 30) × 0.10 = 8 + 0.6 + 2 = 10.60
    expect(dayCost(card, '2026-09-30', v)).toBe(10_600_000);
    // from 2026-10-01: 10 × 1.00 + 5 × 0.12 + 50 × 0.10 + 100 × 0.02 = 10 + 0.6 + 5 + 2 = 17.60
    expect(dayCost(card, '2026-10-01', v)).toBe(17_600_000);
    expect(dayCost(card, '2025-06-30', v)).toBeUndefined();
    expect(dayCost(card, '2026-09-30', { ...v, utility_in_window: null })).toBeUndefined();
    // a count that needs a price the card lacks: not known; none needed: 0 is fine
    const noService = parseRateCard('category,currency,price,from\nmarketing,INR,1,2025-07-01\nutility,INR,1,2025-07-01\nauthentication,INR,1,2025-07-01', 'x');
    expect(dayCost(noService, '2026-10-01', v)).toBeNull();
    expect(dayCost(noService, '2026-10-01', { ...v, service_messages: 0 })).toBe(65_000_000);
  });

  it('sums a period’s days that have an estimate', () => {
    const days = [
      { date: '2025-06-30', values: v },
      { date: '2026-09-30', values: v },
      { date: '2026-10-01', values: v },
      { date: '2026-10-02', values: {} },
    ];
    expect(periodCost(card, days)).toEqual({ currency: 'INR', micros: 28_200_000, days: 2 });
    expect(periodCost(card, days.slice(0, 1))).toBeNull();
  });
});

function report(rateCard: OrgReport['rateCard']): OrgReport {
  const days: DayRow[] = eachDate('2026-09-01', '2026-10-31').map((date) => ({
    date,
    values: {
      inbound_messages: 10, outbound_messages: 20, active_contacts: 4,
      templates_marketing: 11, templates_utility: 52, templates_authentication: 5, templates_other: 3,
      delivered_marketing: 10, delivered_utility: 50, delivered_authentication: 5, delivered_other: 3,
      templates_failed: 2, utility_in_window: 30, service_messages: 100, service_windows: 7,
      billable_messages: date < '2026-10-01' ? 35 : 165,
    },
    mostActiveHour: 9, provenance: {}, utcDayImport: false, lateSnapshot: false,
  }));
  return {
    org: { id: 1, shortcode: 'acme', name: 'Acme', timezone: 'Asia/Kolkata', timezoneIsFallback: false, email: null, bookmarks: {} },
    dataCutoff: '2026-10-31T18:30:00.000Z', generatedAt: '2026-11-01T00:00:00.000Z',
    days, months: [], ranges: [], hourly: [], rateCard,
  };
}
const NOW = new Date('2026-11-01T06:00:00Z');
const MONEY = /\b(INR|USD|EUR)\b|₹|\$|Estimated cost/;

describe('pages and digests', () => {
  it('with a rate card: the estimated cost right after billable messages, on the page and in the digest', async () => {
    const page = buildPeriodPage(report(card), { kind: 'day', from: '2026-10-01', to: '2026-10-01' }, { now: NOW });
    const labels = page.summary.headlines.map((h) => h.label);
    expect(labels.slice(0, 2)).toEqual(['Billable messages (estimated)', 'Estimated cost']);
    expect(page.summary.headlines[1]).toMatchObject({ value: { text: 'INR 17.60' }, note: expect.stringMatching(/rate card rates\.csv, in INR; an upper bound/) });
    const html = await renderPage(page);
    expect(html).toContain('INR 17.60');
    // a range across the rule change: 30 days × 10.60 + 31 days × 17.60 = 318 + 545.60
    const range = buildPeriodPage(report(card), { kind: 'range', from: '2026-09-01', to: '2026-10-31' }, { now: NOW });
    expect(range.summary.headlines[1].value.text).toBe('INR 863.60');
    const mail = await renderDigest(report(card), 'daily', '2026-10-01', { siteUrl: 'https://r.example.org', from: 'r@example.org', charts: [] });
    expect(mail.text).toMatch(/^Estimated cost: INR 17.60 /m);
  });

  it('without one: no money anywhere, on pages or in mail', async () => {
    const page = buildPeriodPage(report(null), { kind: 'day', from: '2026-10-01', to: '2026-10-01' }, { now: NOW });
    expect(page.summary.headlines[0]).toMatchObject({ label: 'Billable messages (estimated)', value: { text: '165' } });
    expect(await renderPage(page)).not.toMatch(MONEY);
    const mail = await renderDigest(report(null), 'daily', '2026-10-01', { siteUrl: 'https://r.example.org', from: 'r@example.org', charts: [] });
    expect(mail.text).not.toMatch(MONEY);
    expect(String(mail.html)).not.toMatch(MONEY);
    expect(mail.text).toMatch(/^Billable messages \(estimated\): 165 /m);
  });

  it('the shipped example card parses', () => {
    const example = path.resolve('docs/rate-card.example.csv');
    expect(readRateCard(example).currency).toBe('INR');
  });
});
