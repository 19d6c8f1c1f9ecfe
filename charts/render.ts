// Headless rendering: Vega-Lite -> Vega -> SVG string, no browser, no canvas.
// Compiling and parsing cost ~10 ms per chart while drawing costs ~5 ms, so a compiled runtime is
// cached per chart *shape* (the spec without its data values and param values) and each chart
// only feeds its own data and params in.
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { Chart, VegaLiteSpec } from './types.ts';
import { themeConfig, type ColourMode } from './palette.ts';

export interface RenderOptions {
  width?: number;
  height?: number;
  /** Dark background and light ink (for a dark PNG or a dark <picture> source). */
  dark?: boolean;
  /**
   * Ink in currentColor on a transparent background: for SVG inlined into an HTML page whose CSS
   * sets the colour for light and dark mode. Wins over `dark`.
   */
  adaptive?: boolean;
  /** Draw the title inside the SVG (default true; pages show it as HTML instead). */
  withTitle?: boolean;
}

type Json = Record<string, unknown>;

interface Prepared {
  key: string;
  shape: Json;
  values: unknown[] | null;
  params: Array<{ name: string; value: unknown }>;
}

const runtimes = new Map<string, vega.Runtime>();
const MAX_RUNTIMES = 500;

function prepare(chart: Chart, opts: RenderOptions): Prepared {
  // Only the spec's top level is copied: its data values (most of a long range's chart) are fed to
  // the view, not cloned or hashed, and a nested part is cloned only when a shape is compiled.
  const spec = { ...(chart.spec as unknown as Json) };
  const mode: ColourMode = opts.adaptive ? 'adaptive' : opts.dark ? 'dark' : 'light';
  spec.config = { ...themeConfig(mode), ...((spec.config as Json) ?? {}) };
  if (opts.width !== undefined) spec.width = opts.width;
  if (opts.height !== undefined) spec.height = opts.height;
  if (opts.withTitle === false) delete spec.title;
  // The description becomes the SVG's aria-label; it is added after drawing so it does not
  // split the cache.
  delete spec.description;

  let values: unknown[] | null = null;
  const data = spec.data as Json | undefined;
  if (data && Array.isArray(data.values)) {
    values = data.values;
    spec.data = { name: 'chart_values' };
  }
  const params: Array<{ name: string; value: unknown }> = [];
  if (Array.isArray(spec.params)) {
    spec.params = (spec.params as Json[]).map((p) => {
      if ('value' in p && !('select' in p)) {
        params.push({ name: String(p.name), value: p.value });
        return { ...p, value: null };
      }
      return p;
    });
  }
  return { key: JSON.stringify(spec), shape: spec, values, params };
}

function runtimeFor(p: Prepared): vega.Runtime {
  let rt = runtimes.get(p.key);
  if (!rt) {
    // Vega-Lite logs warnings to the console; route them nowhere (specs are ours and tested).
    const compiled = compile(structuredClone(p.shape) as unknown as VegaLiteSpec, { logger: silentLogger }).spec;
    rt = vega.parse(compiled);
    if (runtimes.size >= MAX_RUNTIMES) runtimes.delete(runtimes.keys().next().value as string);
    runtimes.set(p.key, rt);
  }
  return rt;
}

const silentLogger = {
  level(): never { return this as never; },
  error(...a: unknown[]) { throw new Error(a.map(String).join(' ')); },
  warn() { return this; },
  info() { return this; },
  debug() { return this; },
} as unknown as Parameters<typeof compile>[1] extends infer O ? O extends { logger?: infer L } ? L : never : never;

/** Renders a chart to a standalone SVG document string. */
export async function renderSvg(chart: Chart, opts: RenderOptions = {}): Promise<string> {
  const p = prepare(chart, opts);
  const view = new vega.View(runtimeFor(p), { renderer: 'none' });
  try {
    view.logLevel(vega.Error);
    // Vega marks the objects it is given: each row is copied (one level: rows are flat).
    if (p.values) view.data('chart_values', p.values.map((v) => ({ ...(v as Json) })));
    for (const { name, value } of p.params) view.signal(name, value);
    let svg = await view.toSVG();
    svg = labelSvg(trimPrecision(svg), chart);
    assertInert(svg);
    return svg;
  } finally {
    view.finalize();
  }
}

/**
 * Coordinates to 2 decimals (a tenth of a pixel is invisible), in attribute values only. Vega
 * writes no space between tags, so text is what lies between a `>` and the next `<`; when no text
 * holds such a number (a label never does unless its words do) one native replace over the whole
 * SVG is the same as trimming attribute by attribute, without a callback for each of the tens of
 * thousands of attributes of a long range's charts.
 */
function trimPrecision(svg: string): string {
  if (!/>[^<]*\d\.\d{3}/.test(svg)) return svg.replace(LONG_DECIMAL, '$1');
  let out = '';
  let at = 0;
  for (;;) {
    const open = svg.indexOf('="', at);
    if (open < 0) break;
    const close = svg.indexOf('"', open + 2);
    if (close < 0) break;
    const value = svg.slice(open + 2, close);
    out += svg.slice(at, open + 2) + (/\d\.\d{3}/.test(value) ? value.replace(LONG_DECIMAL, '$1') : value) + '"';
    at = close + 1;
  }
  return out + svg.slice(at);
}

const LONG_DECIMAL = /(\d\.\d{2})\d+/g;

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Gives the root element an accessible name and a <title>, both escaped here. */
function labelSvg(svg: string, chart: Chart): string {
  const label = `${chart.title}. ${chart.description}`;
  // The whole picture is one image to assistive technology (its name says the key numbers, the
  // page carries the table); vega's inner group roles would be unnamed graphics otherwise.
  svg = svg.replace(/\s(?:role="graphics-[a-z]+"|aria-roledescription="[^"]*")/g, '');
  return svg.replace(/^<svg\b/, `<svg role="img" aria-label="${escapeXml(label)}"`)
    .replace(/^(<svg\b[^>]*>)/, `$1<title>${escapeXml(chart.title)}</title>`);
}

/**
 * Vega XML-escapes every text it draws; this is the belt to those braces before an SVG is
 * inlined into a page: no script, no event handler, no link, no foreign content.
 */
export function assertInert(svg: string): void {
  if (/<script|<foreignObject|<iframe|<a[\s>]|\son[a-z]+\s*=|javascript:|href\s*=|<!\[CDATA\[|<!ENTITY|<!DOCTYPE/i.test(svg)) {
    throw new Error('rendered SVG holds active content; refusing to use it');
  }
}
