// The results store: schema glific_reports, created and upgraded by Knex migrations on start.
import { connect, type Db } from '../db/connect.ts';
import { migrationSource } from './migrations/index.ts';

export const STORE_SCHEMA = 'glific_reports';

export function connectStore(url: string): Db {
  return connect({ url, searchPath: `${STORE_SCHEMA}, public`, pool: 6, applicationName: 'glific-reports store' });
}

export async function migrateStore(db: Db): Promise<void> {
  await db.raw(`CREATE SCHEMA IF NOT EXISTS ${STORE_SCHEMA}`);
  await db.migrate.latest({ migrationSource, schemaName: STORE_SCHEMA, tableName: 'knex_migrations' });
}
