// The run ledger (table `runs`: one row per org and run, `running` → `succeeded` | `failed`, or
// `running` → `delivering` → `succeeded` | `failed` when digests were still owed at its end) and
// every PostgreSQL advisory lock of the program. jobs/ decides what runs; this module is the only
// one that writes or reads `runs` or takes an advisory lock. Every time written here comes from
// the caller's clock.
//
// Advisory-lock keys, one scheme: each key is the bigint hashtextextended(text, 0) of
//   'glific-reports migrate'                         store migrations, one process at a time
//                                                    (session lock on a connection of its own)
//   'glific-reports org-write <org id>'              one org's results written by one
//                                                    transaction at a time (transaction lock)
//   'glific-reports run <org id> <job> <from> <to>'  who runs an (org, job, period) (session
//                                                    lock held by RunLocks for the whole run)
// PostgreSQL drops session locks when their connection ends, so a crashed process never leaves
// one behind, and a `running` row whose run lock is free belongs to a process that is gone. A
// hash collision only makes two unrelated things wait for each other, never run twice. The same
// holds the other way: when the lock connection drops (database restart, failover, a reset TCP
// connection) this process has lost its locks, and RunLocks forgets them and reconnects.
import os from 'node:os';
import type { Knex } from 'knex';
import type { Db } from '../db/connect.ts';
import type { Log } from '../lib/log.ts';

export type JobKind = 'daily' | 'monthly' | 'range';
export type Trigger = 'manual' | 'schedule' | 'catch-up';
export type RunStatus = 'running' | 'delivering' | 'succeeded' | 'failed';

/** What one run of one org covers. */
export interface RunKey {
  orgId: number;
  job: JobKind;
  from: string;
  to: string;
}

const KEY = 'hashtextextended($1, 0)';
const keyText = (...parts: Array<string | number>) => ['glific-reports', ...parts].join(' ');
const runKeyText = (k: RunKey) => keyText('run', k.orgId, k.job, k.from, k.to);

interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

/** node-pg's Client as far as the lock connection watches it. */
interface WatchedConnection extends PgConnection {
  on(event: 'error' | 'end', listener: (err?: unknown) => void): unknown;
  removeListener(event: 'error' | 'end', listener: (err?: unknown) => void): unknown;
  /** node-pg: the socket under the client, destroyed when a ping gets no answer */
  connection?: { stream?: { destroy(err?: Error): void } };
  /** set by knex when the connection has died; the pool then destroys it on release */
  __knex__disposed?: unknown;
}

/** Run `fn` while holding the migration lock, taken on `conn` (a connection of its own). */
export async function withMigrationLock<T>(conn: PgConnection, fn: () => Promise<T>): Promise<T> {
  await conn.query(`SELECT pg_advisory_lock(${KEY})`, [keyText('migrate')]);
  try {
    return await fn();
  } finally {
    await conn.query(`SELECT pg_advisory_unlock(${KEY})`, [keyText('migrate')]);
  }
}

/** Inside a store transaction: wait until no other transaction is writing this org's results. */
export async function lockOrgWrites(trx: Knex.Transaction, orgId: number): Promise<void> {
  await trx.raw(`SELECT pg_advisory_xact_lock(hashtextextended(?, 0))`, [keyText('org-write', orgId)]);
}

/**
 * The run locks of one process, held on one dedicated connection of the results store. When that
 * connection dies the server has dropped every lock on it: RunLocks notices (the connection's
 * error or end event, a failed query, or a ping without answer), forgets what it held, logs
 * `locks.lost`, and takes a fresh connection from the pool the next time it is used.
 */
export class RunLocks {
  private held = new Set<string>();
  private conn?: WatchedConnection;
  private onGone?: (err?: unknown) => void;
  private constructor(
    private store: Db,
    private log: Log,
  ) {}

  /** Take a connection out of the store's pool for the locks of this process. */
  static async open(store: Db, opts: { log?: Log } = {}): Promise<RunLocks> {
    const locks = new RunLocks(store, opts.log ?? (() => {}));
    await locks.connection();
    return locks;
  }

  private async connection(): Promise<WatchedConnection> {
    if (this.conn) return this.conn;
    const conn = (await this.store.client.acquireConnection()) as WatchedConnection;
    const onGone = (err?: unknown) => this.lost(conn, err);
    conn.on('error', onGone);
    conn.on('end', onGone);
    this.conn = conn;
    this.onGone = onGone;
    return conn;
  }

