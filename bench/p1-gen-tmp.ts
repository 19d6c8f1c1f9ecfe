// scratch: generate the 2M bench data only (same cluster and parameters as bench/run.ts)
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connect, withDatabase } from '../db/connect.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { createGlificSchema } from '../demo/glific/schema.ts';
import { generateGlificData } from '../demo/glific/generate.ts';
const MESSAGES = 2000000, ORGS = 20, DAYS = 60, END = '2026-10-31';
const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-bench-${MESSAGES}-${ORGS}-${DAYS}`), persistent: true });
try {
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', ['glific_bench'])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE glific_bench TEMPLATE template0`);
  await admin.end();
  const db = connect({ url: withDatabase(server.url, 'glific_bench'), pool: 2 });
  const have = exists ? Number((await db.raw(`SELECT count(*) AS n FROM messages`)).rows[0].n) : 0;
  if (!have) {
    await createGlificSchema(db);
    const t0 = Date.now();
    await generateGlificData(db, { orgs: ORGS, days: DAYS + 1, endDate: END, messagesPerDay: Math.round(MESSAGES / ORGS / DAYS), contactsPerOrg: Math.max(300, Math.round(MESSAGES / ORGS / 25)), statsDays: 0, onProgress: (s, d, t) => console.error(s, d, t) });
    await db.raw('VACUUM ANALYZE');
    console.error('generated in', Date.now() - t0, 'ms');
  }
  console.error('messages', (await db.raw('SELECT count(*) AS n FROM messages')).rows[0].n);
  await db.destroy();
} finally {
  await server.stop();
}
