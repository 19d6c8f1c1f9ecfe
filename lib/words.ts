// How numbers, dates, hours and changes are worded, for the site, the charts and the email
// alike: one module, so a reader sees the same number written the same way everywhere. Fixed
// locale and pure string arithmetic on date labels, so the server's locale and zone never enter.
import { WEEKDAYS, weekdayIndex } from './calendar.ts';

/** What an unknown value says in a sentence; it is never written as 0. */
export const NOT_KNOWN = 'not known';
/** What an unknown value shows in a table cell or a card ("not known" for screen readers). */
export const DASH = '—';

const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const PCT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 0 });
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const known = (n: number | null | undefined): n is number => n !== null && n !== undefined && Number.isFinite(n);

// Counts and percentages ----------------------------------------------------------------------

/** 1234 → "1,234"; unknown → "not known". */
export function formatCount(n: number | null | undefined): string {
  return known(n) ? INT.format(n) : NOT_KNOWN;
}

/** A ratio as a percentage with at most one decimal: 0.125 → "12.5%", 0.1 → "10%". */
export function formatPercent(ratio: number | null | undefined): string {
  return known(ratio) ? `${PCT.format(ratio * 100)}%` : NOT_KNOWN;
}

/** " (12.5%)" — a part's share of a whole, for a sentence; "" when the whole is not a positive count. */
export function shareOf(part: number | null | undefined, whole: number | null | undefined): string {
  return known(part) && known(whole) && whole > 0 ? ` (${formatPercent(part / whole)})` : '';
}

/** " (3 days not known)" after a total that left days out; "" when none was. */
export function daysNotKnown(days: number): string {
  if (days <= 0) return '';
  return days === 1 ? ' (1 day not known)' : ` (${formatCount(days)} days ${NOT_KNOWN})`;
}

/** A value as a table cell or card shows it: its text, or a dash that says "not known". */
export interface Shown {
  text: string;
  /** True when the value is not known: shown as "—", read as "not known". */
  unknown: boolean;
}

const UNKNOWN: Shown = { text: DASH, unknown: true };

export function showCount(v: number | null | undefined): Shown {
  return known(v) ? { text: INT.format(v), unknown: false } : UNKNOWN;
}

/** An amount of money given in millionths of the currency unit: 'INR 1,234.56'. */
export function showMoney(micros: number | null | undefined, currency: string): Shown {
  if (!known(micros)) return UNKNOWN;
  const f = new Intl.NumberFormat('en-US', { style: 'currency', currency, currencyDisplay: 'code' });
  return { text: f.format(micros / 1_000_000).replace(/\u00a0/g, ' '), unknown: false };
}

export function showHour(h: number | null | undefined): Shown {
  return known(h) ? { text: formatHour(h), unknown: false } : UNKNOWN;
}

// Dates, months, spans, hours -----------------------------------------------------------------

/** '2025-01-05' → '5 January 2025'; with the weekday: 'Sunday, 5 January 2025'. */
export function formatDate(date: string, o: { weekday?: boolean } = {}): string {
  const [y, m, d] = date.split('-').map(Number);
  const text = `${d} ${MONTHS[m - 1]} ${y}`;
  return o.weekday ? `${WEEKDAYS[weekdayIndex(date)]}, ${text}` : text;
}

/** '2025-01' → 'January 2025'. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

/** Inclusive local dates: '5 January 2025 to 7 January 2025', or one date. */
export function formatSpan(from: string, to: string): string {
  return from === to ? formatDate(from) : `${formatDate(from)} to ${formatDate(to)}`;
}

/**
 * An hour of the local day as the span it covers: 14 → '14:00–15:00', 23 → '23:00–24:00'.
 * The last hour ends at 24:00 (ISO 8601's end of the day), not 00:00, so the span never seems
 * to run backwards or into the next day.
 */
export function formatHour(h: number | null | undefined): string {
  if (!known(h)) return NOT_KNOWN;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(h)}:00–${p(h + 1)}:00`;
}

// Changes -------------------------------------------------------------------------------------

export interface Change {
  direction: 'up' | 'down' | 'same' | 'none';
  /** '▲', '▼', '=' or '' (not known): never the only sign of the direction. */
  arrow: string;
  /** The sign, the absolute change and the relative one: '+12 (+8.5%)', '−3 (−5%)', '±0', '—'. */
  text: string;
  /** Arrow and text, for places that show both in one string: '▲ +12 (+8.5%)'. */
  label: string;
  /** Spelled out: 'up 12 (8.5%)', 'down 3 (5%)', 'unchanged', 'no comparison'. */
  spoken: string;
  /** Spelled out with what it is compared with: 'up 12 (8.5%) from 4 January 2025'. */
  words: string;
}

/**
 * A value's change against what it is compared with (`against`, worded: '4 January 2025', 'the
 * same days of December 2024'). The percentage is left out when the earlier value is 0; either
 * value unknown gives no change at all, never one against 0. Minus is U+2212, which screen
 * readers say as "minus".
 */
export function describeChange(current: number | null | undefined, previous: number | null | undefined, against: string): Change {
  if (!known(current) || !known(previous)) {
    return { direction: 'none', arrow: '', text: DASH, label: DASH, spoken: 'no comparison', words: `no comparison with ${against} (${NOT_KNOWN})` };
  }
  const d = current - previous;
  if (d === 0) return { direction: 'same', arrow: '=', text: '±0', label: '= ±0', spoken: 'unchanged', words: `unchanged from ${against}` };
  const up = d > 0;
  const pct = previous === 0 ? null : PCT.format(Math.abs((d / previous) * 100));
  const sign = up ? '+' : '−';
  const arrow = up ? '▲' : '▼';
  const text = `${sign}${INT.format(Math.abs(d))}${pct === null ? '' : ` (${sign}${pct}%)`}`;
  const spoken = `${up ? 'up' : 'down'} ${INT.format(Math.abs(d))}${pct === null ? '' : ` (${pct}%)`}`;
  return { direction: up ? 'up' : 'down', arrow, text, label: `${arrow} ${text}`, spoken, words: `${spoken} from ${against}` };
}
