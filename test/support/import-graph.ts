// The import graph of the repository, parsed (oxc-parser) rather than grepped: static imports,
// `import type`, re-exports and dynamic import() of every .ts file. test/architecture.test.ts
// asserts on it; run this file to print the counts and the offending arrows:
//   npx tsx test/support/import-graph.ts
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseSync } from 'oxc-parser';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * The layers of production code, in the direction data flows: a module may import from its own
 * layer or an earlier one, never a later one. Folders on one line form one layer (they may
 * import each other, as long as no circle forms).
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['lib', 'config', 'db'],
  ['extract'],
  ['metrics'],
  ['store'],
  ['charts'],
  ['pages', 'mail'],
  ['publish'],
  ['serve'],
  ['jobs'],
  ['cli'],
];

/** The order as the README's Layout section writes it. */
export const layerOrderText = () => LAYERS.map((l) => l.map((f) => `\`${f}/\``).join(', ')).join(' → ');

/** Not production: may import anything; production may import none of them. */
export const OUTSIDE = ['demo', 'test', 'bench'] as const;

/**
 * The one allowed arrow from production into demo/: the CLI's `demo` command loads demo/run.ts
 * lazily, by a dynamic import() of a constant specifier (which the compiler does not follow, so
 * the build leaves demo/ out), and says "not part of this installation" when it is absent. Any
 * other arrow into demo/, and a static or type import of it, is an error.
 */
export const LAZY_OPTIONAL: ReadonlyArray<{ from: string; to: string }> = [{ from: 'cli/demo.ts', to: 'demo/run.ts' }];

export type ImportKind = 'static' | 'type' | 'dynamic';

export interface Arrow {
  from: string;
  to: string;
  kind: ImportKind;
}

const folderOf = (file: string) => file.split('/')[0];

export function layerOf(file: string): number {
  return LAYERS.findIndex((l) => l.includes(folderOf(file)));
}

export const isProduction = (file: string) => layerOf(file) >= 0;

function walk(dir: string, out: string[]): void {
  for (const e of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = `${dir}/${e.name}`;
    if (e.isDirectory()) walk(rel, out);
    else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out.push(rel);
  }
}

/** Every .ts file of the layers and of demo/, test/ and bench/, as repository paths. */
export function sourceFiles(root = ROOT): string[] {
  const out: string[] = [];
  for (const dir of [...LAYERS.flat(), ...OUTSIDE]) if (fs.existsSync(path.join(root, dir))) walk(dir, out);
  return out.sort();
}

