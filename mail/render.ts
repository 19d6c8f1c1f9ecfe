// A digest rendered for mail clients: HTML (table layout, CSS inlined by juice, dark-mode and
// phone styles kept as media queries), a text part with the same numbers, and the charts as
// 2x PNGs referenced by cid. Everything from the report is escaped by Handlebars: templates
// never use triple-stash.
import Handlebars from 'handlebars';
import juice from 'juice';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { OrgReport } from '../metrics/report.ts';
import { buildDigest, type DigestKind, type DigestModel } from './digest-model.ts';
import { chartAltText, chartSvg, CHART_WIDTH, digestCharts, type Chart } from './charts.ts';
import { svgToPng } from './png.ts';

export interface DigestImage {
  cid: string;
  filename: string;
  png: Buffer;
  alt: string;
  title: string;
  description: string;
  /** CSS pixels (the PNG has twice as many). */
  width: number;
  height: number;
}

export interface RenderedDigest {
  model: DigestModel;
  subject: string;
  html: string;
  text: string;
  images: DigestImage[];
  /** Where a reader unsubscribes: mailto: the sender with a subject naming org and kind. */
  unsubscribeMailto: string;
}

export interface RenderOptions {
  siteUrl: string;
  from: string;
  /** Charts to draw instead of the built-in ones (e.g. the site's charts). */
  charts?: Chart[];
  /** SVG renderer for a chart; defaults to vega headless. */
  renderSvg?: (chart: Chart) => Promise<string>;
  /** The digest is sent late; it was due at this instant (ISO). */
  lateSince?: string;
}

function templateDir(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From sources (mail/) and from the compiled build (dist/mail/) alike.
  for (const dir of [path.join(here, '..', 'templates', 'mail'), path.join(here, '..', '..', 'templates', 'mail')]) {
    if (existsSync(path.join(dir, 'digest.html.hbs'))) return dir;
  }
  throw new Error(`mail templates not found near ${here}`);
}

const hbs = Handlebars.create();
let compiled: { html: Handlebars.TemplateDelegate; text: Handlebars.TemplateDelegate } | undefined;

function templates() {
  if (!compiled) {
    const dir = templateDir();
    compiled = {
      html: hbs.compile(readFileSync(path.join(dir, 'digest.html.hbs'), 'utf8'), { strict: true }),
      // text/plain is not HTML: escaping would show "&amp;" to the reader. Nothing in it is
      // interpreted by a client, so the values go in as they are.
      text: hbs.compile(readFileSync(path.join(dir, 'digest.txt.hbs'), 'utf8'), { strict: true, noEscape: true }),
    };
  }
  return compiled;
}

/** The bare address of a From value like `"Reports" <reports@example.org>`. */
export function bareAddress(from: string): string {
  const m = /<([^<>]+)>\s*$/.exec(from);
  return (m ? m[1] : from).trim();
}

/** A token safe inside a Content-ID, a List-Id or a file name. */
export function safeToken(s: string): string {
  return s.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'x';
}

export function unsubscribeMailto(from: string, shortcode: string, kind: DigestKind): string {
  return `mailto:${bareAddress(from)}?subject=${encodeURIComponent(`Unsubscribe ${shortcode} ${kind} report`)}`;
}

export async function renderDigest(report: OrgReport, kind: DigestKind, period: string, opts: RenderOptions): Promise<RenderedDigest> {
  const model = buildDigest(report, kind, period, opts.siteUrl, { lateSince: opts.lateSince });
  const charts = opts.charts ?? digestCharts(report, kind, period);
  const toSvg = opts.renderSvg ?? chartSvg;
  const tag = `${safeToken(report.org.shortcode)}.${kind}.${safeToken(period)}`;

  const images: DigestImage[] = [];
  for (const [i, chart] of charts.entries()) {
    const { png, width, height } = svgToPng(await toSvg(chart), { scale: 2 });
    const cssWidth = Math.min(CHART_WIDTH, Math.round(width / 2));
    images.push({
      cid: `chart${i + 1}-${safeToken(chart.id)}.${tag}@glific-reports`,
      filename: `${safeToken(chart.id)}.png`,
      png,
      alt: chartAltText(chart),
      title: chart.title,
      description: chart.description,
      width: cssWidth,
      height: Math.round((height * cssWidth) / width),
    });
  }

  const unsubscribe = unsubscribeMailto(opts.from, report.org.shortcode, kind);
  const short = (p: string) => p;
  const context = {
    ...model,
    title: kind === 'daily' ? 'Daily report' : 'Monthly report',
    kindWord: kind,
    periodShort: short(model.period),
    previousPeriodShort: short(model.previousPeriod),
    // Two tiles a row, however many headlines pages/headlines.ts gives the digest.
    tileRows: model.tiles.flatMap((_, i) => (i % 2 === 0 ? [model.tiles.slice(i, i + 2)] : [])),
    images: images.map(({ cid, alt, width, height, description, title }) => ({ cid, alt, width, height, description, title })),
    unsubscribeUrl: unsubscribe,
    rule: '='.repeat(60),
  };
  const { html: htmlTemplate, text: textTemplate } = templates();
  const html = juice(htmlTemplate(context), {
    preserveMediaQueries: true,
    preserveImportant: true,
    removeStyleTags: true,
    applyWidthAttributes: true,
    applyHeightAttributes: false,
  });
  const text = textTemplate(context).replace(/\n{3,}/g, '\n\n');
  return { model, subject: model.subject, html, text, images, unsubscribeMailto: unsubscribe };
}
