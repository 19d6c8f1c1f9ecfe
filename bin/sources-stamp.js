// What the compiled build (dist/) was made from: a hash of the production sources listed in
// tsconfig.build.json and of the compiler settings. `npm run build` writes it to dist/.sources;
// bin/glific-reports.js runs dist/ only while it still matches, so it never runs stale code.
//   node bin/sources-stamp.js --write    (after tsc, in `npm run build`)
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));

export function sourcesHash(dir = root) {
  const build = JSON.parse(readFileSync(path.join(dir, 'tsconfig.build.json'), 'utf8'));
  const folders = build.include.map((p) => p.split('/')[0]).sort();
  const h = createHash('sha256');
  for (const f of ['tsconfig.json', 'tsconfig.build.json']) h.update(f).update(readFileSync(path.join(dir, f)));
  for (const folder of folders) {
    const files = readdirSync(path.join(dir, folder), { recursive: true }).map(String).filter((f) => f.endsWith('.ts')).sort();
    for (const f of files) h.update(`${folder}/${f}\0`).update(readFileSync(path.join(dir, folder, f)));
  }
  return h.digest('hex');
}

export const STAMP = path.join('dist', '.sources');

if (process.argv[1] === fileURLToPath(import.meta.url) && process.argv[2] === '--write') {
  writeFileSync(path.join(root, STAMP), sourcesHash() + '\n');
}
