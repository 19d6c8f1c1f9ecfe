// `schedule`: the long-running loop. One node-cron task fires every tick (a minute by default, in
// UTC: the minute is the same everywhere); each tick re-reads the organizations (so new orgs,
// changed zones and deactivations apply without a restart), marks runs of dead processes failed,
// delivers the digests still owed by earlier runs (jobs/deliveries.ts), works out with
// jobs/fire-times.ts which (org, job, period) are owed in each org's own zone, and runs them,
// oldest first, grouped so that orgs owing the same period share one set of queries. Beside the
// ticks a heartbeat (store/heartbeats.ts) pings the lock connection and tells `status` that this
// process can work.
//
// Exactly once across processes: a run takes the advisory lock of its (org, job, period)
// (jobs/claims.ts, store/runs.ts) and, holding it, checks the ledger for a success before doing
// anything; a partial unique index on runs backs this up. Digests have their own ledger
// (mail/ledger.ts).
import cron, { type ScheduledTask } from 'node-cron';
import pg from 'pg';
import type { Db } from '../db/connect.ts';
import { listOrgs, type GlificOrg } from '../extract/orgs.ts';
import { isIanaZone } from '../lib/calendar.ts';
import type { Log } from '../lib/log.ts';
import { failDeadRuns, failOwnRunning, periodHistory, RunLocks } from '../store/runs.ts';
import { beat, removeBeat, STALE_BEATS, tickEnded } from '../store/heartbeats.ts';
import { deliverOwed, type OwedDeliveries } from './deliveries.ts';
import { schedulerClaims } from './claims.ts';
import { runJob, type PlannedOrg, type RunDeps, type RunSummary } from './run.ts';
import { owedPeriods, periodKey, windowBounds, type Owed, type PeriodHistory, type ScheduleConfig, type ScheduledOrg } from './fire-times.ts';

export interface SchedulerDeps {
  glific: Db;
  store: Db;
  log: Log;
  now: () => Date;
  config: ScheduleConfig;
  fallbackZone: string;
  /** The rest of a run's dependencies (output dir, site and digest steps) for a run at `now`. */
  runDeps: (now: Date) => Pick<RunDeps, 'outputDir' | 'publishSite' | 'sendDigests' | 'rateCard'>;
  site?: boolean;
  email?: boolean;
  /** How often to tick and beat, in seconds (a divisor of 60); default 60. */
  tickSeconds?: number;
}

export interface TickResult {
  owed: number;
  runs: RunSummary[];
  /** digests owed by earlier runs, and what became of them in this tick */
  deliveries?: OwedDeliveries;
  /** true when every run of the tick succeeded and no digest is still owed */
  ok: boolean;
  /** why the tick could not do its work (it is recorded in the heartbeat) */
  error?: string;
}

/** The zone the schedule uses for an org: its own, or the fallback when it has none usable. */
export function scheduleZone(org: GlificOrg, fallbackZone: string): string {
  return org.problem || !isIanaZone(org.timezone) ? fallbackZone : org.timezone;
}

/** Run history of every scheduled period in the catch-up window, keyed by periodKey. */
export async function readHistory(store: Db, cfg: ScheduleConfig, now: Date): Promise<Map<string, PeriodHistory>> {
  const out = new Map<string, PeriodHistory>();
  for (const r of await periodHistory(store, windowBounds(cfg, now).fromDay)) {
    out.set(periodKey(r.orgId, r.job, r.from, r.to), { succeeded: r.succeeded, failures: r.failures, lastFailedAt: r.lastFailedAt });
  }
  return out;
}

/** What is owed now, per the organizations Glific lists as reportable. */
export async function owedNow(deps: Pick<SchedulerDeps, 'glific' | 'store' | 'config' | 'fallbackZone'>, now: Date, opts: { ignoreBackoff?: boolean } = {}): Promise<{ orgs: GlificOrg[]; owed: Owed[] }> {
  const orgs = await listOrgs(deps.glific, { fallbackZone: deps.fallbackZone });
  const scheduled: ScheduledOrg[] = orgs.map((o) => ({ id: o.id, shortcode: o.shortcode, zone: scheduleZone(o, deps.fallbackZone) }));
  const history = await readHistory(deps.store, deps.config, now);
  return { orgs, owed: owedPeriods(scheduled, deps.config, now, (k) => history.get(k), opts) };
}

