// One builder for day, month and range pages, on a hand-made report with round numbers: what each
// page compares with and says, its links, and a range of any dates as `serve` will ask for it.
import { describe, expect, it } from 'vitest';
import type { DayRow, HourlyRow, OrgReport, PeriodRow, Values } from '../../metrics/report.ts';
import { eachDate } from '../../lib/calendar.ts';
import { buildPeriodPage, periodRef } from '../../pages/period-page.ts';
import type { PeriodPage } from '../../pages/model.ts';

/**
 * 1–14 March 2026 (UTC): 10 inbound messages a day in the first week, 20 in the second; total
 * contacts 101, 102, … 114 at the end of each day; active contacts 4 a day. Messages peak at
 * 09:00 in the first week and at 23:00 in the second.
 */
function report(o: { ranges?: PeriodRow[]; months?: PeriodRow[]; from?: string; to?: string } = {}): OrgReport {
  const days: DayRow[] = [];
  const hourly: HourlyRow[] = [];
  for (const [i, date] of eachDate(o.from ?? '2026-03-01', o.to ?? '2026-03-14').entries()) {
    const second = date >= '2026-03-08';
    const values: Values = { inbound_messages: second ? 20 : 10, outbound_messages: 5, total_contacts: 101 + i, active_contacts: 4, new_contacts: 1 };
    days.push({ date, values, mostActiveHour: second ? 23 : 9, provenance: {}, utcDayImport: false, lateSnapshot: false });
    hourly.push({ date, hour: second ? 23 : 9, inbound: second ? 20 : 10, outbound: 5 });
  }
  return {
    org: { id: 1, shortcode: 'acme', name: 'Acme', timezone: 'UTC', timezoneIsFallback: false, email: null, bookmarks: {} },
    dataCutoff: '2026-03-15T00:00:00.000Z',
    generatedAt: '2026-03-15T01:00:00.000Z',
    days,
    months: o.months ?? [],
    ranges: o.ranges ?? [],
    hourly,
  };
}

const NOW = new Date('2026-03-15T06:00:00Z');
const card = (p: PeriodPage, label: string) => p.summary.headlines.find((h) => h.label === label)!;
const row = (p: PeriodPage, label: string) => p.values.find((v) => v.label === label)!;

describe('a range of any dates', () => {
  const page = buildPeriodPage(report(), { kind: 'range', from: '2026-03-08', to: '2026-03-14' }, { now: NOW });

  it('is built though it is not one of the report’s ranges, with its values from its days', () => {
    expect(page).toMatchObject({ template: 'period', kind: 'range', path: 'acme/range/2026-03-08_2026-03-14.html', heading: '8 March 2026 to 14 March 2026', title: '8 March 2026 to 14 March 2026 · Acme' });
    expect(card(page, 'Inbound messages').value).toEqual({ text: '140', unknown: false });
    expect(row(page, 'Total contacts').value.text).toBe('114');
    // A distinct count over the range was never counted: not known, not a sum of days.
    expect(card(page, 'Active contacts').value).toEqual({ text: '—', unknown: true });
  });

  it('is compared with the 7 days before it', () => {
    expect(page.compared).toBe(true);
    expect(page.summary.compareNote).toBe(
      'Changes are against the 7 days before, 1 March 2026 to 7 March 2026. Active contacts and BSP-reported conversations count each contact or conversation once over a whole range: they are known only for a range computed as such, and compared only with another.',
    );
    expect(card(page, 'Inbound messages').change).toMatchObject({ direction: 'up', arrow: '▲', text: '+70 (+100%)', words: 'up 70 (100%) from 1 March 2026 to 7 March 2026' });
    // 114 against 107 at the end of 7 March.
    expect(row(page, 'Total contacts')).toMatchObject({ previous: { text: '107' }, change: { text: '+7 (+6.5%)' } });
    expect(row(page, 'Outbound messages').change).toMatchObject({ direction: 'same', text: '±0' });
    expect(card(page, 'Active contacts').change).toBeNull();
    expect(row(page, 'Most active hour (local time)')).toMatchObject({ value: { text: '23:00–24:00' }, previous: { text: '09:00–10:00' } });
  });

  it('has nothing to compare with when a day before it was not computed', () => {
    const p = buildPeriodPage(report(), { kind: 'range', from: '2026-03-06', to: '2026-03-14' }, { now: NOW });
    expect(p.compared).toBe(false);
    expect(p.summary.compareNote).toMatch(/^No figures for the 9 days before \(25 February 2026 to 5 March 2026\) to compare with\./);
    expect(p.summary.headlines.every((h) => h.change === null)).toBe(true);
    expect(row(p, 'Most active hour (local time)').previous).toBeNull();
  });

  it('links the overview, and neither neighbour while it is not served', () => {
    expect(page.nav).toEqual({ prev: null, next: null, up: [{ href: '../index.html', label: 'Overview' }] });
    expect(page.crumbs.map((c) => c.href)).toEqual(['../../index.html', '../index.html']);
    expect(page.rangeForm).toMatchObject({ action: '../range', from: '2026-03-08', to: '2026-03-14', servedOnly: true, min: null, max: null });
  });

  it('served at <sc>/range: the form prefilled with it, neighbours of equal length a request away', () => {
    const served = buildPeriodPage(report(), { kind: 'range', from: '2026-03-08', to: '2026-03-14' }, { now: NOW, served: true, path: 'acme/range' });
    expect(served.path).toBe('acme/range');
    expect(served.crumbs.map((c) => c.href)).toEqual(['../index.html', 'index.html']);
    expect(served.rangeForm).toEqual({
      action: 'range', from: '2026-03-08', to: '2026-03-14', min: '2026-03-01', max: '2026-03-14',
      hint: 'Any days from 1 March 2026 to 14 March 2026, both included, as days in UTC.', servedOnly: false,
    });
    expect(served.nav.prev).toEqual({ href: 'range?from=2026-03-01&to=2026-03-07', label: '1 March 2026 to 7 March 2026' });
    expect(served.nav.next).toBeNull(); // 15–21 March: no day computed
  });

  it('uses the range as computed, distinct counts included, and links its published neighbours', () => {
    const r = (from: string, to: string, values: Values): PeriodRow => ({ kind: 'range', key: `${from}_${to}`, from, to, values, mostActiveHour: 9, closed: true, complete: true, utcDayImport: false, lateSnapshot: false });
    const before = r('2026-03-01', '2026-03-07', { inbound_messages: 70, active_contacts: 9, conversations: 25 });
    const it = r('2026-03-08', '2026-03-14', { inbound_messages: 140, active_contacts: 12, conversations: 30 });
    const p = buildPeriodPage(report({ ranges: [it, before] }), { kind: 'range', from: '2026-03-08', to: '2026-03-14' }, { now: NOW });
    expect(card(p, 'Active contacts')).toMatchObject({ value: { text: '12' }, change: { text: '+3 (+33.3%)' } });
    expect(p.summary.compareNote).toBe('Changes are against the 7 days before, 1 March 2026 to 7 March 2026.');
    expect(p.nav.prev).toEqual({ href: '2026-03-01_2026-03-07.html', label: '1 March 2026 to 7 March 2026' });
    expect(p.nav.next).toBeNull();
  });

  it('not over yet: its days so far against as many days before it', () => {
    const p = buildPeriodPage(report(), { kind: 'range', from: '2026-03-10', to: '2026-03-20' }, { now: NOW });
    expect(p.notices.map((n) => n.kind)).toEqual(['open']);
    // 10–14 March (5 × 20) against 5–9 March (3 × 10 + 2 × 20).
    expect(card(p, 'Inbound messages')).toMatchObject({ value: { text: '100' }, change: { text: '+30 (+42.9%)' } });
    expect(p.summary.compareNote).toMatch(/^This period is not over yet: its days so far are compared with as many days just before it \(5 March 2026 to 9 March 2026\)\./);
  });
});

