// Handlebars rendering of page models. Every value from the Glific database goes through
// Handlebars' escaping ({{ }} only; no triple-stash in any template). The only unescaped
// insertions are our own CSS and chart SVGs that renderSvg produced and checked (SafeString).
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Handlebars from 'handlebars';
import { DEFINITION_VERSION } from '../metrics/registry.ts';
import type { RenderOptions } from '../charts/render.ts';
import type { Chart } from '../charts/types.ts';
import type { ChartBlock, PageModel } from './model.ts';
import type { Shown } from '../lib/words.ts';

function templatesDir(): string {
  // Source tree (pages/ next to templates/) or the built tree (dist/pages/).
  for (const rel of ['../templates/site/', '../../templates/site/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(dir)) return dir;
  }
  throw new Error('templates/site not found');
}

interface Engine {
  hb: typeof Handlebars;
  pages: Record<PageModel['template'], Handlebars.TemplateDelegate>;
  layout: Handlebars.TemplateDelegate;
  css: string;
  version: string;
}

let engine: Engine | undefined;

function load(): Engine {
  if (engine) return engine;
  const dir = templatesDir();
  const hb = Handlebars.create();
  hb.registerHelper('eq', (a: unknown, b: unknown) => a === b);
  const files = readdirSync(dir).sort();
  const hash = createHash('sha256');
  const read = (f: string) => readFileSync(dir + f, 'utf8');
  for (const f of files) hash.update(f).update(read(f));
  for (const f of files.filter((f) => f.endsWith('.hbs'))) hb.registerPartial(f.slice(0, -4), read(f).replace(/\n$/, ''));
  const compile = (f: string) => hb.compile(read(f), { strict: false, noEscape: false });
  registerDataRows(hb, hb.compile(read('shown.hbs').replace(/\n$/, ''), { strict: false, noEscape: false }));
  // Code that shapes pages and charts is part of a page's inputs too.
  for (const folder of ['../charts/', '../pages/']) {
    const d = fileURLToPath(new URL(folder, import.meta.url));
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) if (/\.(ts|js)$/.test(f)) hash.update(f).update(readFileSync(d + f));
  }
  engine = {
    hb,
    pages: { period: compile('period.hbs'), 'org-index': compile('org-index.hbs'), 'site-index': compile('site-index.hbs') },
    layout: compile('layout.hbs'),
    css: read('site.css').replace(/<\/style/gi, ''),
    version: hash.digest('hex').slice(0, 16),
  };
  return engine;
}

/**
 * `{{dataRows rows}}`: a chart's data table body, one `<tr>` a line, the first cell of a row its
 * header, each cell as the `shown` partial writes it. Written here rather than with `each` and the
 * partial per cell because a year's page has some 20,000 cells: Handlebars' frames and partial
 * calls for them were most of a served page's garbage (~30 of its 45 MB) and a tenth of its time.
 * Text goes through Handlebars' own escaping, as `{{text}}` would; an unknown cell is the partial's
 * output, made once.
 */
function registerDataRows(hb: typeof Handlebars, shown: Handlebars.TemplateDelegate<Shown>): void {
  const unknown = shown({ text: '', unknown: true });
  const html = (c: Shown) => (c.unknown ? unknown : hb.escapeExpression(c.text));
  hb.registerHelper('dataRows', (rows: Shown[][]) => {
    let out = '';
    for (const r of rows) {
      out += '<tr>';
      for (let i = 0; i < r.length; i++) out += i === 0 ? `<th scope="row">${html(r[0])}</th>` : `<td>${html(r[i])}</td>`;
      out += '</tr>\n';
    }
    return new hb.SafeString(out);
  });
}

/** Changes whenever a template, the CSS or the page/chart code changes: part of every page hash. */
export function templateVersion(): string {
  return load().version;
}

/** Element ids inside an SVG (clip paths, gradients) made unique per chart on a page. */
function scopeIds(svg: string, prefix: string): string {
  const ids = new Set<string>();
  svg.replace(/\sid="([^"]+)"/g, (_, id: string) => (ids.add(id), ''));
  if (!ids.size) return svg;
  let out = svg;
  for (const id of ids) {
    const esc = id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    out = out.replace(new RegExp(`(\\sid=")${esc}"`, 'g'), `$1${prefix}-${id}"`).replace(new RegExp(`url\\(#${esc}\\)`, 'g'), `url(#${prefix}-${id})`);
  }
  return out;
}

/**
 * Draws one chart of a page as renderSvg does; `slot` is its place on the page. Given, the page's
 * charts are asked for all at once (serve draws them in worker threads); otherwise one after another.
 */
