// The charts of a digest: a few of the site's charts (charts/), drawn as SVG for the PNG step.
// Each chart carries its numbers as a table, which becomes the image's alt text.
import type { OrgReport } from '../metrics/report.ts';
import { chartsForPeriod, renderSvg, type Chart } from '../charts/index.ts';
import type { DigestKind } from './digest-model.ts';
import { firstOfMonth, lastOfMonth } from '../lib/calendar.ts';

export type { Chart };

/** The widest a chart is shown in the 600 px message (20 px margins). */
export const CHART_WIDTH = 560;
/** Plot width handed to the renderer; axes and legend take the rest of CHART_WIDTH. */
const PLOT_WIDTH = 470;

/** In this order; a digest shows those the catalog has, 3–5 of them. */
const PICKS: Record<DigestKind, string[]> = {
  daily: ['active-hour', 'messages-daily', 'contacts-daily', 'opt-status'],
  monthly: ['templates-delivered-daily', 'messages-daily', 'contacts-daily', 'active-hour', 'opt-status'],
};

export function digestChartPeriod(kind: DigestKind, period: string): { kind: 'day' | 'month'; from: string; to: string } {
  if (kind === 'daily') return { kind: 'day', from: period, to: period };
  return { kind: 'month', from: firstOfMonth(period), to: lastOfMonth(period) };
}

export function digestCharts(report: OrgReport, kind: DigestKind, period: string): Chart[] {
  const all = chartsForPeriod(report, digestChartPeriod(kind, period));
  const byId = new Map(all.map((c) => [c.id, c]));
  const known = (c: Chart) => c.table.rows.some((r) => r.slice(1).some((v) => v !== null));
  const picked = PICKS[kind].map((id) => byId.get(id)).filter((c): c is Chart => c !== undefined);
  // A chart with nothing known draws an empty frame: leave it out while three others remain.
  const shown = picked.filter(known);
  if (shown.length >= 3) return shown;
  // Should the catalog rename its charts, still send some rather than none.
  return picked.length >= 3 ? picked : all.slice(0, 4);
}

/**
 * Alt text: the catalog's description is one sentence stating the chart's key numbers, which is
 * what a reader who cannot see the image (or whose client blocks images) needs.
 */
export function chartAltText(chart: Chart): string {
  return `${chart.title}. ${chart.description}`;
}

/** Light-mode SVG for the PNG: mail clients do not reliably switch images for dark mode. */
export async function chartSvg(chart: Chart): Promise<string> {
  return renderSvg(chart, { width: PLOT_WIDTH });
}
