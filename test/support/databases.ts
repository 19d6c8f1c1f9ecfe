// Fresh, uniquely named databases on the test server, dropped when the test file ends.
import { inject } from 'vitest';
import pg from 'pg';
import { randomBytes } from 'node:crypto';
import { withDatabase } from '../../db/connect.ts';

export function serverUrl(): string {
  return inject('pgUrl');
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: serverUrl() });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

/** Create an empty database named after `label`; its URL connects as the server's superuser. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `gr_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}" TEMPLATE template0 ENCODING 'UTF8'`));
  return {
    name,
    url: withDatabase(serverUrl(), name),
    async drop() {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** Run SQL as the server's superuser against the given database URL. */
export async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text, params);
  } finally {
    await c.end();
  }
}