export type ChartDrawer = (chart: Chart, opts: RenderOptions, slot: number) => Promise<string>;

const CHART_OPTIONS: RenderOptions = { adaptive: true, withTitle: false };

type Drawn = ChartBlock & { svg: Handlebars.SafeString };

/**
 * The blocks with their SVGs. With a drawer (worker threads) the SVGs are placeholders, drawn
 * meanwhile, and `fill` puts them in once the page's HTML is made: the HTML is made while the
 * charts are drawn instead of after. A placeholder is an HTML comment, which no escaped value can
 * spell (Handlebars writes `<` as `&lt;`).
 */
function withSvgs(blocks: ChartBlock[], draw: ChartDrawer | undefined, pending: Array<Promise<string>>): Promise<Drawn[]> | Drawn[] {
  if (draw) {
    return blocks.map((b) => {
      const n = pending.push(draw(b.chart, CHART_OPTIONS, pending.length).then((svg) => scopeIds(svg, b.domId))) - 1;
      return { ...b, svg: new Handlebars.SafeString(`<!--chart-${n}-->`) };
    });
  }
  return (async () => {
    const out: Drawn[] = [];
    // Vega is loaded where charts are drawn: serve's own thread only draws when a chart thread died.
    const { renderSvg } = await import('../charts/render.ts');
    for (const b of blocks) out.push({ ...b, svg: new Handlebars.SafeString(scopeIds(await renderSvg(b.chart, CHART_OPTIONS), b.domId)) });
    return out;
  })();
}

/**
 * Starts drawing a period page's chart blocks now, before the rest of the page is made (serve
 * does so while it counts the range's distinct contacts); renderPage, given the drawer this
 * returns, takes those drawings instead of asking again.
 */
export function drawAhead(blocks: ChartBlock[], draw: ChartDrawer): ChartDrawer {
  const early = blocks.map((b, slot) => draw(b.chart, CHART_OPTIONS, slot));
  // A page abandoned before it is rendered (its store read failed) leaves nothing unhandled.
  for (const e of early) e.catch(() => {});
  return (chart, opts, slot) => (blocks[slot]?.chart === chart && opts === CHART_OPTIONS ? early[slot] : draw(chart, opts, slot));
}

/** Where the layout holds the page's body: a comment no escaped value can spell. */
const BODY_MARK = '<!--page-body-->';

/**
 * The page's HTML as the pieces it is made of, in order: the layout around the body, the body
 * between its charts, and the charts. A year's page is 0.7 MB: each whole copy of it is a large
 * string that goes straight to the old generation, so serve joins the pieces into bytes once.
 */
async function renderPieces(page: PageModel, draw?: ChartDrawer): Promise<string[]> {
  const e = load();
  const pending: Array<Promise<string>> = [];
  let view: unknown = page;
  if (page.template === 'period') view = { ...page, charts: await withSvgs(page.charts, draw, pending) };
  else if (page.template === 'org-index') {
    view = {
      ...page,
      charts30: { ...page.charts30, charts: await withSvgs(page.charts30.charts, draw, pending) },
      charts90: { ...page.charts90, charts: await withSvgs(page.charts90.charts, draw, pending) },
    };
  }
  // A chart that fails fails the page, as drawing in this thread would; none is left unawaited.
  const svgs = Promise.all(pending);
  svgs.catch(() => {});
  const body = e.pages[page.template]({ page: view });
  const [head, tail, ...more] = e
    .layout({ page, body: new e.hb.SafeString(BODY_MARK), css: new e.hb.SafeString(e.css), definitionVersion: DEFINITION_VERSION })
    .split(BODY_MARK);
  if (tail === undefined || more.length) throw new Error('layout.hbs must show {{body}} exactly once');
  if (!pending.length) return [head, body, tail];
  const drawn = await svgs;
  // split with a group: the chart numbers are every other piece.
  return [head, ...body.split(/<!--chart-(\d+)-->/).map((piece, i) => (i % 2 ? drawn[Number(piece)] : piece)), tail];
}

export async function renderPage(page: PageModel, draw?: ChartDrawer): Promise<string> {
  return (await renderPieces(page, draw)).join('');
}

/** The page as UTF-8 bytes, made without a whole copy of it as a string (see renderPieces). */
export async function renderPageBytes(page: PageModel, draw?: ChartDrawer): Promise<Buffer> {
  const pieces = await renderPieces(page, draw);
  let length = 0;
  for (const p of pieces) length += Buffer.byteLength(p);
  const out = Buffer.allocUnsafe(length);
  let at = 0;
  for (const p of pieces) at += out.write(p, at);
  return out;
}