describe('days and months', () => {
  it('compares a day with the day before', () => {
    const p = buildPeriodPage(report(), { kind: 'day', from: '2026-03-08', to: '2026-03-08' }, { now: NOW });
    expect(p).toMatchObject({ kind: 'day', path: 'acme/daily/2026-03-08.html', heading: '8 March 2026', compared: true });
    expect(p.summary.compareNote).toBe('Changes are against the day before, 7 March 2026.');
    expect(card(p, 'Inbound messages').change).toMatchObject({ text: '+10 (+100%)', words: 'up 10 (100%) from 7 March 2026' });
    expect(p.nav.prev).toEqual({ href: '2026-03-07.html', label: '7 March 2026' });
    expect(p.nav.next).toEqual({ href: '2026-03-09.html', label: '9 March 2026' });
    expect(buildPeriodPage(report(), { kind: 'day', from: '2026-03-01', to: '2026-03-01' }, { now: NOW }).compared).toBe(false);
  });

  it('compares an open month with the same days of the month before, hour included', () => {
    const feb = report({ from: '2026-02-01', to: '2026-02-28' });
    const mar = report();
    const both = { ...mar, days: [...feb.days, ...mar.days], hourly: [...feb.hourly, ...mar.hourly] };
    // February's own row says 14:00 over the whole month; the same days (1–14 February) peak at 09:00.
    const month = (key: string, from: string, to: string, closed: boolean): PeriodRow => ({ kind: 'month', key, from, to, values: {}, mostActiveHour: 14, closed, complete: closed, utcDayImport: false, lateSnapshot: false });
    both.months = [month('2026-02', '2026-02-01', '2026-02-28', true), month('2026-03', '2026-03-01', '2026-03-31', false)];
    const p = buildPeriodPage(both, { kind: 'month', from: '2026-03-01', to: '2026-03-31' }, { now: NOW });
    expect(p.heading).toBe('March 2026 so far');
    expect(p.compared).toBe(true);
    expect(p.summary.compareNote).toMatch(/^Changes are against the same days of the previous month \(1 February 2026 to 14 February 2026\)\./);
    expect(row(p, 'Most active hour (local time)').previous).toEqual({ text: '09:00–10:00', unknown: false });
  });

  it('refuses a malformed period, naming what is wrong', () => {
    expect(() => periodRef({ kind: 'range', from: '2026-03-10', to: '2026-03-01' })).toThrow('a period cannot end (2026-03-01) before it starts (2026-03-10)');
    expect(() => periodRef({ kind: 'month', from: '2026-03-02', to: '2026-03-31' })).toThrow(/first to the last day of a month/);
    expect(() => periodRef({ kind: 'day', from: '2026-02-30', to: '2026-02-30' })).toThrow(/two dates/);
    expect(() => buildPeriodPage(report(), { kind: 'day', from: '2026-04-01', to: '2026-04-01' }, { now: NOW })).toThrow('no day 2026-04-01 in the report of acme');
  });
});
