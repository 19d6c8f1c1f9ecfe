// Months, ranges and their comparisons (METRICS.md §6), on hand-made day rows.
import { describe, expect, it } from 'vitest';
import {
  compareDay,
  compareMonth,
  comparePeriod,
  compareRange,
  dayPeriod,
  monthPeriod,
  mostActiveHour,
  periodRow,
  periodValue,
  periodValues,
  previousPeriod,
  rangePeriod,
  sameDaysOfPreviousMonth,
} from '../../metrics/period.ts';
import type { DayRow, HourlyRow, PeriodRow, Values } from '../../metrics/report.ts';
import { eachDate } from '../../lib/calendar.ts';

const day = (date: string, values: Values, extra: Partial<DayRow> = {}): DayRow => ({ date, values, mostActiveHour: null, provenance: {}, utcDayImport: false, lateSnapshot: false, ...extra });
const byDate = (rows: DayRow[]) => new Map(rows.map((d) => [d.date, d]));

describe('period values', () => {
  const days = [
    day('2026-03-01', { inbound_messages: 3, error_messages: 1, total_contacts: 10, active_contacts: 2 }),
    day('2026-03-02', { inbound_messages: 4, error_messages: null, total_contacts: 12, active_contacts: 3 }),
    day('2026-03-03', { inbound_messages: 5, error_messages: 2, total_contacts: 11, active_contacts: 1 }),
  ];

  it('sums event keys, unknown when any day is unknown', () => {
    const v = periodValues(days, {});
    expect(v.inbound_messages).toBe(12);
    expect(v.error_messages).toBeNull();
    // a key the days do not hold at all is unknown, not 0
    expect(v.optins).toBeNull();
  });

  it('takes distinct keys from what was counted over the period, never from the days', () => {
    expect(periodValues(days, { active_contacts: 4 }).active_contacts).toBe(4);
    expect(periodValues(days, {}).active_contacts).toBeNull();
    expect(periodValues(days, { conversations: 0 }).conversations).toBe(0);
  });

  it('takes snapshots from the last day', () => {
    expect(periodValues(days, {}).total_contacts).toBe(11);
    expect(periodValues([...days, day('2026-03-04', { total_contacts: null })], {}).total_contacts).toBeNull();
  });

  it('has no value for a period without days', () => {
    const v = periodValues([], { active_contacts: 5 });
    expect(v.inbound_messages).toBeNull();
    expect(v.total_contacts).toBeNull();
    expect(v.active_contacts).toBe(5);
  });

  it('can sum only the days that have a value, for a key defined from some date on', () => {
    const ds = [day('2025-06-30', {}), day('2025-07-01', { inbound_messages: 2 }), day('2025-07-02', { inbound_messages: 5 })];
    expect(periodValue('inbound_messages', { kind: 'event', sumKnownDays: true }, ds, {})).toBe(7);
    expect(periodValue('inbound_messages', { kind: 'event', sumKnownDays: false }, ds, {})).toBeNull();
    expect(periodValue('inbound_messages', { kind: 'event', sumKnownDays: true }, [ds[0]], {})).toBeNull();
  });

  it('takes the most active hour over the whole period, ties to the earliest hour', () => {
    const h = (date: string, hour: number, inbound: number, outbound: number): HourlyRow => ({ date, hour, inbound, outbound });
    expect(mostActiveHour([h('2026-03-01', 9, 5, 0), h('2026-03-02', 14, 2, 2), h('2026-03-03', 14, 1, 1)])).toBe(14);
    expect(mostActiveHour([h('2026-03-01', 16, 3, 0), h('2026-03-02', 8, 1, 2)])).toBe(8);
    expect(mostActiveHour([])).toBeNull();
  });

  it('builds a month row: complete, closed, marks carried from its days', () => {
    const rows = [day('2026-02-27', { inbound_messages: 1 }), day('2026-02-28', { inbound_messages: 2 }, { utcDayImport: true })];
    const hours = new Map([['2026-02-28', [{ date: '2026-02-28', hour: 7, inbound: 2, outbound: 0 }]]]);
    const feb = periodRow('month', '2026-02', '2026-02-01', '2026-02-28', byDate(rows), hours, { active_contacts: 3 }, '2026-03-01');
    expect(feb).toMatchObject({ kind: 'month', key: '2026-02', closed: true, complete: false, utcDayImport: true, lateSnapshot: false, mostActiveHour: 7 });
    expect(feb.values).toMatchObject({ inbound_messages: 3, active_contacts: 3 });
    const all = eachDate('2026-02-01', '2026-02-28').map((d) => day(d, { inbound_messages: 1 }));
    expect(periodRow('month', '2026-02', '2026-02-01', '2026-02-28', byDate(all), new Map(), {}, '2026-02-28')).toMatchObject({ complete: true, closed: false });
  });
});

