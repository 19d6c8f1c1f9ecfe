// Paths and relative links between pages, and the checks that keep untrusted identifiers
// (shortcodes, dates, bookmark URLs) from escaping the site directory or carrying scripts.
import { DATE_RE, MONTH_RE } from '../lib/calendar.ts';

/** Shortcodes become directory names: letters, digits, '_' and '-' only. */
export function isSafeShortcode(s: string): boolean {
  return /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(s);
}

export function isDate(s: string): boolean {
  return DATE_RE.test(s);
}

export function isMonth(s: string): boolean {
  return MONTH_RE.test(s);
}

export function isRangeKey(s: string): boolean {
  const [a, b, ...rest] = s.split('_');
  return rest.length === 0 && b !== undefined && DATE_RE.test(a) && DATE_RE.test(b) && a <= b;
}

export const sitePaths = {
  siteIndex: 'index.html',
  orgIndex: (sc: string) => `${sc}/index.html`,
  daily: (sc: string, date: string) => `${sc}/daily/${date}.html`,
  monthly: (sc: string, month: string) => `${sc}/monthly/${month}.html`,
  range: (sc: string, key: string) => `${sc}/range/${key}.html`,
  recent: (sc: string, name: string) => `${sc}/recent/${name}.html`,
  /** What `serve` answers with a range page of any dates: `<sc>/range?from=…&to=…`. */
  servedRange: (sc: string) => `${sc}/range`,
  data: (sc: string, file: string) => `${sc}/data/${file}`,
};

/** Relative href from one site path to another (both relative to the site root, '/' separated). */
export function relativeHref(fromPath: string, toPath: string): string {
  const from = fromPath.split('/').slice(0, -1);
  const to = toPath.split('/');
  let i = 0;
  while (i < from.length && i < to.length - 1 && from[i] === to[i]) i++;
  return [...from.slice(i).map(() => '..'), ...to.slice(i)].join('/');
}

/** A link to the page `serve` makes for any range, from a page at `fromPath`. */
export function servedRangeHref(fromPath: string, sc: string, from: string, to: string): string {
  return `${relativeHref(fromPath, sitePaths.servedRange(sc))}?from=${from}&to=${to}`;
}

export interface SafeBookmark {
  name: string;
  href: string;
}

/** Only absolute http(s) URLs survive; everything else is reported and dropped. */
export function safeBookmarks(bookmarks: Record<string, unknown> | null | undefined): { kept: SafeBookmark[]; dropped: Array<{ name: string; reason: string }> } {
  const kept: SafeBookmark[] = [];
  const dropped: Array<{ name: string; reason: string }> = [];
  if (!bookmarks || typeof bookmarks !== 'object') return { kept, dropped };
  for (const [name, raw] of Object.entries(bookmarks)) {
    if (typeof raw !== 'string') {
      dropped.push({ name, reason: 'not a string' });
      continue;
    }
    let url: URL;
    try {
      url = new URL(raw.trim());
    } catch {
      dropped.push({ name, reason: 'not an absolute URL' });
      continue;
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      dropped.push({ name, reason: `scheme ${url.protocol} not allowed` });
      continue;
    }
    kept.push({ name, href: url.href });
  }
  kept.sort((a, b) => a.name.localeCompare(b.name));
  return { kept, dropped };
}
