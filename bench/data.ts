// The benchmark's generated Glific database, kept in a persistent embedded cluster per size under
// the temp directory, so that the (long) generation happens once and every later run reuses it.
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connect, withDatabase, type Db } from '../db/connect.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';
import { createGlificSchema } from '../demo/glific/schema.ts';
import { generateGlificData } from '../demo/glific/generate.ts';

/** The last generated day; the measured range is the DAYS days before it. */
export const END = '2026-10-31';

export interface BenchData {
  url: string;
  db: Db;
  total: number;
  generateMs: number;
  close(): Promise<void>;
}

const log = (...m: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...m);

export async function openBenchData(o: { messages: number; orgs: number; days: number }): Promise<BenchData> {
  const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-bench-${o.messages}-${o.orgs}-${o.days}`), persistent: true });
  const dbName = 'glific_bench';
  const url = withDatabase(server.url, dbName);
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [dbName])).rowCount === 1;
  if (!exists) await admin.query(`CREATE DATABASE ${dbName} TEMPLATE template0`);
  await admin.end();
  const db = connect({ url, pool: 2 });
  const have = exists ? Number((await db.raw(`SELECT count(*) AS n FROM messages`)).rows[0].n) : 0;
  let generateMs = 0;
  if (!have) {
    log(`generating ${o.messages} messages, ${o.orgs} orgs, ${o.days + 1} days`);
    const t0 = performance.now();
    await createGlificSchema(db);
    await generateGlificData(db, {
      orgs: o.orgs,
      days: o.days + 1,
      endDate: END,
      messagesPerDay: Math.round(o.messages / o.orgs / o.days),
      // 10M messages: 20k contacts per org, 400k in all
      contactsPerOrg: Math.max(300, Math.round(o.messages / o.orgs / 25)),
      statsDays: 0,
      onProgress: (stage, done, total) => log(stage, done, total),
    });
    await db.raw('VACUUM ANALYZE');
    generateMs = performance.now() - t0;
  }
  const total = Number((await db.raw(`SELECT count(*) AS n FROM messages`)).rows[0].n);
  return {
    url,
    db,
    total,
    generateMs,
    async close() {
      await db.destroy();
      await server.stop();
    },
  };
}
