// Number and date wording shared by chart descriptions, pages and (through charts/) the digests.
// Fixed locale so the text is the same on every server.
const INT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const PCT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1, minimumFractionDigits: 0 });
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export const NOT_KNOWN = 'not known';

export function formatCount(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? NOT_KNOWN : INT.format(n);
}

export function formatPercent(ratio: number | null | undefined): string {
  return ratio === null || ratio === undefined || !Number.isFinite(ratio) ? NOT_KNOWN : `${PCT.format(ratio * 100)}%`;
}

/** '2025-01-05' -> '5 January 2025'. Pure string arithmetic: the server zone never enters. */
export function formatDate(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return `${d} ${MONTHS[m - 1]} ${y}`;
}

/** '2025-01' -> 'January 2025'. */
export function formatMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return `${MONTHS[m - 1]} ${y}`;
}

export function formatSpan(from: string, to: string): string {
  return from === to ? formatDate(from) : `${formatDate(from)} to ${formatDate(to)}`;
}

/** '14' -> '14:00–15:00' */
export function formatHour(h: number | null | undefined): string {
  if (h === null || h === undefined) return NOT_KNOWN;
  const p = (x: number) => String(x).padStart(2, '0');
  return `${p(h)}:00–${p((h + 1) % 24 === 0 ? 24 : h + 1)}:00`;
}