/** The arrows out of one file to other files of the repository (packages and node: are left out). */
export function importsOf(file: string, root = ROOT): Arrow[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const parsed = parseSync(file, text, { sourceType: 'module', lang: 'ts' });
  if (parsed.errors.length) throw new Error(`${file}: ${parsed.errors[0].message}`);
  const found: Array<{ spec: string; kind: ImportKind }> = [];
  for (const s of parsed.module.staticImports) {
    // `import type {…}` and imports whose every name is a type vanish from the JavaScript, but
    // they are still an arrow between modules.
    const typeOnly = s.entries.length > 0 && s.entries.every((e) => e.isType);
    found.push({ spec: s.moduleRequest.value, kind: typeOnly ? 'type' : 'static' });
  }
  for (const s of parsed.module.staticExports) {
    for (const e of s.entries) if (e.moduleRequest) found.push({ spec: e.moduleRequest.value, kind: e.isType ? 'type' : 'static' });
  }
  for (const d of parsed.module.dynamicImports) {
    const raw = text.slice(d.moduleRequest.start, d.moduleRequest.end).trim();
    const literal = /^(['"])(.*)\1$/.exec(raw);
    // A constant of the same file (a module the compiler is not to follow, cli/demo.ts).
    const constant = /^[A-Za-z_$][\w$]*$/.test(raw) ? new RegExp(`\\bconst\\s+${raw.replace(/\$/g, '\\$')}\\s*=\\s*(['"])(.*?)\\1`).exec(text) : null;
    const spec = literal?.[2] ?? constant?.[2];
    // Any other computed specifier (a test writing a script for a child process) is no arrow we can follow.
    if (spec !== undefined) found.push({ spec, kind: 'dynamic' });
  }
  const arrows = new Map<string, Arrow>();
  for (const { spec, kind } of found) {
    if (!spec.startsWith('.')) continue;
    const to = path.posix.normalize(path.posix.join(path.posix.dirname(file), spec));
    const prev = arrows.get(to);
    // The strongest kind wins: a static import, then a dynamic one, then types only.
    const rank = { static: 2, dynamic: 1, type: 0 } as const;
    if (!prev || rank[kind] > rank[prev.kind]) arrows.set(to, { from: file, to, kind });
  }
  return [...arrows.values()];
}

export interface ImportGraph {
  files: string[];
  arrows: Arrow[];
}

export function importGraph(root = ROOT): ImportGraph {
  const files = sourceFiles(root);
  return { files, arrows: files.flatMap((f) => importsOf(f, root)) };
}

/**
 * The circles: strongly connected components with more than one module (or a module importing
 * itself), by Tarjan's algorithm. Every module of a component reaches every other.
 */
export function circles(g: ImportGraph): string[][] {
  const next = new Map<string, string[]>();
  for (const a of g.arrows) next.set(a.from, [...(next.get(a.from) ?? []), a.to]);
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const out: string[][] = [];
  const visit = (v: string) => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (next.get(v) ?? []).includes(v)) out.push(scc.sort());
    }
  };
  for (const f of [...new Set([...g.files, ...g.arrows.map((a) => a.to)])].sort()) if (!index.has(f)) visit(f);
  return out.sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** Elementary cycles (each loop of distinct modules once), for the report; stops counting at `cap`. */
export function elementaryCycles(g: ImportGraph, cap = 10_000): string[][] {
  const next = new Map<string, string[]>();
  for (const a of g.arrows) next.set(a.from, [...(next.get(a.from) ?? []), a.to]);
  const out: string[][] = [];
  for (const scc of circles(g)) {
    const inScc = new Set(scc);
    // Each cycle is found once, from its smallest module, visiting only larger ones.
    for (const start of scc) {
      const path: string[] = [start];
      const seen = new Set([start]);
      const dfs = (v: string) => {
        for (const w of next.get(v) ?? []) {
          if (out.length >= cap) return;
          if (!inScc.has(w) || w < start) continue;
          if (w === start) out.push([...path]);
          else if (!seen.has(w)) {
            seen.add(w);
            path.push(w);
            dfs(w);
            path.pop();
            seen.delete(w);
          }
        }
      };
      dfs(start);
    }
  }
  return out;
}

/** Arrows against the flow: a production module importing a later layer, or demo/, test/, bench/. */
export function upwardArrows(g: ImportGraph): Arrow[] {
  return g.arrows.filter((a) => {
    if (!isProduction(a.from)) return false;
    if (isProduction(a.to)) return layerOf(a.to) > layerOf(a.from);
    return !(a.kind === 'dynamic' && LAZY_OPTIONAL.some((l) => l.from === a.from && l.to === a.to));
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const g = importGraph();
  const sccs = circles(g);
  const loops = elementaryCycles(g);
  const up = upwardArrows(g);
  console.log(`${g.files.length} files, ${g.arrows.length} arrows (${g.files.filter(isProduction).length} production files)`);
  console.log(`circles: ${sccs.length} strongly connected group(s) of ${sccs.reduce((n, s) => n + s.length, 0)} modules, ${loops.length} elementary cycle(s)`);
  for (const s of sccs) console.log(`  { ${s.join(', ')} }`);
  for (const l of loops) console.log(`  ${[...l, l[0]].join(' → ')}`);
  console.log(`upward arrows: ${up.length}`);
  for (const a of up) console.log(`  ${a.from} → ${a.to} (${a.kind})`);
}