  /** The connection is gone, and the server has dropped its locks with it. */
  private lost(conn: WatchedConnection, err?: unknown): void {
    if (this.conn !== conn) return;
    const dropped = [...this.held];
    this.held.clear();
    this.conn = undefined;
    conn.__knex__disposed ??= err ?? 'lock connection lost';
    conn.removeListener('error', this.onGone!);
    conn.removeListener('end', this.onGone!);
    // Back to the pool, which destroys a disposed connection instead of reusing it.
    Promise.resolve(this.store.client.releaseConnection(conn)).catch(() => {});
    this.log('locks.lost', { error: errorText(err), dropped: dropped.length });
  }

  private async query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }> {
    const conn = await this.connection();
    try {
      return await conn.query(text, values);
    } catch (err) {
      // A query error on a connection that died is the connection's: the locks went with it.
      if (conn.__knex__disposed || isConnectionError(err)) this.lost(conn, err);
      throw err;
    }
  }

  /**
   * Is the lock connection alive? A connection whose peer vanished without a reset (a failover,
   * a dropped NAT entry) only shows it by not answering: after `timeoutMs` it is given up.
   */
  async ping(timeoutMs = 30_000): Promise<boolean> {
    let conn: WatchedConnection;
    try {
      conn = await this.connection();
    } catch {
      return false;
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        conn.query('SELECT 1'),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`the lock connection did not answer within ${timeoutMs} ms`)), timeoutMs))),
      ]);
      return true;
    } catch (err) {
      conn.connection?.stream?.destroy();
      this.lost(conn, err);
      return false;
    } finally {
      clearTimeout(timer);
    }
  }

  async tryTake(k: RunKey): Promise<boolean> {
    const text = runKeyText(k);
    if (this.held.has(text)) return true;
    const r = await this.query(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, [text]);
    if (r.rows[0].ok) this.held.add(text);
    return !!r.rows[0].ok;
  }

  /**
   * Try several locks in one round trip: all taken (true), or none kept (false; the ones this
   * call got are given back, so that the caller can fall back to taking them in order).
   */
  async tryTakeAll(keys: RunKey[]): Promise<boolean> {
    const before = keys.map((k) => this.held.has(runKeyText(k)));
    const got = await this.tryTakeEach(keys);
    if (got.every(Boolean)) return true;
    await this.releaseAll(keys.filter((_, i) => got[i] && !before[i]));
    return false;
  }

  /** Try several locks in one round trip, keeping those it gets: for each key, whether it is held now. */
  async tryTakeEach(keys: RunKey[]): Promise<boolean[]> {
    const texts = keys.map(runKeyText);
    const ask = [...new Set(texts.filter((t) => !this.held.has(t)))];
    if (ask.length) {
      const r = await this.query(`SELECT k, pg_try_advisory_lock(hashtextextended(k, 0)) AS ok FROM unnest($1::text[]) AS k`, [ask]);
      for (const x of r.rows) if (x.ok) this.held.add(x.k as string);
    }
    return texts.map((t) => this.held.has(t));
  }

  /** Wait until the lock is free (another process running the same period finishes). */
  async take(k: RunKey): Promise<void> {
    const text = runKeyText(k);
    if (this.held.has(text)) return;
    await this.query(`SELECT pg_advisory_lock(${KEY})`, [text]);
    this.held.add(text);
  }

  async release(k: RunKey): Promise<void> {
    const text = runKeyText(k);
    // Not held (any more): a lost connection took the lock with it.
    if (!this.held.delete(text)) return;
    await this.query(`SELECT pg_advisory_unlock(${KEY})`, [text]).catch((err) => {
      if (!isConnectionError(err)) throw err;
    });
  }

  /** Give back several locks in one round trip. */
  async releaseAll(keys: RunKey[]): Promise<void> {
    // Not held (any more): a lost connection took the lock with it.
    const texts = keys.map(runKeyText).filter((t) => this.held.delete(t));
    if (!texts.length) return;
    await this.query(`SELECT pg_advisory_unlock(hashtextextended(k, 0)) FROM unnest($1::text[]) AS k`, [texts]).catch((err) => {
      if (!isConnectionError(err)) throw err;
    });
  }

  async close(): Promise<void> {
    const conn = this.conn;
    this.conn = undefined;
    if (!conn) {
      this.held.clear();
      return;
    }
    conn.removeListener('error', this.onGone!);
    conn.removeListener('end', this.onGone!);
    try {
      if (this.held.size && !conn.__knex__disposed) await conn.query('SELECT pg_advisory_unlock_all()');
    } catch {
      // gone with the connection anyway
    } finally {
      this.held.clear();
      await this.store.client.releaseConnection(conn);
    }
  }
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : e === undefined ? 'connection ended' : String(e)).split('\n')[0];