export class Scheduler {
  private task?: ScheduledTask;
  private current?: Promise<unknown>;
  private stopping = false;
  private locks?: RunLocks;
  private beatTimer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  private readonly startedAt: Date;

  constructor(private deps: SchedulerDeps) {
    this.startedAt = deps.now();
  }

  private get tickSeconds(): number {
    return this.deps.tickSeconds ?? 60;
  }

  get isStopping(): boolean {
    return this.stopping;
  }

  private async lockConnection(): Promise<RunLocks> {
    // RunLocks takes a new connection by itself once the one holding the locks is lost.
    this.locks ??= await RunLocks.open(this.deps.store, { log: this.deps.log });
    return this.locks;
  }

  /** One pass: fail dead runs, then run everything owed, oldest first. */
  async tick(opts: { ignoreBackoff?: boolean } = {}): Promise<TickResult> {
    const { deps } = this;
    const now = deps.now();
    const locks = await this.lockConnection();
    for (const d of await failDeadRuns(deps.store, locks, now)) deps.log('run.dead', { ...d, why: 'its process is gone; marked failed, to be redone' });
    const { orgs, owed } = await owedNow(deps, now, opts);
    const orgsById = new Map(orgs.map((o) => [o.id, o]));
    deps.log('tick', { at: now.toISOString(), owed: owed.length });
    const result: TickResult = { owed: owed.length, runs: [], ok: true };

    // Digests earlier runs still owe, from the store: nothing is computed again for them.
    if (deps.email !== false) {
      const deliveryNow = deps.now();
      const runDeps = deps.runDeps(deliveryNow);
      const step = runDeps.sendDigests;
      if (step) {
        result.deliveries = await deliverOwed({
          rateCard: runDeps.rateCard,
          store: deps.store,
          log: deps.log,
          now: deliveryNow,
          clock: deps.now,
          locks,
          orgs: orgsById,
          giveUpBefore: new Date(deliveryNow.getTime() - deps.config.catchupDays * 86_400_000),
          sendDigests: step,
          shouldStop: () => this.stopping,
        });
        if (result.deliveries.owed > 0) result.ok = false;
      }
    }

    // Orgs owing the same period with the same trigger run together.
    const groups = new Map<string, Owed[]>();
    for (const o of owed) {
      const k = `${o.job}|${o.from}|${o.to}|${o.trigger}`;
      groups.set(k, [...(groups.get(k) ?? []), o]);
    }
    for (const group of groups.values()) {
      if (this.stopping) break;
      const { job, from, to, trigger } = group[0];
      const plan: PlannedOrg[] = group.filter((o) => orgsById.has(o.orgId)).map((o) => ({ org: orgsById.get(o.orgId)!, from: o.from, to: o.to, dueAt: o.dueAt }));
      const runNow = deps.now();
      const summary = await runJob(
        { job, trigger, site: deps.site, email: deps.email, ...(job === 'daily' ? { date: from } : { month: from.slice(0, 7) }) },
        {
          glific: deps.glific,
          store: deps.store,
          now: runNow,
          clock: deps.now,
          log: deps.log,
          fallbackZone: deps.fallbackZone,
          ...deps.runDeps(runNow),
          claims: schedulerClaims(deps.store, locks, deps.log, runNow),
          shouldStop: () => this.stopping,
        },
        plan,
      );
      if (!summary.orgs.length) continue;
      result.runs.push(summary);
      deps.log('run.finished', {
        job,
        trigger,
        from,
        to,
        ok: summary.exitCode === 0,
        orgs: summary.orgs.map((o) => ({ org: o.shortcode, status: o.status, late: o.late ?? false, dueAt: o.dueAt, rows: o.rows, error: o.error })),
      });
      if (summary.exitCode !== 0) {
        result.ok = false;
        // Glific gone: the rest of the list would only fail the same way; the next tick retries.
        if (summary.orgs.every((o) => o.status === 'failed') && !(await this.glificAnswers())) {
          deps.log('tick.aborted', { why: 'the Glific database does not answer; retrying on a later tick' });
          result.error = 'the Glific database does not answer';
          break;
        }
      }
    }
    return result;
  }

  private async glificAnswers(): Promise<boolean> {
    try {
      await this.deps.glific.raw('SELECT 1');
      return true;
    } catch {
      return false;
    }
  }

