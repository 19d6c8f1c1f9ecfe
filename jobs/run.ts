// The `run daily|monthly|range` job: which days per org, compute, store (one transaction per
// org), then data files, site and digests. Side effects come in through RunDeps; the run ledger
// and the locks are store/runs.ts.
import pLimit from 'p-limit';
import type { Db } from '../db/connect.ts';
import { UsageError } from '../config/errors.ts';
import { isIanaZone } from '../lib/calendar.ts';
import { listOrgs, type GlificOrg } from '../extract/orgs.ts';
import { computeMetrics, type OrgComputation } from '../metrics/compute.ts';
import type { PeriodSpec } from '../metrics/distinct.sql.ts';
import { addDays, addMonths, isValidDay, isValidMonth, localDay, firstOfMonth, lastOfMonth, monthOf, monthsInside } from '../lib/calendar.ts';
import type { OrgReport } from '../metrics/report.ts';
import type { RateCard } from '../config/rate-card.ts';
import { chainStore } from '../store/chains.ts';
import { readOrgReports } from '../store/read.ts';
import { rollingPeriods } from '../store/rolling.ts';
import { writeOrgComputation } from '../store/write.ts';
import { saveOrg } from '../store/orgs.ts';
import { insertRunningMany, lockOrgWrites, markDelivering, markFailed, markStored, markSucceeded, type JobKind, type Trigger } from '../store/runs.ts';
import { writeSiteDataFiles } from '../publish/exports.ts';
import type { Log } from '../lib/log.ts';
import { withRetry } from './retry.ts';
import { collectGarbage } from '../lib/memory.ts';

export type { JobKind, Trigger };

export interface RunRequest {
  job: JobKind;
  date?: string;
  month?: string;
  from?: string;
  to?: string;
  orgs?: string[];
  site?: boolean;
  email?: boolean;
  resend?: boolean;
  recapture?: boolean;
  trigger?: Trigger;
}

/** One org's period in a run; `lateSince` is set when the run started long after it was due. */
export interface RunPeriod {
  from: string;
  to: string;
  lateSince?: string;
}

/**
 * What one org's digests came to: `done` (every recipient sent, previewed, or refused for good —
 * a refusal is reported, it does not fail the run), `owed` (some are pending or held by another
 * run: the scheduler delivers them later from the ledger) or `failed` (the digest could not be made).
 */
export interface OrgStepResult {
  state: 'done' | 'owed' | 'failed';
  summary: Record<string, unknown>;
  error?: string;
}

export interface StepResult {
  ok: boolean;
  summary: Record<string, unknown>;
  /** Per organization id, for a step that reports each org on its own (the digests). */
  orgs?: Map<number, OrgStepResult>;
}

export interface PublishStep {
  (reports: OrgReport[], req: RunRequest, periods: Map<string, RunPeriod>): Promise<StepResult>;
}

export interface RunDeps {
  glific: Db;
  store: Db;
  now: Date;
  /** The clock of the run ledger's times (stored, finished); the system clock when not given. */
  clock?: () => Date;
  log: Log;
  outputDir: string;
  fallbackZone: string;
  /** Builds and publishes the site (skipped with --no-site). */
  publishSite?: PublishStep;
  /** Sends or previews the digests (skipped with --no-email). */
  sendDigests?: PublishStep;
  /** Who else is running these periods (jobs/claims.ts); without it the run takes no locks. */
  claims?: RunClaims;
  /** Asked between stages: true once the process has been told to stop (SIGTERM). */
  shouldStop?: () => boolean;
  /** The operator's prices for an estimated cost on pages and digests (REPORTS_RATE_CARD). */
  rateCard?: RateCard | null;
}

/**
 * Exclusive claims on (org, job, period) for the length of a run. `acquire` returns the planned
 * orgs the run may go ahead with (a scheduler drops those another process holds or has done).
 */
export interface RunClaims {
  acquire(plan: PlannedOrg[], job: JobKind): Promise<PlannedOrg[]>;
  release(): Promise<void>;
}

export interface OrgOutcome {
  shortcode: string;
  from: string;
  to: string;
  /** delivering: data stored and published, some digests still owed (docs/OPERATIONS.md) */
  status: 'succeeded' | 'delivering' | 'failed';
  error?: string;
  /** this org's own digests: sent, skipped, pending, held, failed, and who failed */
  email?: Record<string, unknown>;
  runId?: number;
  rows?: number;
  ms?: number;
  /** when the schedule wanted this period done; set for scheduled and catch-up runs */
  dueAt?: string;
  /** run well after it was due (catch-up after downtime) */
  late?: boolean;
}

