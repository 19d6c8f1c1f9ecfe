// The one wording of numbers, dates, hours and changes that the site, the charts and the email share.
import { describe, expect, it } from 'vitest';
import {
  DASH,
  daysNotKnown,
  describeChange,
  formatCount,
  formatDate,
  formatHour,
  formatMonth,
  formatPercent,
  formatSpan,
  NOT_KNOWN,
  shareOf,
  showCount,
  showHour,
} from '../../lib/words.ts';

describe('counts and percentages', () => {
  it('groups thousands, and says "not known" for an unknown count, never 0', () => {
    expect(formatCount(1234567)).toBe('1,234,567');
    expect(formatCount(0)).toBe('0');
    expect(formatCount(null)).toBe(NOT_KNOWN);
    expect(formatCount(undefined)).toBe('not known');
    expect(formatCount(Number.NaN)).toBe('not known');
  });

  it('shows a cell as the count or a dash marked unknown', () => {
    expect(showCount(1009)).toEqual({ text: '1,009', unknown: false });
    expect(showCount(0)).toEqual({ text: '0', unknown: false });
    expect(showCount(null)).toEqual({ text: DASH, unknown: true });
  });

  it('writes percentages with at most one decimal, and shares of a positive whole only', () => {
    expect(formatPercent(0.125)).toBe('12.5%');
    expect(formatPercent(0.1)).toBe('10%');
    expect(formatPercent(2 / 3)).toBe('66.7%');
    expect(formatPercent(null)).toBe('not known');
    expect(shareOf(198, 333)).toBe(' (59.5%)');
    expect(shareOf(5, 0)).toBe('');
    expect(shareOf(null, 10)).toBe('');
  });

  it('says how many days a total left out', () => {
    expect(daysNotKnown(0)).toBe('');
    expect(daysNotKnown(1)).toBe(' (1 day not known)');
    expect(daysNotKnown(1200)).toBe(' (1,200 days not known)');
  });
});

describe('dates, months, spans and hours', () => {
  it('writes dates by string arithmetic, with the weekday when asked', () => {
    expect(formatDate('2025-01-05')).toBe('5 January 2025');
    expect(formatDate('2026-03-01', { weekday: true })).toBe('Sunday, 1 March 2026');
    expect(formatDate('2024-02-29', { weekday: true })).toBe('Thursday, 29 February 2024');
    expect(formatMonth('2026-12')).toBe('December 2026');
    expect(formatSpan('2026-03-01', '2026-03-31')).toBe('1 March 2026 to 31 March 2026');
    expect(formatSpan('2026-03-01', '2026-03-01')).toBe('1 March 2026');
  });

  it('writes an hour as the span it covers, the last one ending at 24:00', () => {
    expect(formatHour(0)).toBe('00:00–01:00');
    expect(formatHour(9)).toBe('09:00–10:00');
    expect(formatHour(23)).toBe('23:00–24:00');
    expect(formatHour(null)).toBe('not known');
    expect(showHour(23)).toEqual({ text: '23:00–24:00', unknown: false });
    expect(showHour(null)).toEqual({ text: '—', unknown: true });
  });
});

describe('changes', () => {
  it('gives arrow, sign, absolute and relative change, and the same spelled out', () => {
    expect(describeChange(1234, 1100, '28 February 2026')).toEqual({
      direction: 'up',
      arrow: '▲',
      text: '+134 (+12.2%)',
      label: '▲ +134 (+12.2%)',
      spoken: 'up 134 (12.2%)',
      words: 'up 134 (12.2%) from 28 February 2026',
    });
    expect(describeChange(500, 600, 'January 2026')).toMatchObject({ direction: 'down', arrow: '▼', text: '−100 (−16.7%)', label: '▼ −100 (−16.7%)', words: 'down 100 (16.7%) from January 2026' });
    expect(describeChange(2500, 1000, 'x').text).toBe('+1,500 (+150%)');
  });

  it('leaves the percentage out against 0, and says when nothing changed', () => {
    expect(describeChange(5, 0, 'x')).toMatchObject({ direction: 'up', text: '+5', spoken: 'up 5' });
    expect(describeChange(7, 7, 'the same days of May 2026')).toMatchObject({ direction: 'same', arrow: '=', text: '±0', label: '= ±0', spoken: 'unchanged', words: 'unchanged from the same days of May 2026' });
  });

  it('has no change when either value is unknown, never one against 0', () => {
    for (const [a, b] of [[null, 7], [7, null], [undefined, 0]] as const) {
      expect(describeChange(a, b, '4 January 2025')).toEqual({
        direction: 'none', arrow: '', text: '—', label: '—', spoken: 'no comparison', words: 'no comparison with 4 January 2025 (not known)',
      });
    }
  });
});