// node-pg and PostgreSQL's ways of saying the connection is gone: a terminated backend (57P01
// admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now), class 08 (connection
// exception), and node-pg's own messages about a closed connection.
export function isConnectionError(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | undefined;
  if (e?.code && (/^08/.test(e.code) || /^57P0[123]$/.test(e.code) || ['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT'].includes(e.code))) return true;
  return /Connection terminated|connection ended|not queryable|Client was closed|read ECONNRESET/i.test(e?.message ?? '');
}

export interface NewRun extends RunKey {
  trigger: Trigger;
  shortcode: string;
  startedAt: Date;
  /** the schedule's fire time this run answers (scheduled and catch-up runs) */
  dueAt?: Date;
  late: boolean;
}

/** A `running` row for this process; returns its id. */
export async function insertRunning(store: Db, run: NewRun): Promise<number> {
  return (await insertRunningMany(store, [run]))[0];
}

/** Every org's ledger row of a run in one statement; the ids in the order of `runs`. */
export async function insertRunningMany(store: Db, runs: NewRun[]): Promise<number[]> {
  if (!runs.length) return [];
  const host = os.hostname();
  const rows = await store('runs')
    .insert(
      runs.map((run) => ({
        job: run.job,
        trigger: run.trigger,
        org_id: run.orgId,
        shortcode: run.shortcode,
        period_from: run.from,
        period_to: run.to,
        status: 'running',
        started_at: run.startedAt,
        host,
        pid: process.pid,
        due_at: run.dueAt ?? null,
        late: run.late,
      })),
    )
    .returning(['id', 'org_id']);
  // RETURNING's order is not promised: match the ids back by org (one row per org and run).
  const byOrg = new Map(rows.map((r: { id: string | number; org_id: string | number }) => [Number(r.org_id), Number(r.id)]));
  if (byOrg.size !== runs.length) throw new Error('a run has one ledger row per organization');
  return runs.map((run) => byOrg.get(run.orgId)!);
}

/** Its data is committed (inside that transaction); still `running` until site and digests are out. */
export async function markStored(trx: Knex.Transaction, id: number, rowsWritten: number, at: Date): Promise<void> {
  await trx('runs').where({ id }).update({ rows_written: rowsWritten, stored_at: at });
}

export async function markSucceeded(store: Db, ids: number[], at: Date): Promise<void> {
  if (ids.length) await store('runs').whereIn('id', ids).update({ status: 'succeeded', finished_at: at });
}

export async function markFailed(store: Db, ids: number[], error: string, at: Date): Promise<void> {
  if (ids.length) await store('runs').whereIn('id', ids).update({ status: 'failed', error, finished_at: at });
}

/**
 * Data stored and published, digests still owed: not succeeded, never recomputed; the scheduler
 * retries its deliveries from the ledger (jobs/deliveries.ts). `why` says what is owed.
 */
export async function markDelivering(store: Db, ids: number[], why: string): Promise<void> {
  if (ids.length) await store('runs').whereIn('id', ids).update({ status: 'delivering', error: why });
}

/** The statuses of a period whose data needs no computing again. */
const DONE: RunStatus[] = ['succeeded', 'delivering'];

/** The periods as a FROM item k(org_id, job, period_from, period_to, i), i their place in `keys` from 1, and its bindings. */
function periodKeys(keys: RunKey[]): [string, Array<number[] | string[]>] {
  return [
    `unnest(?::bigint[], ?::text[], ?::date[], ?::date[]) WITH ORDINALITY AS k(org_id, job, period_from, period_to, i)`,
    [keys.map((k) => k.orgId), keys.map((k) => k.job), keys.map((k) => k.from), keys.map((k) => k.to)],
  ];
}

/**
 * Which of these (org, job, period) are done, whatever the trigger: a run succeeded, or its data
 * is stored and published and only digests are owed (those are the delivery pass's). In order.
 */
export async function donePeriods(store: Db, keys: RunKey[]): Promise<boolean[]> {
  if (!keys.length) return [];
  const [from, bindings] = periodKeys(keys);
  const { rows } = await store.raw<{ rows: Array<{ i: string }> }>(
    `SELECT DISTINCT k.i FROM ${from}
       JOIN runs r ON r.org_id = k.org_id AND r.job = k.job AND r.period_from = k.period_from AND r.period_to = k.period_to
      WHERE r.status = ANY(?::text[])`,
    [...bindings, DONE],
  );
  const done = new Set(rows.map((r) => Number(r.i) - 1));
  return keys.map((_, i) => done.has(i));
}

/**
 * With the run locks of `keys` held: rows of theirs still `running` belong to a process that died
 * (a live one holds the lock), so they are failed.
 */
export async function failOrphans(store: Db, keys: RunKey[], at: Date): Promise<void> {
  if (!keys.length) return;
  const [from, bindings] = periodKeys(keys);
  await store.raw(
    `UPDATE runs r SET status = 'failed', finished_at = ?, error = ?
       FROM ${from}
      WHERE r.status = 'running' AND r.org_id = k.org_id AND r.job = k.job AND r.period_from = k.period_from AND r.period_to = k.period_to`,
    [at, 'the process running it stopped before it finished; the next run redoes it', ...bindings],
  );
}