  /** Tick now and then every tick interval, until stop(); beat the heartbeat as often. */
  start(): void {
    const run = () => {
      if (this.current || this.stopping) return;
      this.current = this.tick()
        .then((r) => this.recordTick(r.error))
        .catch((err) => {
          const error = (err as Error)?.message ?? String(err);
          this.deps.log('tick.failed', { error });
          return this.recordTick(error);
        })
        .finally(() => (this.current = undefined));
    };
    const every = this.tickSeconds === 60 ? '* * * * *' : `*/${this.tickSeconds} * * * * *`;
    this.task = cron.schedule(every, run, { timezone: 'UTC', name: 'glific-reports tick', noOverlap: true });
    // Dead rows of this host (a process killed before it could remove its own) would only confuse `status`.
    void removeBeat(this.deps.store, { staleBefore: new Date(this.deps.now().getTime() - STALE_BEATS * this.tickSeconds * 1000) }).catch(() => {});
    this.beatTimer = setInterval(() => void this.heartbeat(), this.tickSeconds * 1000);
    void this.heartbeat();
    run();
  }

  /**
   * The heartbeat, also while a long run is in hand: ping the lock connection (a connection whose
   * peer vanished is only noticed by asking), then record that this process is alive.
   */
  private heartbeat(): Promise<void> {
    this.beating ??= (async () => {
      try {
        if (this.locks) await this.locks.ping();
        await beat(this.deps.store, { startedAt: this.startedAt, at: this.deps.now(), tickSeconds: this.tickSeconds });
      } catch (err) {
        this.deps.log('heartbeat.failed', { error: (err as Error)?.message ?? String(err) });
      } finally {
        this.beating = undefined;
      }
    })();
    return this.beating;
  }

  private async recordTick(error?: string): Promise<void> {
    try {
      await tickEnded(this.deps.store, { startedAt: this.startedAt, at: this.deps.now(), tickSeconds: this.tickSeconds, error });
    } catch (err) {
      this.deps.log('heartbeat.failed', { error: (err as Error)?.message ?? String(err) });
    }
  }

  /**
   * Stop taking work; cancel in-flight Glific queries (read-only, so nothing is lost: the org
   * in hand fails and is redone), let a store transaction in progress commit or roll back,
   * release the locks. After `graceMs` the process's own `running` rows are failed regardless.
   */
  async stop(graceMs = 20_000): Promise<{ clean: boolean }> {
    this.stopping = true;
    await this.task?.stop();
    await this.task?.destroy();
    clearInterval(this.beatTimer);
    const deadline = Date.now() + graceMs;
    let clean = true;
    while (this.current) {
      await cancelQueries(this.deps.glific);
      const done = await Promise.race([this.current.then(() => true), new Promise((r) => setTimeout(() => r(false), 500))]);
      if (done) break;
      if (Date.now() > deadline) {
        clean = false;
        break;
      }
    }
    if (!clean) {
      await failOwnRunning(this.deps.store, 'stopped before it finished (shutdown grace exceeded); the next run redoes it', this.deps.now()).catch(() => {});
    }
    await this.locks?.close().catch(() => {});
    this.locks = undefined;
    await this.beating;
    if (this.beatTimer) await removeBeat(this.deps.store).catch(() => {});
    return { clean };
  }

  /** `schedule --once`: one tick and back. */
  async once(opts: { ignoreBackoff?: boolean } = {}): Promise<TickResult> {
    this.current = this.tick(opts);
    try {
      return (await this.current) as TickResult;
    } finally {
      this.current = undefined;
      if (!this.stopping) {
        await this.locks?.close();
        this.locks = undefined;
      }
    }
  }
}

/**
 * Cancel the queries this process has running on a database: its own pool connections only,
 * never another process's, over a connection of its own (the pool may be all in use).
 */
async function cancelQueries(db: Db): Promise<void> {
  // knex keeps its pool (tarn) on the client; each used resource is a node-pg Client.
  const client = db.client as { pool?: { used?: Array<{ resource?: { processID?: number } }> }; config?: { connection?: { connectionString?: string } } };
  const pids = (client.pool?.used ?? []).map((u) => u.resource?.processID).filter((p): p is number => typeof p === 'number');
  const url = client.config?.connection?.connectionString;
  if (!pids.length || !url) return;
  const c = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await c.connect();
    await c.query('SELECT pg_cancel_backend(pid) FROM unnest($1::int[]) AS pid', [pids]);
  } catch {
    // the database may be gone already; the grace deadline covers that
  } finally {
    await c.end().catch(() => {});
  }
}
