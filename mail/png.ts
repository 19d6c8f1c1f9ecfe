// SVG -> PNG for email: mail clients do not show SVG, so charts travel as 2x PNGs. resvg draws
// no text at all without a font, so a TTF that ships as an npm dependency is always loaded.
import { Resvg } from '@resvg/resvg-js';
import { createRequire } from 'node:module';
import path from 'node:path';

let fontPath: string | undefined;

/** DejaVu Sans from the dejavu-fonts-ttf package: no system fonts are relied on. */
export function chartFontFile(): string {
  if (!fontPath) {
    const req = createRequire(import.meta.url);
    fontPath = path.join(path.dirname(req.resolve('dejavu-fonts-ttf/package.json')), 'ttf', 'DejaVuSans.ttf');
  }
  return fontPath;
}

export interface PngOptions {
  /** Pixel ratio; 2 keeps text sharp on phones and retina screens. */
  scale?: number;
  /** false only to prove, in a test, that the font matters. */
  withFont?: boolean;
}

function rasterize(svg: string, opts: PngOptions) {
  const withFont = opts.withFont ?? true;
  return new Resvg(svg, {
    fitTo: { mode: 'zoom', value: opts.scale ?? 2 },
    background: 'white',
    font: withFont
      ? { fontFiles: [chartFontFile()], loadSystemFonts: false, defaultFontFamily: 'DejaVu Sans' }
      : { loadSystemFonts: false },
  }).render();
}

export function svgToPng(svg: string, opts: PngOptions = {}): { png: Buffer; width: number; height: number } {
  const image = rasterize(svg, opts);
  return { png: Buffer.from(image.asPng()), width: image.width, height: image.height };
}

/** Raw RGBA pixels of the same rendering, for checking what was drawn. */
export function svgToPixels(svg: string, opts: PngOptions = {}): { pixels: Buffer; width: number; height: number } {
  const image = rasterize(svg, opts);
  return { pixels: Buffer.from(image.pixels), width: image.width, height: image.height };
}
