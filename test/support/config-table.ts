// The README's configuration table, generated from config/env.ts VARIABLES (the one place that
// defines them). test/config.test.ts fails when the README differs; to regenerate:
//   npx tsx test/support/config-table.ts --write
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { VARIABLES } from '../../config/env.ts';

export const README = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'README.md');
export const BEGIN = '<!-- configuration table: generated from config/env.ts by test/support/config-table.ts -->';
export const END = '<!-- end of configuration table -->';

export function configTable(): string {
  const rows = VARIABLES.map((v) => `| \`${v.name}\` | ${v.meaning} | ${v.default} |`);
  return ['| variable | meaning | default |', '|---|---|---|', ...rows].join('\n');
}

/** The table as the README has it now, or undefined without the markers. */
export function readmeTable(text = fs.readFileSync(README, 'utf8')): string | undefined {
  const a = text.indexOf(BEGIN);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return undefined;
  return text.slice(a + BEGIN.length, b).trim();
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const table = configTable();
  if (process.argv.includes('--write')) {
    const text = fs.readFileSync(README, 'utf8');
    const a = text.indexOf(BEGIN);
    const b = text.indexOf(END);
    if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} markers`);
    fs.writeFileSync(README, `${text.slice(0, a + BEGIN.length)}\n${table}\n${text.slice(b)}`);
  } else process.stdout.write(table + '\n');
}
