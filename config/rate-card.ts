// The operator's rate card (REPORTS_RATE_CARD): what WhatsApp charges per delivered message of a
// category, from a date on, in one currency. Money is never a metric (METRICS.md §3a): it is this
// card applied to the counts, shown only when the operator provides one.
//
// The file is CSV with a header line, one price per line, e.g.
//
//   category,currency,price,from
//   marketing,INR,0.8631,2025-07-01
//   utility,INR,0.115,2025-07-01
//   authentication,INR,0.115,2025-07-01
//   service,INR,0.02,2026-10-01
//
// A price holds from its date until the next line of the same category. Prices are decimal
// strings, kept as integer millionths so sums are exact.
import fs from 'node:fs';
import { isValidDay } from '../lib/calendar.ts';
import { UsageError } from './errors.ts';

export const RATE_CATEGORIES = ['marketing', 'utility', 'authentication', 'service'] as const;
export type RateCategory = (typeof RATE_CATEGORIES)[number];

/** One price: millionths of the currency unit per message, from a local date on. */
export interface Price {
  from: string;
  micros: number;
}

export interface RateCard {
  /** As the operator named it, for notes. */
  file: string;
  /** ISO 4217 code, e.g. INR, USD. */
  currency: string;
  /** Per category, by start date ascending. */
  prices: Record<RateCategory, Price[]>;
}

const HEADER = ['category', 'currency', 'price', 'from'];
const PRICE = /^(\d{1,9})(?:\.(\d{1,6}))?$/;

/** Parse a rate card's text; a UsageError names the file, the line and what to fix. */
export function parseRateCard(text: string, file: string): RateCard {
  const fail = (line: number, why: string): never => {
    throw new UsageError(`REPORTS_RATE_CARD ${file} line ${line}: ${why}`);
  };
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = lines[0]?.split(',').map((c) => c.trim().toLowerCase());
  if (!header || header.join(',') !== HEADER.join(',')) fail(1, `the first line must be the header "${HEADER.join(',')}"`);
  const prices = Object.fromEntries(RATE_CATEGORIES.map((c) => [c, [] as Price[]])) as Record<RateCategory, Price[]>;
  let currency: string | null = null;
  for (let i = 1; i < lines.length; i++) {
    const n = i + 1;
    const raw = lines[i].trim();
    if (raw === '' || raw.startsWith('#')) continue;
    const cells = raw.split(',').map((c) => c.trim());
    if (cells.length !== 4) fail(n, `expected 4 comma-separated fields (${HEADER.join(',')}), found ${cells.length}`);
    const [category, cur, price, from] = cells;
    if (!(RATE_CATEGORIES as readonly string[]).includes(category.toLowerCase())) fail(n, `unknown category "${category}" (one of ${RATE_CATEGORIES.join(', ')})`);
    if (!/^[A-Z]{3}$/.test(cur)) fail(n, `currency "${cur}" is not a three-letter ISO 4217 code such as INR or USD`);
    if (currency !== null && cur !== currency) fail(n, `currency ${cur} differs from ${currency} on an earlier line: one rate card has one currency`);
    currency = cur;
    const m = PRICE.exec(price);
    if (!m) fail(n, `price "${price}" must be a decimal number such as 0.8631 (at most 6 decimals, no currency sign)`);
    if (!isValidDay(from)) fail(n, `"${from}" is not a date (YYYY-MM-DD)`);
    const list = prices[category.toLowerCase() as RateCategory];
    if (list.some((p) => p.from === from)) fail(n, `${category} has two prices from ${from}`);
    list.push({ from, micros: Number(m![1]) * 1_000_000 + Number((m![2] ?? '').padEnd(6, '0')) });
  }
  if (currency === null) fail(lines.length, 'the rate card has no price');
  for (const c of RATE_CATEGORIES) prices[c].sort((a, b) => a.from.localeCompare(b.from));
  return { file, currency: currency!, prices };
}

export function readRateCard(file: string): RateCard {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new UsageError(`REPORTS_RATE_CARD ${file} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}): set it to a readable rate card file, or unset it`);
  }
  return parseRateCard(text, file);
}

/** The price of a category in force on a local date; undefined when the card has none yet. */
export function priceOn(card: RateCard, category: RateCategory, date: string): number | undefined {
  let found: number | undefined;
  for (const p of card.prices[category]) if (p.from <= date) found = p.micros;
  return found;
}
