// The "Why messages failed" block of a day, month or range page: the period's failed messages by
// error code (METRICS.md §3b), the most frequent first, the rest summed, each code with its
// meaning in plain words (lib/error-codes.ts). A period whose codes are not known says so; it
// never shows an empty table as if nothing had failed.
import { errorCodeLabel, errorCodeMeaning } from '../lib/error-codes.ts';
import { formatCount, formatPercent, showCount, type Shown } from '../lib/words.ts';
import { periodErrorCodes, topErrorCodes } from '../metrics/errors.ts';
import type { OrgReport } from '../metrics/report.ts';

/** How many codes a page lists before summing the rest. */
export const TOP_CODES = 10;

export interface ErrorCodeRow {
  /** The code as it is, "no code given", or "other codes". */
  label: string;
  meaning: string;
  count: Shown;
  /** Share of the period's failed messages, e.g. "12.5%". */
  share: string;
}

export interface ErrorTable {
  /** Whether the period's failed messages are known by code. */
  known: boolean;
  /** What the table shows, or why there is none. */
  note: string;
  rows: ErrorCodeRow[];
}

const UNEXPLAINED = 'No description for this code: see the WhatsApp or Gupshup list of error codes.';

/** `what`: how the page names its period ("day", "month", "period"). */
export function errorTable(report: OrgReport, from: string, to: string, what: string): ErrorTable {
  const during = what === 'day' ? 'on this day' : `in this ${what}`;
  const codes = periodErrorCodes(report, from, to);
  if (codes === null) {
    return {
      known: false,
      note: `Why messages failed is not known for this ${what}: some of its days were not counted by error code (their messages were no longer in Glific, or they were computed before error codes were kept).`,
      rows: [],
    };
  }
  const { top, rest, total } = topErrorCodes(codes, TOP_CODES);
  if (total === 0) return { known: true, note: `No message failed ${during}.`, rows: [] };
  const share = (n: number) => formatPercent(n / total);
  const rows: ErrorCodeRow[] = top.map((c) => {
    const m = errorCodeMeaning(c.code);
    return { label: errorCodeLabel(c.code), meaning: m ? m.meaning : UNEXPLAINED, count: showCount(c.count), share: share(c.count) };
  });
  if (rest) rows.push({ label: 'other codes', meaning: `${formatCount(rest.codes)} less frequent codes together.`, count: showCount(rest.count), share: share(rest.count) });
  const many = codes.length > TOP_CODES ? `, the ${TOP_CODES} most frequent codes first` : '';
  return {
    known: true,
    note: `${formatCount(total)} ${total === 1 ? 'message' : 'messages'} failed ${during}, by the error code WhatsApp or Gupshup gave${many}.`,
    rows,
  };
}
