// The digest's short "why messages failed" part: the period's three most frequent error codes
// with their meaning in a few words (lib/error-codes.ts, as on the pages). Not known: says so.
import { errorCodeLabel, errorCodeMeaning } from '../lib/error-codes.ts';
import { formatCount } from '../lib/words.ts';
import { periodErrorCodes, topErrorCodes } from '../metrics/errors.ts';
import type { OrgReport } from '../metrics/report.ts';

/** How many codes a digest names. */
export const DIGEST_TOP_CODES = 3;

export interface DigestErrors {
  known: boolean;
  /** One sentence: how many failed and what follows, or that it is not known. */
  text: string;
  /** The most frequent codes: "131049: 12 (Marketing limit for this person)". */
  items: string[];
}

/** `what`: "day" or "month". */
export function digestErrors(report: OrgReport, from: string, to: string, what: string): DigestErrors {
  const during = what === 'day' ? 'on this day' : `in this ${what}`;
  const codes = periodErrorCodes(report, from, to);
  if (codes === null) return { known: false, text: `Why messages failed is not known for this ${what}.`, items: [] };
  const { top, rest, total } = topErrorCodes(codes, DIGEST_TOP_CODES);
  if (total === 0) return { known: true, text: `No message failed ${during}.`, items: [] };
  const items = top.map((c) => {
    const m = errorCodeMeaning(c.code);
    return `${errorCodeLabel(c.code)}: ${formatCount(c.count)}${m ? ` (${m.short})` : ''}`;
  });
  if (rest) items.push(`other codes: ${formatCount(rest.count)}`);
  return {
    known: true,
    text: `${formatCount(total)} ${total === 1 ? 'message' : 'messages'} failed ${during}; most frequent error codes:`,
    items,
  };
}
