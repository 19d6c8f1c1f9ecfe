// The date-range form of an org's pages: two date inputs and a button, no script (the pages'
// CSP forbids scripts), sending GET range?from=…&to=… to `serve`. Shown only on pages `serve`
// answers: a static site has nothing behind that address.
import type { RangeForm } from './model.ts';
import type { ReportIndex } from './report-index.ts';
import { relativeHref, sitePaths } from './links.ts';
import { formatDate } from '../lib/words.ts';

/** The form on the page at `path`, prefilled with the period shown as far as days are computed. */
export function rangeForm(index: ReportIndex, sc: string, zone: string, path: string, from: string, to: string): RangeForm | null {
  const first = index.days[0]?.date;
  const last = index.days[index.days.length - 1]?.date;
  if (!first || !last) return null;
  const clamp = (d: string) => (d < first ? first : d > last ? last : d);
  return {
    action: relativeHref(path, sitePaths.servedRange(sc)),
    from: clamp(from),
    to: clamp(to),
    min: first,
    max: last,
    hint: `Any days from ${formatDate(first)} to ${formatDate(last)}, both included, as days in ${zone}.`,
  };
}
