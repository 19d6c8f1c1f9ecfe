// The results store: schema glific_reports, created and upgraded by Knex migrations on start.
import type pg from 'pg';
import { connect, type Db } from '../db/connect.ts';
import { MIGRATIONS, migrationSource } from './migrations/index.ts';
import { withMigrationLock } from './runs.ts';

export const STORE_SCHEMA = 'glific_reports';

export function connectStore(url: string, opts: { pool?: number; statementTimeoutMs?: number; applicationName?: string } = {}): Db {
  return connect({
    url, searchPath: `${STORE_SCHEMA}, public`, pool: opts.pool ?? 6, statementTimeoutMs: opts.statementTimeoutMs,
    applicationName: opts.applicationName ?? 'glific-reports store',
  });
}

/**
 * Create or upgrade the store. Knex's own migration lock lives in a table that must exist first,
 * so processes starting at once (several `schedule` instances) would race to create it: a
 * session advisory lock (store/runs.ts), held on a connection of its own, lets one migrate at a
 * time.
 */
export async function migrateStore(db: Db): Promise<void> {
  // Every run starts here: when every migration is recorded already (the usual case) one query
  // says so, without the lock and Knex's own checks (~80 ms of a nightly run).
  if (await upToDate(db)) return;
  const conn = (await db.client.acquireConnection()) as pg.Client;
  try {
    await withMigrationLock(conn, async () => {
      await db.raw(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
      await db.migrate.latest({ migrationSource, schemaName: STORE_SCHEMA, tableName: 'knex_migrations' });
    });
  } finally {
    await db.client.releaseConnection(conn);
  }
}

async function upToDate(db: Db): Promise<boolean> {
  const table = await db.raw<{ rows: Array<{ present: boolean }> }>(`SELECT to_regclass('${STORE_SCHEMA}.knex_migrations') IS NOT NULL AS present`);
  if (!table.rows[0]?.present) return false;
  const done = new Set((await db.raw<{ rows: Array<{ name: string }> }>(`SELECT name FROM ${STORE_SCHEMA}.knex_migrations`)).rows.map((r) => r.name));
  return MIGRATIONS.every(([name]) => done.has(name));
}