export interface RunSummary {
  job: JobKind;
  trigger: Trigger;
  startedAt: string;
  finishedAt: string;
  orgs: OrgOutcome[];
  site?: Record<string, unknown>;
  email?: Record<string, unknown>;
  exitCode: 0 | 1;
}

/** The local days each org's run covers, checked before anything is read or written. */
export function periodFor(req: RunRequest, zone: string, now: Date): { from: string; to: string } {
  const today = localDay(now, zone);
  if (req.job === 'daily') {
    const day = req.date ?? addDays(today, -1);
    if (day > today) throw new UsageError(`--date ${day} is in the future (today is ${today} in ${zone})`);
    return { from: day, to: day };
  }
  if (req.job === 'monthly') {
    const month = req.month ?? addMonths(monthOf(today), -1);
    if (firstOfMonth(month) > today) throw new UsageError(`--month ${month} is in the future (today is ${today} in ${zone})`);
    return { from: firstOfMonth(month), to: lastOfMonth(month) };
  }
  if (req.to! > today) throw new UsageError(`--to ${req.to} is in the future (today is ${today} in ${zone}); a range may end today at the latest`);
  return { from: req.from!, to: req.to! };
}

export function validateRequest(req: RunRequest): void {
  if (req.job === 'daily' && req.date !== undefined && !isValidDay(req.date)) throw new UsageError(`--date must be a real calendar day as YYYY-MM-DD (got "${req.date}")`);
  if (req.job === 'monthly' && req.month !== undefined && !isValidMonth(req.month)) throw new UsageError(`--month must be YYYY-MM (got "${req.month}")`);
  if (req.job === 'range') {
    if (req.from === undefined || req.to === undefined) throw new UsageError('run range needs both --from YYYY-MM-DD and --to YYYY-MM-DD');
    if (!isValidDay(req.from)) throw new UsageError(`--from must be a real calendar day as YYYY-MM-DD (got "${req.from}")`);
    if (!isValidDay(req.to)) throw new UsageError(`--to must be a real calendar day as YYYY-MM-DD (got "${req.to}")`);
    if (req.from > req.to) throw new UsageError(`--from ${req.from} is after --to ${req.to}`);
  }
}

function periodsFor(req: RunRequest, orgId: number, from: string, to: string): PeriodSpec[] {
  const specs: PeriodSpec[] = monthsInside(from, to).map((m) => ({ orgId, kind: 'month' as const, from: firstOfMonth(m), to: lastOfMonth(m) }));
  if (req.job === 'range') specs.push({ orgId, kind: 'range', from, to });
  return specs;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e)).split('\n')[0];

export interface PlannedOrg {
  org: GlificOrg;
  from: string;
  to: string;
  /** the fire time of the schedule this run answers (scheduler only) */
  dueAt?: Date;
}

/** Everything that can be wrong with the request, found before anything is written. */
export async function planRun(req: RunRequest, deps: Pick<RunDeps, 'glific' | 'now' | 'fallbackZone'>): Promise<PlannedOrg[]> {
  validateRequest(req);
  const orgs = await listOrgs(deps.glific, { shortcodes: req.orgs, fallbackZone: deps.fallbackZone });
  // An org whose zone is unusable still gets a period (in the fallback zone), so that its run is
  // recorded as failed with the reason while the other orgs go on.
  return orgs.map((o) => ({ org: o, ...periodFor(req, o.problem || !isIanaZone(o.timezone) ? deps.fallbackZone : o.timezone, deps.now) }));
}

export async function runJob(req: RunRequest, deps: RunDeps, plan?: PlannedOrg[]): Promise<RunSummary> {
  const trigger = req.trigger ?? 'manual';
  const startedAt = deps.now.toISOString();
  const planned0 = plan ?? (await planRun(req, deps));
  const planned = deps.claims ? await deps.claims.acquire(planned0, req.job) : planned0;
  try {
    return await runClaimed(req, deps, planned, trigger, startedAt);
  } finally {
    await deps.claims?.release();
  }
}

/** Org transactions written at once. */
export const STORE_CONCURRENCY = 2;

/** Orgs whose reports a run without a site holds at once for their data files. */
const DATA_BATCH = 5;

// A late run is one started more than an hour after its fire time (a missed night, downtime).
const LATE_AFTER_MS = 60 * 60 * 1000;

