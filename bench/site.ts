// Site build benchmark: one org with 365 days of synthetic OrgReport data. Measures the full
// build (empty output dir) and the nightly incremental rebuild (one more day), and writes the
// figures into docs/BENCHMARKS.md under "## Site build" (only that section is touched).
// Run: npx tsx bench/site.ts
import { execSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { publishSite } from '../publish/site.ts';
import { fixtureReport } from '../test/support/site-fixtures.ts';
import { addDays } from '../lib/calendar.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const FROM = '2024-01-01';
const TO = addDays(FROM, 364);

const report = (to: string) => fixtureReport({ shortcode: 'bench', name: 'Bench NGO', from: FROM, to, ranges: [['2024-03-01', '2024-03-31'], ['2024-06-01', '2024-08-31']] });
const nowAfter = (d: string) => new Date(`${addDays(d, 1)}T12:00:00Z`);

const out = mkdtempSync(path.join(tmpdir(), 'bench-site-'));
try {
  let t = performance.now();
  const full = await publishSite({ reports: [report(TO)], outputDir: out, now: nowAfter(TO) });
  const fullMs = performance.now() - t;

  const next = addDays(TO, 1);
  t = performance.now();
  const inc = await publishSite({ reports: [report(next)], outputDir: out, now: nowAfter(next) });
  const incMs = performance.now() - t;

  t = performance.now();
  const same = await publishSite({ reports: [report(next)], outputDir: out, now: nowAfter(next) });
  const sameMs = performance.now() - t;

  const dailyDir = path.join(out, 'site', 'bench', 'daily');
  const sizes = execSync(`ls -l ${dailyDir} | awk 'NR>1 {print $5}'`, { encoding: 'utf8' }).trim().split('\n').map(Number);
  const maxKb = Math.max(...sizes) / 1024;
  const siteMb = Number(execSync(`du -sk ${path.join(out, 'site')}`, { encoding: 'utf8' }).split('\t')[0]) / 1024;

  const cpu = cpus()[0]?.model ?? 'unknown';
  const nproc = execSync('nproc', { encoding: 'utf8' }).trim();
  const section = [
    '## Site build',
    '',
    `Command: \`npx tsx bench/site.ts\` · ${new Date().toISOString().slice(0, 10)} · ${nproc} CPU (${cpu}) · Node ${process.version}`,
    '',
    'One org, 365 days of synthetic data (12 months, 2 custom ranges), 8 charts per daily page, 12 per month/range page, 16 on the org index.',
    '',
    '| run | pages written | pages reused | time |',
    '|---|---:|---:|---:|',
    `| full build (empty output) | ${full.pagesWritten} | ${full.pagesReused} | ${(fullMs / 1000).toFixed(1)} s |`,
    `| incremental: one more day | ${inc.pagesWritten} | ${inc.pagesReused} | ${(incMs / 1000).toFixed(2)} s |`,
    `| nothing changed | ${same.pagesWritten} | ${same.pagesReused} | ${(sameMs / 1000).toFixed(2)} s |`,
    '',
    `Largest daily page: ${maxKb.toFixed(0)} KB (limit 300 KB); whole site: ${siteMb.toFixed(1)} MB. Goals on the 2-core machine: full < 30 s, incremental < 3 s.`,
    '',
  ].join('\n');
  console.log(section);

  const file = path.join(root, 'docs', 'BENCHMARKS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const re = /## Site build\n[\s\S]*?(?=\n## |$)/;
  const updated = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : `${text.trimEnd()}\n\n${section}`;
  writeFileSync(file, updated.endsWith('\n') ? updated : `${updated}\n`);
} finally {
  rmSync(out, { recursive: true, force: true });
}
