#!/usr/bin/env node
// Runs the TypeScript sources through tsx in a checkout, and the compiled build (`npm run
// build`, as in the Docker image, which ships no sources) otherwise.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const source = path.join(root, 'cli', 'main.ts');
let mod;
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  register();
  mod = await import(pathToFileURL(source).href);
} else {
  mod = await import(pathToFileURL(path.join(root, 'dist', 'cli', 'main.js')).href);
}
const code = await mod.main(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  now: () => new Date(),
});
// Exit explicitly once output is flushed: a finished command must not wait on stray handles.
process.exitCode = code;
process.stdout.write('', () => process.exit(code));