async function runClaimed(req: RunRequest, deps: RunDeps, planned: PlannedOrg[], trigger: Trigger, startedAt: string): Promise<RunSummary> {
  const outcomes = new Map<number, OrgOutcome>();
  const t0 = Date.now();
  const stopped = () => !!deps.shouldStop?.();
  const clock = deps.clock ?? (() => new Date());

  const lates = planned.map((p) => !!p.dueAt && deps.now.getTime() - p.dueAt.getTime() > LATE_AFTER_MS);
  const runIds = await insertRunningMany(
    deps.store,
    planned.map((p, i) => ({ job: req.job, trigger, orgId: p.org.id, shortcode: p.org.shortcode, from: p.from, to: p.to, startedAt: deps.now, dueAt: p.dueAt, late: lates[i] })),
  );
  for (const [i, p] of planned.entries()) {
    if (p.org.timezoneIsFallback) deps.log('timezone.fallback', { org: p.org.shortcode, zone: p.org.timezone, why: 'organizations.timezone is NULL' });
    const late = lates[i];
    const o: OrgOutcome = { shortcode: p.org.shortcode, from: p.from, to: p.to, status: 'failed', runId: runIds[i] };
    if (p.dueAt) {
      o.dueAt = p.dueAt.toISOString();
      if (late) o.late = true;
    }
    outcomes.set(p.org.id, o);
  }
  const fail = async (org: GlificOrg, error: string) => {
    const o = outcomes.get(org.id)!;
    o.status = 'failed';
    o.error = error;
    await markFailed(deps.store, [o.runId!], error, clock());
    deps.log('org.failed', { org: org.shortcode, error });
  };

  const STOPPED = 'stopped before it finished (the process was asked to stop); the next run redoes it';
  let good = planned.filter((p) => !p.org.problem);
  for (const p of planned) if (p.org.problem) await fail(p.org, p.org.problem);
  if (stopped()) {
    for (const p of good) await fail(p.org, STOPPED);
    good = [];
  }

  const compute = (batch: typeof good) =>
    withRetry(
      () =>
        computeMetrics(deps.glific, {
          now: deps.now,
          orgs: batch.map((p) => ({ orgId: p.org.id, tz: p.org.timezone, from: p.from, to: p.to })),
          periods: batch.flatMap((p) => periodsFor(req, p.org.id, p.from, p.to)),
          chains: chainStore(deps.store),
          onStage: (stage, ms, rows) => deps.log('stage', { stage, orgs: batch.length, ms, rows, rssMb: Math.round(process.memoryUsage.rss() / 2 ** 20) }),
        }),
      { onRetry: (err, attempt, delayMs) => deps.log('retry', { stage: 'compute', attempt, delayMs, error: errorText(err) }) },
    );

  // All orgs in one set of queries; if that fails, each org alone, so one org cannot sink the others.
  let results = new Map<number, OrgComputation>();
  if (good.length) {
    try {
      results = await compute(good);
    } catch (err) {
      if (good.length === 1) await fail(good[0].org, errorText(err));
      else {
        deps.log('compute.isolating', { error: errorText(err) });
        for (const p of good) {
          if (stopped()) {
            await fail(p.org, STOPPED);
            continue;
          }
          try {
            const one = await compute([p]);
            for (const [k, v] of one) results.set(k, v);
          } catch (e) {
            await fail(p.org, errorText(e));
          }
        }
      }
    }
  }

  // A range's pass over its messages leaves a heap of garbage: collected before the store phase
  // adds its own, the process stays well below its peak (lib/memory.ts). A day's run has little.
  if (planned.some((p) => p.from < p.to)) collectGarbage();

  // Each org in its own transaction, two at a time (most of a write is round trips); the
  // outcomes keep the planned order whatever order the writes end in.
  const storeLimit = pLimit(STORE_CONCURRENCY);
  const stored = await Promise.all(
    good.map((p) =>
      storeLimit(async (): Promise<GlificOrg | null> => {
        const c = results.get(p.org.id);
        if (!c) return null;
        // Stored or failed, it is not needed again: a range's id sets and chain states can go
        // before the reports are read (the peak memory of a range run was there).
        results.delete(p.org.id);
        const o = outcomes.get(p.org.id)!;
        if (stopped()) {
          await fail(p.org, STOPPED);
          return null;
        }
        const tStore = Date.now();
        try {
          const rows = await withRetry(() =>
            deps.store.transaction(async (trx) => {
              // Two runs for one org write one after the other, never interleaved.
              await lockOrgWrites(trx, p.org.id);
              await saveOrg(trx, p.org, deps.now);
              const n = await writeOrgComputation(trx, c, { runId: o.runId!, now: deps.now, recapture: !!req.recapture });
              // Still running: it succeeds once its site and digests are out (below).
              await markStored(trx, o.runId!, n, clock());
              return n;
            }),
          );
          o.status = 'succeeded';
          o.rows = rows;
          o.ms = Date.now() - t0;
          deps.log('org.stored', { org: p.org.shortcode, from: p.from, to: p.to, rows, ms: Date.now() - tStore });
          return p.org;
        } catch (err) {
          await fail(p.org, errorText(err));
          return null;
        }
      }),
    ),
  );
  const succeeded = stored.filter((o): o is GlificOrg => o !== null);

  const summary: RunSummary = { job: req.job, trigger, startedAt, finishedAt: '', orgs: [...outcomes.values()], exitCode: 0 };
  // The data files are always written; when the site is published they are part of it (the
  // publisher writes them into the new site), so they are not written twice.
  const publishing = req.site !== false && !!deps.publishSite;
  const digesting = req.email !== false && !!deps.sendDigests && req.job !== 'range';
  const reports: OrgReport[] = [];
  if (publishing || digesting) {
    const tRead = Date.now();
    for (const report of await readOrgReports(deps.store, succeeded.map((o) => o.id), deps.now)) {
      // The rolling periods are pages of the site only.
      reports.push({ ...report, rolling: publishing ? await rollingPeriods(deps.store, report, deps.now) : undefined, rateCard: deps.rateCard ?? null });
    }
    if (reports.length) deps.log('reports.read', { orgs: reports.length, ms: Date.now() - tRead });
  }
  if (!publishing && reports.length) {
    // Read for the digests already: their data files from the same reports.
    const t0 = Date.now();
    await writeSiteDataFiles(reports, deps.outputDir, { log: deps.log });
    deps.log('data.written', { orgs: reports.length, ms: Date.now() - t0 });
  } else if (!publishing && succeeded.length) {
    // The data files alone need one org's report at a time: read a few orgs while the files of
    // the few before are written, so that memory holds two batches, not every org's history.
    const t0 = Date.now();
    const batches: GlificOrg[][] = [];
    for (let i = 0; i < succeeded.length; i += DATA_BATCH) batches.push(succeeded.slice(i, i + DATA_BATCH));
    const read = (batch: GlificOrg[]) => readOrgReports(deps.store, batch.map((o) => o.id), deps.now);
    let next: Promise<OrgReport[]> | null = read(batches[0]);
    for (let i = 0; next; i++) {
      const batch = await next;
      next = i + 1 < batches.length ? read(batches[i + 1]) : null;
      next?.catch(() => undefined); // thrown when awaited, after this batch's files
      await writeSiteDataFiles(batch, deps.outputDir, { log: deps.log });
    }
    deps.log('data.written', { orgs: succeeded.length, ms: Date.now() - t0 });
  }
  const periods = new Map<string, RunPeriod>(
    planned.map((p) => [p.org.shortcode, { from: p.from, to: p.to, lateSince: outcomes.get(p.org.id)?.late ? outcomes.get(p.org.id)?.dueAt : undefined }]),
  );
  let siteOk = true;
  if (publishing && reports.length) {
    const r = await deps.publishSite!(reports, req, periods);
    summary.site = r.summary;
    siteOk = r.ok;
  }
  let digests: StepResult | undefined;
  if (req.email !== false && deps.sendDigests && reports.length && req.job !== 'range') {
    digests = await deps.sendDigests(reports, req, periods);
    summary.email = digests.summary;
  }
  // Each stored org ends on its own outcome: a failed site fails them all (catch-up redoes them);
  // digests count per org, so one org's refused address never touches another org's run.
  const finished = clock();
  const succeededIds: number[] = [];
  for (const org of succeeded) {
    const o = outcomes.get(org.id)!;
    const mine = digests?.orgs?.get(org.id);
    if (mine) o.email = mine.summary;
    let state: OrgOutcome['status'] = 'succeeded';
    let error: string | undefined;
    if (!siteOk) {
      state = 'failed';
      error = `data stored, but the site step failed: ${JSON.stringify(summary.site)}`;
    } else if (digests && !digests.orgs && !digests.ok) {
      state = 'failed';
      error = `data stored, but the email step failed: ${JSON.stringify(summary.email)}`;
    } else if (mine?.state === 'failed') {
      state = 'failed';
      error = `data stored, but its digest could not be sent: ${mine.error ?? JSON.stringify(mine.summary)}`;
    } else if (mine?.state === 'owed') {
      state = 'delivering';
      error = `data stored and published; digests still owed, delivered by a later scheduler pass: ${mine.error ?? JSON.stringify(mine.summary)}`;
    }
    o.status = state;
    if (error) o.error = error.slice(0, 2000);
    if (state === 'succeeded') succeededIds.push(o.runId!);
    else if (state === 'delivering') await markDelivering(deps.store, [o.runId!], o.error!);
    else await markFailed(deps.store, [o.runId!], o.error!, finished);
  }
  await markSucceeded(deps.store, succeededIds, finished);
  summary.finishedAt = finished.toISOString();
  summary.exitCode = summary.orgs.every((o) => o.status === 'succeeded') ? 0 : 1;
  return summary;
}
