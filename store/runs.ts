// The run ledger (table `runs`: one row per org and run, `running` → `succeeded` | `failed`) and
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
// hash collision only makes two unrelated things wait for each other, never run twice.
import os from 'node:os';
import type { Knex } from 'knex';
import type { Db } from '../db/connect.ts';

export type JobKind = 'daily' | 'monthly' | 'range';
export type Trigger = 'manual' | 'schedule' | 'catch-up';

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

/** The run locks of one process, held on one dedicated connection of the results store. */
export class RunLocks {
  private held = new Set<string>();
  private constructor(
    private store: Db,
    private conn: PgConnection,
  ) {}

  /** Take a connection out of the store's pool for the locks of this process. */
  static async open(store: Db): Promise<RunLocks> {
    const conn = (await store.client.acquireConnection()) as PgConnection;
    return new RunLocks(store, conn);
  }

  async tryTake(k: RunKey): Promise<boolean> {
    const text = runKeyText(k);
    if (this.held.has(text)) return true;
    const r = await this.conn.query(`SELECT pg_try_advisory_lock(${KEY}) AS ok`, [text]);
    if (r.rows[0].ok) this.held.add(text);
    return !!r.rows[0].ok;
  }

  /** Wait until the lock is free (another process running the same period finishes). */
  async take(k: RunKey): Promise<void> {
    const text = runKeyText(k);
    if (this.held.has(text)) return;
    await this.conn.query(`SELECT pg_advisory_lock(${KEY})`, [text]);
    this.held.add(text);
  }

  async release(k: RunKey): Promise<void> {
    const text = runKeyText(k);
    if (!this.held.delete(text)) return;
    await this.conn.query(`SELECT pg_advisory_unlock(${KEY})`, [text]);
  }

  async close(): Promise<void> {
    try {
      if (this.held.size) await this.conn.query('SELECT pg_advisory_unlock_all()');
    } finally {
      this.held.clear();
      await this.store.client.releaseConnection(this.conn);
    }
  }
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
  const [row] = await store('runs')
    .insert({
      job: run.job,
      trigger: run.trigger,
      org_id: run.orgId,
      shortcode: run.shortcode,
      period_from: run.from,
      period_to: run.to,
      status: 'running',
      started_at: run.startedAt,
      host: os.hostname(),
      pid: process.pid,
      due_at: run.dueAt ?? null,
      late: run.late,
    })
    .returning('id');
  return Number(row.id ?? row);
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

const periodRows = (store: Db, k: RunKey) => store('runs').where({ org_id: k.orgId, job: k.job, period_from: k.from, period_to: k.to });

/** Has any run of this (org, job, period) succeeded, whatever its trigger? */
export async function hasSucceeded(store: Db, k: RunKey): Promise<boolean> {
  return !!(await periodRows(store, k).where({ status: 'succeeded' }).first('id'));
}

/**
 * With the run lock of `k` held: rows of `k` still `running` belong to a process that died
 * (a live one holds the lock), so they are failed.
 */
export async function failOrphans(store: Db, k: RunKey, at: Date): Promise<void> {
  await periodRows(store, k).where({ status: 'running' }).update({ status: 'failed', finished_at: at, error: 'the process running it stopped before it finished; the next run redoes it' });
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
  /** a run of this period has succeeded, whatever its trigger */
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
      store.raw(`bool_or(status = 'succeeded') AS succeeded`),
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
  status: 'running' | 'succeeded' | 'failed';
  startedAt: Date;
  finishedAt: Date | null;
  rowsWritten: number | null;
  dueAt: Date | null;
  late: boolean;
  error: string | null;
}

/** The last `perOrg` runs of each organization, by organization, newest first. */
export async function recentRuns(store: Db, perOrg = 5): Promise<LedgerRun[]> {
  const r = await store.raw(
    `SELECT * FROM (
       SELECT r.*, row_number() OVER (PARTITION BY r.shortcode ORDER BY r.started_at DESC, r.id DESC) AS n FROM runs r
     ) x WHERE n <= ? ORDER BY shortcode, started_at DESC, id DESC`,
    [perOrg],
  );
  return r.rows.map((x: Record<string, any>) => ({
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
  }));
}
