// One job run in its own process, so that the benchmark can report its wall time and peak
// resident memory alone. With --explain FILE, every query the job sent to the Glific database is
// explained afterwards (plans only, not executed again).
import fs from 'node:fs';
import pg from 'pg';
import { connectGlific } from '../db/connect.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { planRun, runJob, type RunRequest } from '../jobs/run.ts';
import { silentLog } from '../lib/log.ts';

const [glificUrl, reqJson, now, explainFile] = process.argv.slice(2);
const req = JSON.parse(reqJson) as RunRequest;
const glific = connectGlific(glificUrl, { statementTimeoutMs: 3_600_000 });
const store = connectStore(glificUrl);
const queries: Array<{ sql: string; bindings: unknown[] }> = [];
if (explainFile) glific.on('query', (q: { sql: string; bindings: unknown[] }) => queries.push({ sql: q.sql, bindings: q.bindings }));
await migrateStore(store);
const deps = { glific, store, now: new Date(now), log: silentLog, outputDir: fs.mkdtempSync('/tmp/bench-out-'), fallbackZone: 'Asia/Kolkata' };
const t0 = performance.now();
const summary = await runJob({ ...req, site: false, email: false }, deps, await planRun(req, deps));
const ms = performance.now() - t0;
if (explainFile) {
  const c = new pg.Client({ connectionString: glificUrl });
  await c.connect();
  const out: string[] = [];
  for (const q of queries) {
    // the plans that matter: every query that reads messages
    if (!/\bmessages m\b/.test(q.sql)) continue;
    const plan = (await c.query('EXPLAIN ' + q.sql, q.bindings as unknown[])).rows.map((r) => r['QUERY PLAN']).join('\n');
    out.push(`-- ${q.sql.replace(/\s+/g, ' ').slice(0, 160)}…\n${plan}`);
  }
  await c.end();
  fs.writeFileSync(explainFile, out.join('\n\n') + '\n');
}
await glific.destroy();
await store.destroy();
process.stdout.write(JSON.stringify({ ms, maxRssMb: process.resourceUsage().maxRSS / 1024, exitCode: summary.exitCode, orgs: summary.orgs.length }) + '\n');
process.exit(0);
