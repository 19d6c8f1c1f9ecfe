// The charts module's public face: specs from report rows, and headless SVG rendering. Used by the
// report site (pages/) and the email digests (mail/).
export type { Chart, ChartPeriod, ChartTable, Cell, PeriodKind, VegaLiteSpec } from './types.ts';
export { chartsForPeriod, DAY_CONTEXT_DAYS } from './catalog.ts';
export { renderSvg, assertInert, type RenderOptions } from './render.ts';
export { OKABE_ITO, themeConfig, type ColourMode } from './palette.ts';
