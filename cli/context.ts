// Opening the databases a command needs, from the configuration: the Glific database (read-only),
// or the embedded demo database when none is configured, and the results store.
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import pg from 'pg';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import { connectGlific, redactUrl, withDatabase, type Db } from '../db/connect.ts';
import { EmbeddedPostgresError, startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import type { Log } from '../lib/log.ts';

export const DEMO_DATABASE = 'glific_demo';

export interface Context {
  glific: Db;
  store: Db;
  glificUrl: string;
  storeUrl: string;
  embedded?: EmbeddedServer;
  close(): Promise<void>;
}

/**
 * The embedded cluster of this checkout, kept between commands (with its random password beside
 * it) so that `run` can follow `npm start`. Where it cannot run, a usage error says what to do.
 */
export async function startDemoServer(cwd = process.cwd()): Promise<EmbeddedServer> {
  const key = crypto.createHash('sha1').update(path.resolve(cwd)).digest('hex').slice(0, 10);
  try {
    return await startEmbeddedPostgres({ parentDir: path.join(os.tmpdir(), `glific-reports-demo-${key}`), persistent: true });
  } catch (err) {
    if (err instanceof EmbeddedPostgresError) throw new UsageError(`the demo database: ${err.message}`);
    throw err;
  }
}

export async function databaseExists(serverUrl: string, name: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    return (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount === 1;
  } finally {
    await c.end();
  }
}

const unreachable = (name: string, url: string, err: unknown) =>
  new UsageError(`cannot connect to ${name} (${redactUrl(url)}): ${(err as Error).message || (err as { code?: string }).code}`);

/** checkReachable through a pool's first connection. */
async function reachable(name: string, db: Db, url: string): Promise<void> {
  try {
    await db.raw('SELECT 1');
  } catch (err) {
    throw unreachable(name, url, err);
  }
}

/** Fail fast, as a usage error, when a configured database does not answer. */
export async function checkReachable(name: string, url: string): Promise<void> {
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await c.connect();
    await c.query('SELECT 1');
  } catch (err) {
    throw unreachable(name, url, err);
  } finally {
    await c.end().catch(() => {});
  }
}

export async function openContext(config: Config, log: Log, opts: { migrate?: boolean; demo?: { ensure: (serverUrl: string, glificUrl: string) => Promise<void> } } = {}): Promise<Context> {
  let embedded: EmbeddedServer | undefined;
  let glificUrl = config.glificDatabaseUrl;
  if (!glificUrl) {
    embedded = await startDemoServer();
    glificUrl = withDatabase(embedded.url, DEMO_DATABASE);
    log('demo.database', { url: redactUrl(glificUrl) });
    if (opts.demo) await opts.demo.ensure(embedded.url, glificUrl);
    else if (!(await databaseExists(embedded.url, DEMO_DATABASE))) {
      await embedded.stop();
      throw new UsageError('GLIFIC_DATABASE_URL is not set and there is no demo database yet: run `npm start` first, or set GLIFIC_DATABASE_URL');
    }
  }
  const storeUrl = config.reportsDatabaseUrl ?? glificUrl;
  const glific = connectGlific(glificUrl, { statementTimeoutMs: config.statementTimeoutMs });
  const store = connectStore(storeUrl);
  // Both checked at once, each through the first connection of its own pool, which the run then
  // goes on with (a separate connection only to check cost a nightly run a tenth of its start).
  // When both fail, Glific's is the one said.
  const failed = (await Promise.allSettled([reachable('GLIFIC_DATABASE_URL', glific, glificUrl), reachable('REPORTS_DATABASE_URL', store, storeUrl)])).find(
    (r): r is PromiseRejectedResult => r.status === 'rejected',
  );
  if (failed) {
    await Promise.all([glific.destroy(), store.destroy()]).catch(() => {});
    await embedded?.stop();
    throw failed.reason;
  }
  const ctx: Context = {
    glific,
    store,
    glificUrl,
    storeUrl,
    embedded,
    async close() {
      await glific.destroy();
      await store.destroy();
      await embedded?.stop();
    },
  };
  if (opts.migrate) {
    try {
      await migrateStore(store);
    } catch (err) {
      await ctx.close();
      throw err;
    }
  }
  return ctx;
}
