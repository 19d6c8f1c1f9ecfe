// Database connections. node-pg's defaults are wrong for us in two ways, fixed here once:
// bigint/count(*) arrive as strings, and `timestamp without time zone` would be read in the
// process zone, whereas Glific stores UTC wall-clock values in it.
import knexFactory, { type Knex } from 'knex';
import pg from 'pg';

const INT8 = 20;
const TIMESTAMP = 1114;
const DATE = 1082;
const NUMERIC = 1700;

pg.types.setTypeParser(INT8, (v) => {
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new Error(`bigint ${v} exceeds JavaScript's safe integer range`);
  return n;
});
// Glific's timestamps hold UTC: read them as UTC instants.
pg.types.setTypeParser(TIMESTAMP, (v) => new Date(v.replace(' ', 'T') + 'Z'));
// A calendar date is a local day label, never an instant: keep the 'YYYY-MM-DD' string.
pg.types.setTypeParser(DATE, (v) => v);
pg.types.setTypeParser(NUMERIC, (v) => Number(v));

export type Db = Knex;

export interface ConnectOptions {
  url: string;
  /** Every session read-only: the Glific database is never written by us. */
  readOnly?: boolean;
  statementTimeoutMs?: number;
  searchPath?: string;
  pool?: number;
  applicationName?: string;
  /** work_mem for this connection's sessions, e.g. '64MB'. */
  workMem?: string;
  /** No parallel workers for this connection's queries. */
  serialPlans?: boolean;
}

export function connect(opts: ConnectOptions): Db {
  const settings: string[] = [`SET TIME ZONE 'UTC'`];
  if (opts.readOnly) settings.push('SET default_transaction_read_only = on');
  if (opts.statementTimeoutMs) settings.push(`SET statement_timeout = ${Math.floor(opts.statementTimeoutMs)}`);
  // Aggregations over a range of messages hash a few hundred thousand groups: the default 4 MB
  // makes PostgreSQL sort them on disk instead.
  if (opts.workMem) settings.push(`SET work_mem = '${opts.workMem.replace(/[^0-9a-zA-Z]/g, '')}'`);
  if (opts.searchPath) settings.push(`SET search_path TO ${opts.searchPath}`);
  // A run sends its families' queries side by side already: parallel workers on top of them
  // only fight over the same cores (a nightly run was a tenth slower with them), and on
  // Glific's production database they are workers the live application may need.
  if (opts.serialPlans) settings.push('SET max_parallel_workers_per_gather = 0');
  return knexFactory({
    client: 'pg',
    connection: { connectionString: opts.url, application_name: opts.applicationName ?? 'glific-reports' },
    pool: {
      min: 0,
      max: opts.pool ?? 4,
      afterCreate(conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) {
        conn.query(settings.join('; '), (err) => done(err ?? null, conn));
      },
    },
    acquireConnectionTimeout: 15000,
  });
}

/** Replace the database name in a PostgreSQL URL. */
export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = '/' + encodeURIComponent(database);
  return u.toString();
}

/** A URL without its password, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}

/** The Glific database as the job uses it: read-only, bounded statements, room to aggregate. */
export function connectGlific(url: string, opts: { statementTimeoutMs?: number; applicationName?: string } = {}): Db {
  return connect({ url, readOnly: true, statementTimeoutMs: opts.statementTimeoutMs ?? 600_000, workMem: '64MB', serialPlans: true, applicationName: opts.applicationName ?? 'glific-reports (read-only)' });
}
