// How far below the floor (a) any local-day metric can go: one count(*) of the range against
// the same rows merely grouped by organization and local day, on the benchmark database.
//   npx tsx bench/floor-local.ts <messages>
import os from 'node:os';
import path from 'node:path';
import { connectGlific, withDatabase } from '../db/connect.ts';
import { startEmbeddedPostgres } from '../db/embedded.ts';

const [messages = '10000000'] = process.argv.slice(2);
const server = await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-bench-${messages}-20-60`), persistent: true });
const db = connectGlific(withDatabase(server.url, 'glific_bench'));
try {
  const range = `m.inserted_at >= '2026-08-31 00:00' AND m.inserted_at < '2026-11-01 00:00'`;
  const time = async (name: string, sql: string) => {
    const t = performance.now();
    await db.raw(sql);
    console.log(`${name}: ${(performance.now() - t).toFixed(0)} ms`);
  };
  await time('warm-up', `SELECT count(*) FROM messages m`);
  await time('(a) count(*) of the range', `SELECT count(*) FROM messages m WHERE ${range}`);
  await time('grouped by org and UTC day', `SELECT m.organization_id, m.inserted_at::date, count(*) FROM messages m WHERE ${range} GROUP BY 1, 2`);
  await time('grouped by org and local day', `SELECT m.organization_id, (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE coalesce(o.timezone, 'Asia/Kolkata'))::date, count(*) FROM messages m JOIN organizations o ON o.id = m.organization_id WHERE ${range} GROUP BY 1, 2`);
  await time('distinct (org, local day, contact)', `SELECT count(*) FROM (SELECT DISTINCT m.organization_id, (m.inserted_at AT TIME ZONE 'UTC' AT TIME ZONE coalesce(o.timezone, 'Asia/Kolkata'))::date, m.contact_id FROM messages m JOIN organizations o ON o.id = m.organization_id WHERE ${range} AND m.flow = 'inbound') x`);
  await time('outbound sorted by (org, contact, time)', `SELECT count(*) FROM (SELECT m.organization_id, m.contact_id, m.inserted_at FROM messages m WHERE ${range} AND m.flow = 'outbound' ORDER BY 1, 2, 3 OFFSET 0) x`);
} finally {
  await db.destroy();
  await server.stop();
}