describe('the previous period', () => {
  it('is the day before, the month before, or as many days before a range', () => {
    expect(previousPeriod(dayPeriod('2026-03-01'))).toEqual({ kind: 'day', key: '2026-02-28', from: '2026-02-28', to: '2026-02-28' });
    expect(previousPeriod(monthPeriod('2026-03'))).toEqual({ kind: 'month', key: '2026-02', from: '2026-02-01', to: '2026-02-28' });
    expect(previousPeriod(monthPeriod('2026-01'))).toEqual({ kind: 'month', key: '2025-12', from: '2025-12-01', to: '2025-12-31' });
    expect(previousPeriod(monthPeriod('2028-03')).to).toBe('2028-02-29');
    expect(previousPeriod(rangePeriod('2026-03-01', '2026-03-10'))).toEqual({ kind: 'range', key: '2026-02-19_2026-02-28', from: '2026-02-19', to: '2026-02-28' });
  });

  it('for an open month is the same days of the month before, cut at a shorter month’s end', () => {
    const span = (m: string, last: string) => {
      const p = sameDaysOfPreviousMonth(m, last);
      return `${p.from}..${p.to}`;
    };
    expect(span('2026-03', '2026-03-15')).toBe('2026-02-01..2026-02-15');
    expect(span('2026-03', '2026-03-28')).toBe('2026-02-01..2026-02-28');
    expect(span('2026-03', '2026-03-31')).toBe('2026-02-01..2026-02-28');
    expect(span('2028-03', '2028-03-30')).toBe('2028-02-01..2028-02-29');
    expect(span('2026-02', '2026-02-28')).toBe('2026-01-01..2026-01-28'); // a 28-day month against a 31-day one
    expect(span('2026-05', '2026-05-31')).toBe('2026-04-01..2026-04-30');
    expect(span('2026-01', '2026-01-31')).toBe('2025-12-01..2025-12-31');
  });
});

