// The results store: schema glific_reports, created and upgraded by Knex migrations on start.
import type pg from 'pg';
import { connect, type Db } from '../db/connect.ts';
import { migrationSource } from './migrations/index.ts';

export const STORE_SCHEMA = 'glific_reports';

export function connectStore(url: string, opts: { pool?: number; statementTimeoutMs?: number; applicationName?: string } = {}): Db {
  return connect({
    url, searchPath: `${STORE_SCHEMA}, public`, pool: opts.pool ?? 6, statementTimeoutMs: opts.statementTimeoutMs,
    applicationName: opts.applicationName ?? 'glific-reports store',
  });
}

/** Any 64-bit key of our own: serializes migrations of concurrent processes. */
const MIGRATION_LOCK = 0x676c6966_6d6967n;

/**
 * Create or upgrade the store. Knex's own migration lock lives in a table that must exist first,
 * so processes starting at once (several `schedule` instances) would race to create it: a
 * session advisory lock, held on a connection of its own, lets one migrate at a time.
 */
export async function migrateStore(db: Db): Promise<void> {
  const conn = (await db.client.acquireConnection()) as pg.Client;
  try {
    await conn.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await db.raw(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
      await db.migrate.latest({ migrationSource, schemaName: STORE_SCHEMA, tableName: 'knex_migrations' });
    } finally {
      await conn.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}