/** Mark `running` rows whose process is gone (their run lock is free) as failed. */
export async function failDeadRuns(store: Db, locks: RunLocks, at: Date): Promise<Array<{ id: number; shortcode: string; job: string; from: string; to: string }>> {
  const running = await store('runs').where({ status: 'running' }).select('id', 'org_id', 'shortcode', 'job', 'period_from', 'period_to', 'host', 'pid');
  const dead = [];
  for (const r of running) {
    const k: RunKey = { orgId: Number(r.org_id), job: r.job, from: r.period_from, to: r.period_to };
    if (!(await locks.tryTake(k))) continue;
    try {
      // Re-checked under the lock: a live process turns its row to succeeded/failed before it lets go.
      const n = await store('runs')
        .where({ id: r.id, status: 'running' })
        .update({ status: 'failed', finished_at: at, error: `the process running it (${r.host ?? '?'} pid ${r.pid ?? '?'}) stopped before it finished; the next run redoes it` });
      if (n) dead.push({ id: Number(r.id), shortcode: r.shortcode, job: r.job, from: r.period_from, to: r.period_to });
    } finally {
      await locks.release(k);
    }
  }
  return dead;
}

/** At shutdown past its grace period: this process's own `running` rows fail. */
export async function failOwnRunning(store: Db, error: string, at: Date): Promise<void> {
  await store('runs').where({ status: 'running', host: os.hostname(), pid: process.pid }).update({ status: 'failed', finished_at: at, error });
}

export interface PeriodRecord extends RunKey {
  /** a run of this period has succeeded or is delivering (its data is done), whatever its trigger */
  succeeded: boolean;
  failures: number;
  lastFailedAt?: Date;
}

/** The outcome so far of every daily and monthly period starting on or after `fromDay`. */
export async function periodHistory(store: Db, fromDay: string): Promise<PeriodRecord[]> {
  const rows = await store('runs')
    .whereIn('job', ['daily', 'monthly'])
    .where('period_from', '>=', fromDay)
    .groupBy('org_id', 'job', 'period_from', 'period_to')
    .select(
      'org_id',
      'job',
      'period_from',
      'period_to',
      store.raw(`bool_or(status IN ('succeeded', 'delivering')) AS succeeded`),
      store.raw(`count(*) FILTER (WHERE status = 'failed')::int AS failures`),
      store.raw(`max(finished_at) FILTER (WHERE status = 'failed') AS last_failed_at`),
    );
  return rows.map((r) => ({
    orgId: Number(r.org_id),
    job: r.job,
    from: r.period_from,
    to: r.period_to,
    succeeded: !!r.succeeded,
    failures: Number(r.failures),
    lastFailedAt: r.last_failed_at ?? undefined,
  }));
}

export interface LedgerRun extends RunKey {
  id: number;
  shortcode: string;
  trigger: Trigger;
  status: RunStatus;
  startedAt: Date;
  finishedAt: Date | null;
  rowsWritten: number | null;
  dueAt: Date | null;
  late: boolean;
  error: string | null;
}

/**
 * The last `perOrg` runs of each organization (by id: a reused shortcode is another
 * organization), by organization, newest first.
 */
export async function recentRuns(store: Db, perOrg = 5): Promise<LedgerRun[]> {
  const r = await store.raw(
    `SELECT * FROM (
       SELECT r.*, row_number() OVER (PARTITION BY r.org_id ORDER BY r.started_at DESC, r.id DESC) AS n FROM runs r
     ) x WHERE n <= ? ORDER BY shortcode, org_id, started_at DESC, id DESC`,
    [perOrg],
  );
  return r.rows.map(toLedgerRun);
}

/** Runs whose digests are still owed, oldest period first. */
export async function deliveringRuns(store: Db): Promise<LedgerRun[]> {
  const rows = await store('runs').where({ status: 'delivering' }).orderBy(['period_from', 'org_id', 'id']);
  return rows.map(toLedgerRun);
}

function toLedgerRun(x: Record<string, any>): LedgerRun {
  return {
    id: Number(x.id),
    orgId: Number(x.org_id),
    shortcode: x.shortcode,
    job: x.job,
    trigger: x.trigger,
    from: x.period_from,
    to: x.period_to,
    status: x.status,
    startedAt: x.started_at,
    finishedAt: x.finished_at ?? null,
    rowsWritten: x.rows_written ?? null,
    dueAt: x.due_at ?? null,
    late: !!x.late,
    error: x.error ?? null,
  };
}
