// Okabe–Ito colours (safe for the common colour-vision deficiencies), without black so every
// series stays visible on both the light and the dark page background. Series are also told
// apart by dash pattern or position, never by colour alone.
export const OKABE_ITO = {
  blue: '#0072B2',
  orange: '#E69F00',
  green: '#009E73',
  vermillion: '#D55E00',
  purple: '#CC79A7',
  sky: '#56B4E9',
  yellow: '#F0E442',
} as const;

export const DASHES: number[][] = [[1, 0], [6, 3], [2, 2], [8, 3, 2, 3]];

/** Sequential scheme for the heat map: perceptually uniform and colour-blind safe. */
export const SEQUENTIAL_SCHEME = 'viridis';

export type ColourMode = 'light' | 'dark' | 'adaptive';

/**
 * Vega-Lite config for each mode. 'adaptive' draws text, axes and grid in currentColor on a
 * transparent background, so an SVG inlined in a page follows the page's light/dark colours.
 */
export function themeConfig(mode: ColourMode): Record<string, unknown> {
  const ink = mode === 'adaptive' ? 'currentColor' : mode === 'dark' ? '#e8e8e8' : '#1f1f1f';
  const background = mode === 'adaptive' ? 'transparent' : mode === 'dark' ? '#121212' : '#ffffff';
  return {
    background,
    font: 'DejaVu Sans, Verdana, Arial, sans-serif',
    padding: 6,
    // Per-mark ARIA labels would double the SVG's size; the root gets one label (the chart's
    // description) and the page carries the data table.
    aria: false,
    view: { stroke: null },
    axis: {
      labelColor: ink, titleColor: ink, domainColor: ink, tickColor: ink, gridColor: ink,
      gridOpacity: 0.18, domainOpacity: 0.7, tickOpacity: 0.7,
      labelFontSize: 12, titleFontSize: 12, titleFontWeight: 'normal',
    },
    legend: { labelColor: ink, titleColor: ink, labelFontSize: 12, titleFontSize: 12, orient: 'top', symbolStrokeWidth: 2.5, labelLimit: 260 },
    title: { color: ink, subtitleColor: ink, fontSize: 14, anchor: 'start' },
    text: { color: ink, fontSize: 12 },
  };
}
