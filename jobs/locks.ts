// Who is running which (org, job, period): a PostgreSQL session advisory lock per run key, held
// on one dedicated connection of the results store for as long as the run lasts. PostgreSQL
// drops the locks when that connection ends, so a crashed process never leaves one behind, and
// a `running` row whose lock is free belongs to a process that is gone.
import type { Db } from '../db/connect.ts';
import type { Log } from '../lib/log.ts';
import type { JobKind, PlannedOrg, RunClaims } from './run.ts';

export interface RunKey {
  orgId: number;
  job: JobKind;
  from: string;
  to: string;
}

// One bigint key per run key. A hash collision only makes two different periods wait for each
// other, never run twice.
const KEY_SQL = `hashtextextended('glific-reports run ' || $1::text || ' ' || $2::text || ' ' || $3::text || ' ' || $4::text, 0)`;
const params = (k: RunKey) => [String(k.orgId), k.job, k.from, k.to];

interface PgConnection {
  query(text: string, values?: unknown[]): Promise<{ rows: Array<Record<string, unknown>> }>;
}

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

  private id = (k: RunKey) => params(k).join('|');

  async tryTake(k: RunKey): Promise<boolean> {
    if (this.held.has(this.id(k))) return true;
    const r = await this.conn.query(`SELECT pg_try_advisory_lock(${KEY_SQL}) AS ok`, params(k));
    if (r.rows[0].ok) this.held.add(this.id(k));
    return !!r.rows[0].ok;
  }

  /** Wait until the lock is free (another process running the same period finishes). */
  async take(k: RunKey): Promise<void> {
    if (this.held.has(this.id(k))) return;
    await this.conn.query(`SELECT pg_advisory_lock(${KEY_SQL})`, params(k));
    this.held.add(this.id(k));
  }

  async release(k: RunKey): Promise<void> {
    if (!this.held.delete(this.id(k))) return;
    await this.conn.query(`SELECT pg_advisory_unlock(${KEY_SQL})`, params(k));
  }

  /** Is anyone holding this key? (Takes and gives back the lock when it is free.) */
  async isFree(k: RunKey): Promise<boolean> {
    if (this.held.has(this.id(k))) return false;
    if (!(await this.tryTake(k))) return false;
    await this.release(k);
    return true;
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

export const runKey = (p: PlannedOrg, job: JobKind): RunKey => ({ orgId: p.org.id, job, from: p.from, to: p.to });

/**
 * Claims for a manual run: wait for each org's lock in org order (two manual runs cannot
 * deadlock), so that a manual run never overlaps a scheduled run of the same period.
 */
export function waitingClaims(locks: RunLocks, log?: Log): RunClaims {
  const taken: RunKey[] = [];
  return {
    async acquire(plan, job) {
      for (const p of [...plan].sort((a, b) => a.org.id - b.org.id)) {
        const k = runKey(p, job);
        if (!(await locks.tryTake(k))) {
          log?.('run.waiting', { org: p.org.shortcode, job, from: p.from, to: p.to, why: 'another process is running this period' });
          await locks.take(k);
        }
        taken.push(k);
      }
      return plan;
    },
    async release() {
      for (const k of taken.splice(0)) await locks.release(k);
    },
  };
}

/** Mark `running` rows whose process is gone (their lock is free) as failed. */
export async function failDeadRuns(store: Db, locks: RunLocks, now: Date): Promise<Array<{ id: number; shortcode: string; job: string; from: string; to: string }>> {
  const running = await store('runs').where({ status: 'running' }).select('id', 'org_id', 'shortcode', 'job', 'period_from', 'period_to', 'host', 'pid');
  const dead = [];
  for (const r of running) {
    const k: RunKey = { orgId: Number(r.org_id), job: r.job, from: r.period_from, to: r.period_to };
    if (!(await locks.tryTake(k))) continue;
    try {
      // Re-checked under the lock: a live process turns its row to succeeded/failed before it lets go.
      const n = await store('runs')
        .where({ id: r.id, status: 'running' })
        .update({ status: 'failed', finished_at: now, error: `the process running it (${r.host ?? '?'} pid ${r.pid ?? '?'}) stopped before it finished; the next run redoes it` });
      if (n) dead.push({ id: Number(r.id), shortcode: r.shortcode, job: r.job, from: r.period_from, to: r.period_to });
    } finally {
      await locks.release(k);
    }
  }
  return dead;
}
