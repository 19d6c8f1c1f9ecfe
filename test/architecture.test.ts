// The shape of the code, from its parsed imports (test/support/import-graph.ts). The layers,
// earliest first (the README's Layout section says the same, and a test below keeps them equal):
//
//   lib, config, db → extract → metrics → store → charts → pages, mail → publish → serve → jobs → cli
//
// A production module imports from its own layer or an earlier one; no modules form a circle;
// demo/, test/ and bench/ may import anything and production imports none of them, except the
// `demo` command's lazy import of demo/run.ts (cli/demo.ts), by a dynamic import() of a constant
// that the compiler does not follow, so the production build leaves demo/ out.
import { describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { circles, importGraph, importsOf, isProduction, LAYERS, LAZY_OPTIONAL, layerOrderText, OUTSIDE, ROOT, upwardArrows, type ImportGraph } from './support/import-graph.ts';
import * as demoRun from '../demo/run.ts';
import { DEMO_MODULE, loadDemo, type DemoModule } from '../cli/demo.ts';

const graph = importGraph();
const show = (arrows: Array<{ from: string; to: string; kind: string }>) => arrows.map((a) => `${a.from} → ${a.to} (${a.kind})`);

describe('imports go with the flow', () => {
  it('sees every production folder and the arrows between them', () => {
    expect(graph.files.filter(isProduction).length).toBeGreaterThan(60);
    expect(graph.arrows).toContainEqual({ from: 'jobs/run.ts', to: 'store/runs.ts', kind: 'static' });
    expect(graph.arrows).toContainEqual({ from: 'jobs/claims.ts', to: 'jobs/run.ts', kind: 'type' });
  });

  it('no module reaches itself through its imports', () => {
    expect(circles(graph)).toEqual([]);
  });

  it('no production module imports a later layer, nor demo/, test/ or bench/', () => {
    expect(show(upwardArrows(graph))).toEqual([]);
  });

  it('the only arrow from production out of it is the lazy demo, a dynamic import', () => {
    const out = graph.arrows.filter((a) => isProduction(a.from) && !isProduction(a.to));
    expect(show(out)).toEqual(show(LAZY_OPTIONAL.map((l) => ({ ...l, kind: 'dynamic' }))));
  });

  it('every folder holding TypeScript is a layer or one of demo/, test/, bench/', () => {
    const known = new Set<string>([...LAYERS.flat(), ...OUTSIDE]);
    const folders = fs
      .readdirSync(ROOT, { withFileTypes: true })
      .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !['node_modules', 'dist', 'output'].includes(e.name))
      .map((e) => e.name)
      .filter((dir) => fs.readdirSync(path.join(ROOT, dir), { recursive: true }).some((f) => String(f).endsWith('.ts')));
    expect(folders.filter((f) => !known.has(f))).toEqual([]);
  });

  it('the README documents this order', () => {
    const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
    const layout = readme.slice(readme.indexOf('## Layout'), readme.indexOf('\n## ', readme.indexOf('## Layout') + 1));
    expect(layout).toContain(layerOrderText());
  });

  it('the build compiles exactly the production layers', () => {
    const build = JSON.parse(fs.readFileSync(path.join(ROOT, 'tsconfig.build.json'), 'utf8'));
    expect([...build.include].sort()).toEqual(LAYERS.flat().map((f) => `${f}/**/*.ts`).sort());
  });
});

describe('the lazy demo', () => {
  it('is demo/run.ts, and fits what the CLI calls', async () => {
    expect(DEMO_MODULE).toBe('../demo/run.ts');
    const fits: DemoModule = demoRun; // a type error when demo/run.ts stops fitting
    expect((await loadDemo()).runDemo).toBe(fits.runDemo);
  });
});

describe('the checker itself', () => {
  it('parses static, type-only, re-exported and dynamic imports, packages left out', () => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-arch-'));
    try {
      fs.mkdirSync(path.join(root, 'jobs'));
      const src = [
        `import fs from 'node:fs';`,
        `import type { A } from '../store/a.ts';`,
        `import { b, type B } from '../store/b.ts';`,
        `export { c } from './c.ts';`,
        `export type { D } from '../lib/d.ts';`,
        `const LATER = '../cli/e.ts';`,
        `const f = <T,>(x: T): Array<T> => [x];`,
        `export async function g() { await import('../publish/g.ts'); return import(LATER); }`,
      ].join('\n');
      fs.writeFileSync(path.join(root, 'jobs', 'x.ts'), src);
      expect(importsOf('jobs/x.ts', root)).toEqual([
        { from: 'jobs/x.ts', to: 'store/a.ts', kind: 'type' },
        { from: 'jobs/x.ts', to: 'store/b.ts', kind: 'static' },
        { from: 'jobs/x.ts', to: 'jobs/c.ts', kind: 'static' },
        { from: 'jobs/x.ts', to: 'lib/d.ts', kind: 'type' },
        { from: 'jobs/x.ts', to: 'publish/g.ts', kind: 'dynamic' },
        { from: 'jobs/x.ts', to: 'cli/e.ts', kind: 'dynamic' },
      ]);
    } finally {
      fs.rmSync(root, { recursive: true, force: true });
    }
  });

  it('finds a circle through three modules, and arrows up or out of production', () => {
    const g: ImportGraph = {
      files: ['lib/a.ts', 'store/b.ts', 'cli/c.ts', 'cli/d.ts', 'test/t.ts'],
      arrows: [
        { from: 'cli/c.ts', to: 'store/b.ts', kind: 'static' },
        { from: 'store/b.ts', to: 'lib/a.ts', kind: 'type' },
        { from: 'lib/a.ts', to: 'cli/c.ts', kind: 'dynamic' },
        { from: 'cli/d.ts', to: 'test/t.ts', kind: 'type' },
        { from: 'test/t.ts', to: 'cli/d.ts', kind: 'static' },
      ],
    };
    expect(circles(g)).toEqual([['cli/c.ts', 'lib/a.ts', 'store/b.ts'], ['cli/d.ts', 'test/t.ts']]);
    expect(show(upwardArrows(g))).toEqual(['lib/a.ts → cli/c.ts (dynamic)', 'cli/d.ts → test/t.ts (type)']);
  });
});
