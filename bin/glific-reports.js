#!/usr/bin/env node
// Runs the compiled build (dist/, `npm run build`) when it was built from exactly the sources
// beside it — as in the Docker image, which ships no sources — and the TypeScript sources through
// tsx otherwise: after an edit, or for the demo, which is not part of the build. The compiled
// build starts in a fraction of tsx's time, which counts for the nightly run.
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'cli', 'main.ts');
const built = path.join(root, 'dist', 'cli', 'main.js');
const args = process.argv.slice(2);

async function builtIsCurrent() {
  if (!existsSync(built)) return false;
  if (!existsSync(source)) return true; // an install without sources: the build is all there is
  if (args[0] === 'demo') return false; // the demo's generator lives outside the build
  const { sourcesHash, STAMP } = await import('./sources-stamp.js');
  const stamp = path.join(root, STAMP);
  return existsSync(stamp) && readFileSync(stamp, 'utf8').trim() === sourcesHash(root);
}

let mod;
if (await builtIsCurrent()) {
  mod = await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(source).href);
}
const code = await mod.main(args, {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
});
// Exit explicitly once output is flushed: a finished command must not wait on stray handles.
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
