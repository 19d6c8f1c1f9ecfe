// Where a job's time goes: runs one job on the benchmark database with stage logging.
//   [FRESH=1] npx tsx bench/stages.ts <messages> '<RunRequest JSON>'   (FRESH: an empty results store)
import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';
import { connectGlific, withDatabase } from '../db/connect.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { planRun, runJob } from '../jobs/run.ts';
import { createLog } from '../lib/log.ts';

const [messages, reqJson, orgs = '20', days = '60'] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-bench-${messages}-${orgs}-${days}`), persistent: true });
try {
  const url = withDatabase(server.url, 'glific_bench');
  const glific = connectGlific(url);
  const store = connectStore(url);
  if (process.env.FRESH) await store.raw('DROP SCHEMA IF EXISTS glific_reports CASCADE');
  await migrateStore(store);
  const deps = { glific, store, now: new Date('2026-11-02T12:00:00Z'), log: createLog({ json: !!process.env.JSON_LOG }), outputDir: fs.mkdtempSync('/tmp/bench-out-'), fallbackZone: 'Asia/Kolkata' };
  const req = { ...JSON.parse(reqJson), site: false, email: false };
  const t0 = performance.now();
  await runJob(req, deps, await planRun(req, deps));
  console.error(`total ${(performance.now() - t0).toFixed(0)} ms`);
  await glific.destroy();
  await store.destroy();
} finally {
  await server.stop();
}
