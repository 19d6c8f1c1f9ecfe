// How one number appears on a page: its text, the "not known" case, its change against the
// previous period (arrow AND sign AND words, never colour alone) and its provenance marks.
import { formatCount, NOT_KNOWN } from '../charts/numbers.ts';
import { formatHour } from '../charts/numbers.ts';

export interface Shown {
  text: string;
  /** True when the value is null: shown as "—" with "not known" for screen readers. */
  unknown: boolean;
}

export interface Change {
  direction: 'up' | 'down' | 'same' | 'none';
  arrow: string;
  /** e.g. "+12 (+8.5%)" */
  text: string;
  /** Words for screen readers and for print: "up 12 (8.5%) from 4 January 2025" */
  words: string;
}

export function show(v: number | null | undefined): Shown {
  return v === null || v === undefined ? { text: '—', unknown: true } : { text: formatCount(v), unknown: false };
}

export function showHour(h: number | null | undefined): Shown {
  return h === null || h === undefined ? { text: '—', unknown: true } : { text: formatHour(h), unknown: false };
}

const PCT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

export function change(current: number | null | undefined, previous: number | null | undefined, against: string): Change {
  if (current === null || current === undefined || previous === null || previous === undefined) {
    return { direction: 'none', arrow: '', text: '—', words: `no comparison with ${against} (${NOT_KNOWN})` };
  }
  const d = current - previous;
  const pct = previous === 0 ? null : (d / previous) * 100;
  const pctText = pct === null ? '' : ` (${d >= 0 ? '+' : '−'}${PCT.format(Math.abs(pct))}%)`;
  if (d === 0) return { direction: 'same', arrow: '=', text: '±0', words: `unchanged from ${against}` };
  const up = d > 0;
  return {
    direction: up ? 'up' : 'down',
    arrow: up ? '▲' : '▼',
    text: `${up ? '+' : '−'}${formatCount(Math.abs(d))}${pctText}`,
    words: `${up ? 'up' : 'down'} ${formatCount(Math.abs(d))}${pct === null ? '' : ` (${PCT.format(Math.abs(pct))}%)`} from ${against}`,
  };
}