describe('comparisons', () => {
  const month = (key: string, from: string, to: string, values: Values, closed: boolean): PeriodRow => ({ kind: 'month', key, from, to, values, mostActiveHour: null, closed, complete: closed, utcDayImport: false, lateSnapshot: false });

  it('compares a day with the day before, when that was computed', () => {
    const days = byDate([day('2026-03-01', { inbound_messages: 3 }), day('2026-03-02', { inbound_messages: 5 })]);
    expect(compareDay('2026-03-02', days)).toMatchObject({ period: { key: '2026-03-01' }, sameDays: false, values: { inbound_messages: 3 } });
    expect(compareDay('2026-03-01', days)).toBeNull();
  });

  it('compares a closed month with the whole month before', () => {
    const feb = month('2026-02', '2026-02-01', '2026-02-28', { inbound_messages: 100, active_contacts: 9 }, true);
    const mar = month('2026-03', '2026-03-01', '2026-03-31', { inbound_messages: 120, active_contacts: 11 }, true);
    const months = new Map([['2026-02', feb], ['2026-03', mar]]);
    const c = compareMonth(mar, new Map(), months)!;
    expect(c).toMatchObject({ period: { kind: 'month', key: '2026-02' }, sameDays: false, values: { inbound_messages: 100, active_contacts: 9 } });
    expect(c.comparable('active_contacts')).toBe(true);
    expect(compareMonth(feb, new Map(), months)).toBeNull();
  });

  it('compares an open month with the same days of the month before: events summed, last snapshot, no distinct counts', () => {
    // February 2026 has 28 days; March is open with days up to the 30th computed.
    const feb = eachDate('2026-02-01', '2026-02-28').map((d, i) => day(d, { inbound_messages: 1, total_contacts: 100 + i, active_contacts: 5 }));
    const mar = eachDate('2026-03-01', '2026-03-30').map((d) => day(d, { inbound_messages: 2 }));
    const open = month('2026-03', '2026-03-01', '2026-03-31', {}, false);
    const c = compareMonth(open, byDate([...feb, ...mar]), new Map())!;
    expect(c.sameDays).toBe(true);
    expect(c.period).toMatchObject({ from: '2026-02-01', to: '2026-02-28' });
    expect(c.values).toMatchObject({ inbound_messages: 28, total_contacts: 127, active_contacts: null });
    expect(c.comparable('inbound_messages')).toBe(true);
    expect(c.comparable('active_contacts')).toBe(false);
    expect(c.comparable('conversations')).toBe(false);
  });

  it('compares an open 28-day month on its 10th with January 1–10, and not at all when a day of those is missing', () => {
    const jan = eachDate('2026-01-01', '2026-01-31').map((d) => day(d, { outbound_messages: 3 }));
    const feb = eachDate('2026-02-01', '2026-02-10').map((d) => day(d, { outbound_messages: 4 }));
    const open = month('2026-02', '2026-02-01', '2026-02-28', {}, false);
    expect(compareMonth(open, byDate([...jan, ...feb]), new Map())!.values.outbound_messages).toBe(30);
    expect(compareMonth(open, byDate([...jan.filter((d) => d.date !== '2026-01-07'), ...feb]), new Map())).toBeNull();
    expect(compareMonth(open, byDate(jan), new Map())).toBeNull(); // no day of February yet
  });

  const range = (from: string, to: string, values: Values, closed = true): PeriodRow => ({ kind: 'range', key: `${from}_${to}`, from, to, values, mostActiveHour: null, closed, complete: true, utcDayImport: false, lateSnapshot: false });

  it('compares a range with the period of equal length just before it, from its days: events summed, last snapshot, no distinct counts', () => {
    // 10–16 March (7 days) against 3–9 March.
    const days = eachDate('2026-03-03', '2026-03-16').map((d, i) => day(d, { inbound_messages: i < 7 ? 2 : 3, total_contacts: 50 + i, active_contacts: 4 }));
    const c = compareRange(range('2026-03-10', '2026-03-16', {}), byDate(days), new Map())!;
    expect(c.period).toEqual({ kind: 'range', key: '2026-03-03_2026-03-09', from: '2026-03-03', to: '2026-03-09' });
    expect(c.sameDays).toBe(false);
    expect(c.values).toMatchObject({ inbound_messages: 14, total_contacts: 56, active_contacts: null });
    expect(c.comparable('inbound_messages')).toBe(true);
    expect(c.comparable('active_contacts')).toBe(false);
    // No day before 3 March was computed: 9–16 March (8 days) has nothing to compare with.
    expect(compareRange(range('2026-03-09', '2026-03-16', {}), byDate(days), new Map())).toBeNull();
  });

  it('compares with the range before as computed, distinct counts included, when there is one', () => {
    const before = range('2026-03-03', '2026-03-09', { inbound_messages: 99, active_contacts: 12 });
    const c = compareRange(range('2026-03-10', '2026-03-16', {}), new Map(), new Map([[before.key, before]]))!;
    expect(c.values).toMatchObject({ inbound_messages: 99, active_contacts: 12 });
    expect(c.comparable('active_contacts')).toBe(true);
  });

  it('compares an open range over its days so far with as many days just before it', () => {
    // 10–20 March asked for on the 14th: 10–13 computed, compared with 6–9 March.
    const days = eachDate('2026-03-01', '2026-03-13').map((d) => day(d, { outbound_messages: 1 }));
    const c = compareRange(range('2026-03-10', '2026-03-20', {}, false), byDate(days), new Map())!;
    expect(c.sameDays).toBe(true);
    expect(c.period).toMatchObject({ from: '2026-03-06', to: '2026-03-09' });
    expect(c.values.outbound_messages).toBe(4);
    expect(compareRange(range('2026-03-14', '2026-03-20', {}, false), byDate(days), new Map())).toBeNull();
  });

  it('dispatches on the kind of period', () => {
    const days = byDate(eachDate('2026-03-01', '2026-03-04').map((d) => day(d, { inbound_messages: 1 })));
    expect(comparePeriod(dayPeriod('2026-03-02'), null, days, new Map(), new Map())!.period.key).toBe('2026-03-01');
    expect(comparePeriod(rangePeriod('2026-03-03', '2026-03-04'), range('2026-03-03', '2026-03-04', {}), days, new Map(), new Map())!.period.key).toBe('2026-03-01_2026-03-02');
    expect(comparePeriod(monthPeriod('2026-03'), null, days, new Map(), new Map())).toBeNull();
  });
});
