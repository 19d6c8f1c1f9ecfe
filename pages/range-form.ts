// The date-range form of an org's pages: two date inputs and a button, no script (the pages'
// CSP forbids scripts), sending GET range?from=…&to=… to `serve`. Shown only on pages `serve`
// answers: a static site has nothing behind that address, so a published page carries it hidden
// and `serve` unhides it as it sends the file.
import type { RangeForm } from './model.ts';
import type { ReportIndex } from './report-index.ts';
import { relativeHref, sitePaths } from './links.ts';
import { formatDate } from '../lib/words.ts';

/** What `serve` removes from a published page to show its form (templates/site/range-form.hbs writes it). */
export const SERVED_ONLY_MARK = ' hidden data-served-only';

/** The form on the page at `path`, prefilled with the period shown as far as days are computed. */
export function rangeForm(index: ReportIndex, sc: string, zone: string, path: string, from: string, to: string, served: boolean): RangeForm | null {
  const first = index.days[0]?.date;
  const last = index.days[index.days.length - 1]?.date;
  if (!first || !last) return null;
  const clamp = (d: string) => (d < first ? first : d > last ? last : d);
  // A published page must not change when a day is added (the site re-renders only pages whose
  // inputs changed): its hidden form names no bounds; serve checks them when the form is sent.
  return {
    action: relativeHref(path, sitePaths.servedRange(sc)),
    from: served ? clamp(from) : from,
    to: served ? clamp(to) : to,
    min: served ? first : null,
    max: served ? last : null,
    hint: served ? `Any days from ${formatDate(first)} to ${formatDate(last)}, both included, as days in ${zone}.` : `Any days the reports hold, both included, as days in ${zone}.`,
    servedOnly: !served,
  };
}
