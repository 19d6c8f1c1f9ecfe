// Claims: which planned orgs a run may go ahead with, by the run locks of store/runs.ts. A
// manual run waits for a period another process is running; a scheduled run skips it.
import type { Db } from '../db/connect.ts';
import type { Log } from '../lib/log.ts';
import { donePeriods, failOrphans, type RunKey, type RunLocks } from '../store/runs.ts';
import type { JobKind, PlannedOrg, RunClaims } from './run.ts';

export const runKey = (p: PlannedOrg, job: JobKind): RunKey => ({ orgId: p.org.id, job, from: p.from, to: p.to });

/**
 * Claims for a manual run: wait for each org's lock in org order (two manual runs cannot
 * deadlock), so that a manual run never overlaps a scheduled run of the same period.
 */
export function waitingClaims(locks: RunLocks, log?: Log): RunClaims {
  const taken: RunKey[] = [];
  return {
    async acquire(plan, job) {
      // Nobody else running any of them (the usual case): all in one round trip.
      const all = plan.map((p) => runKey(p, job));
      if (await locks.tryTakeAll(all)) {
        taken.push(...all);
        return plan;
      }
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
      await locks.releaseAll(taken.splice(0));
    },
  };
}

/**
 * Claims for a scheduled run: take each org's lock without waiting; an org held by another
 * process, or already done by the time the lock is ours, is dropped from this run.
 */
export function schedulerClaims(store: Db, locks: RunLocks, log: Log, now: Date): RunClaims {
  const taken: RunKey[] = [];
  return {
    async acquire(plan, job) {
      // In three round trips for all orgs: the locks, which periods are done, the orphans.
      const keys = plan.map((p) => runKey(p, job));
      const got = await locks.tryTakeEach(keys);
      // Read once the locks are held (what another process finished before is seen); a period
      // whose lock is held elsewhere is skipped whatever this says.
      const done = await donePeriods(store, keys);
      const keep: PlannedOrg[] = [];
      const kept: RunKey[] = [];
      const finished: RunKey[] = [];
      for (const [i, p] of plan.entries()) {
        if (!got[i]) {
          log('run.skipped', { org: p.org.shortcode, job, from: p.from, to: p.to, why: 'another process is running it' });
          continue;
        }
        if (done[i]) {
          finished.push(keys[i]);
          log('run.skipped', { org: p.org.shortcode, job, from: p.from, to: p.to, why: 'already done' });
          continue;
        }
        keep.push(p);
        kept.push(keys[i]);
      }
      await locks.releaseAll(finished);
      // The locks are ours, so any row still `running` belongs to a process that just died.
      await failOrphans(store, kept, now);
      taken.push(...kept);
      return keep;
    },
    async release() {
      await locks.releaseAll(taken.splice(0));
    },
  };
}
