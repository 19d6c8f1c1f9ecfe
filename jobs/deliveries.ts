// Digests still owed by runs whose data is stored and whose site is published (status
// `delivering`: SMTP was down or refusing, or another process's claim had not expired). Each
// scheduler tick hands them to the digest step again, built from the results store — nothing is
// computed again — and the delivery ledger sends each recipient its digest once. A run turns
// `succeeded` once none of its digests is owed, and `failed` if they are still owed when it has
// waited the whole catch-up window.
import type { Db } from '../db/connect.ts';
import type { GlificOrg } from '../extract/orgs.ts';
import type { Log } from '../lib/log.ts';
import type { OrgReport } from '../metrics/report.ts';
import type { RateCard } from '../config/rate-card.ts';
import { readOrgReport } from '../store/read.ts';
import { deliveringRuns, markDelivering, markFailed, markSucceeded, type LedgerRun, type RunKey, type RunLocks } from '../store/runs.ts';
import type { PublishStep, RunPeriod } from './run.ts';

export interface OwedDeliveryDeps {
  store: Db;
  log: Log;
  /** the instant of this pass: the digests' "now" and the ledger's stamps */
  now: Date;
  /** the clock of the run ledger's finish times */
  clock: () => Date;
  locks: RunLocks;
  /** the organizations reportable now, by id; a run of another org waits (or ages out) */
  orgs: Map<number, GlificOrg>;
  /** a run started before this whose digests are still owed is given up (failed) */
  giveUpBefore: Date;
  sendDigests: PublishStep;
  shouldStop?: () => boolean;
  /** The operator's prices for an estimated cost in digests (REPORTS_RATE_CARD). */
  rateCard?: RateCard | null;
}

export interface OwedDeliveries {
  /** runs that owed digests at the start of the pass */
  runs: number;
  /** runs still owing digests at its end */
  owed: number;
  outcomes: Array<{ shortcode: string; job: string; period: string; status: 'succeeded' | 'delivering' | 'failed'; email?: Record<string, unknown>; error?: string }>;
}

const keyOf = (r: LedgerRun): RunKey => ({ orgId: r.orgId, job: r.job, from: r.from, to: r.to });

export async function deliverOwed(deps: OwedDeliveryDeps): Promise<OwedDeliveries> {
  const all = await deliveringRuns(deps.store);
  const result: OwedDeliveries = { runs: all.length, owed: 0, outcomes: [] };
  const groups = new Map<string, LedgerRun[]>();
  for (const r of all) {
    if (r.startedAt < deps.giveUpBefore) {
      const error = `digests still owed after the whole catch-up window; given up (the ledger and \`status\` keep who did not get it): ${r.error ?? ''}`.slice(0, 2000);
      await markFailed(deps.store, [r.id], error, deps.clock());
      deps.log('delivery.given_up', { org: r.shortcode, job: r.job, from: r.from, to: r.to });
      result.outcomes.push({ shortcode: r.shortcode, job: r.job, period: r.from, status: 'failed', error });
      continue;
    }
    if (!deps.orgs.has(r.orgId)) {
      result.owed++;
      continue;
    }
    const k = `${r.job}|${r.from}|${r.to}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }

  for (const group of groups.values()) {
    if (deps.shouldStop?.()) {
      result.owed += group.length;
      continue;
    }
    const taken: LedgerRun[] = [];
    for (const r of group) {
      if (await deps.locks.tryTake(keyOf(r))) taken.push(r);
      else {
        // Another process is running or delivering this period; it will settle the run.
        result.owed++;
        deps.log('delivery.skipped', { org: r.shortcode, job: r.job, from: r.from, why: 'another process holds the period' });
      }
    }
    let sentSomething = false;
    let stillOwed = false;
    try {
      // Re-read under the locks: another process may have settled these runs meanwhile.
      const live = new Set((await deps.store('runs').whereIn('id', taken.map((r) => r.id)).where({ status: 'delivering' }).select('id')).map((x) => Number(x.id)));
      const runs = taken.filter((r) => live.has(r.id));
      if (!runs.length) continue;
      const reports: OrgReport[] = [];
      for (const r of runs) reports.push({ ...(await readOrgReport(deps.store, r.orgId, deps.now)), rateCard: deps.rateCard ?? null });
      const periods = new Map<string, RunPeriod>(
        runs.map((r, i) => [reports[i].org.shortcode, { from: r.from, to: r.to, lateSince: r.late && r.dueAt ? r.dueAt.toISOString() : undefined }]),
      );
      const { job, trigger } = runs[0];
      deps.log('delivery.retrying', { job, from: runs[0].from, orgs: runs.map((r) => r.shortcode) });
      const step = await deps.sendDigests(reports, { job, trigger }, periods);
      for (const r of runs) {
        const mine = step.orgs?.get(r.orgId);
        const state = mine?.state ?? (step.ok ? 'done' : 'owed');
        if (Number(mine?.summary.sent ?? 0) > 0) sentSomething = true;
        const base = { shortcode: r.shortcode, job: r.job, period: r.from, email: mine?.summary };
        if (state === 'done') {
          await markSucceeded(deps.store, [r.id], deps.clock());
          result.outcomes.push({ ...base, status: 'succeeded' });
          deps.log('delivery.done', { org: r.shortcode, job: r.job, from: r.from, email: mine?.summary });
        } else if (state === 'failed') {
          const error = `data stored, but its digest could not be sent: ${mine?.error ?? ''}`.slice(0, 2000);
          await markFailed(deps.store, [r.id], error, deps.clock());
          result.outcomes.push({ ...base, status: 'failed', error });
        } else {
          stillOwed = true;
          result.owed++;
          const error = `data stored and published; digests still owed, delivered by a later scheduler pass: ${mine?.error ?? JSON.stringify(step.summary)}`.slice(0, 2000);
          await markDelivering(deps.store, [r.id], error);
          result.outcomes.push({ ...base, status: 'delivering', error });
        }
      }
    } finally {
      for (const r of taken) await deps.locks.release(keyOf(r)).catch(() => {});
    }
    // Nothing went out and something is still owed: the server is still down or refusing; the
    // other periods would only wait on it too. The next tick tries again.
    if (stillOwed && !sentSomething) {
      const rest = [...groups.values()].slice([...groups.values()].indexOf(group) + 1);
      result.owed += rest.reduce((n, g) => n + g.length, 0);
      if (rest.length) deps.log('delivery.deferred', { runs: rest.reduce((n, g) => n + g.length, 0), why: 'the digests just tried are still owed and none went out' });
      break;
    }
  }
  return result;
}
