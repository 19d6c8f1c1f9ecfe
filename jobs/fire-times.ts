// When the scheduled jobs are due, per organization zone: cron fire times, the closed period each
// fire reports on, and the periods owed after a gap (catch-up). Pure: the clock and the run
// history come in as arguments.
//
// node-cron is used for parsing only. Its own matcher skips a wall time that does not exist (a
// daily 02:30 job in America/New_York would never fire on the spring-forward day, and that day's
// digest would never be owed). Here a wall time inside a DST gap fires at the same offset as
// just before the gap (02:30 EST → 07:30Z = 03:30 EDT); a wall time that happens twice fires
// once, at its first occurrence.
import type { Config } from '../config/env.ts';
import type { CronSchedule } from '../config/cron.ts';
import { addDays, addMonths, localDay, firstOfMonth, lastOfMonth, monthOf, zonedInstant } from '../lib/calendar.ts';

// Cron parsing is part of reading the configuration (config/cron.ts).
export { parseCron, DEFAULT_DAILY_CRON, DEFAULT_MONTHLY_CRON, type CronSchedule } from '../config/cron.ts';

export type ScheduledJob = 'daily' | 'monthly';

export interface ScheduleConfig {
  daily: CronSchedule;
  monthly: CronSchedule;
  catchupDays: number;
}

/** A period whose fire time is older than this when it is run is run as catch-up, i.e. late. */
export const ON_TIME_MS = 10 * 60 * 1000;

/** The schedule part of the configuration (REPORTS_DAILY_CRON, REPORTS_MONTHLY_CRON, REPORTS_CATCHUP_DAYS). */
export function scheduleConfig(config: Pick<Config, 'dailyCron' | 'monthlyCron' | 'catchupDays'>): ScheduleConfig {
  return { daily: config.dailyCron, monthly: config.monthlyCron, catchupDays: config.catchupDays };
}

function dayMatches(c: CronSchedule, day: string): boolean {
  const [y, mo, d] = day.split('-').map(Number);
  if (!c.months.includes(mo)) return false;
  const last = Number(lastOfMonth(day.slice(0, 7)).slice(8));
  if (!c.daysOfMonth.some((v) => v === d || (v === 'L' && d === last))) return false;
  return c.daysOfWeek.includes(new Date(Date.UTC(y, mo - 1, d)).getUTCDay());
}

/** Fire instants of a cron schedule in a zone, in (after, until], ascending. */
export function fireTimes(c: CronSchedule, zone: string, after: Date, until: Date): Date[] {
  const out = new Map<number, Date>();
  const last = addDays(localDay(until, zone), 1);
  for (let day = addDays(localDay(after, zone), -1); day <= last; day = addDays(day, 1)) {
    if (!dayMatches(c, day)) continue;
    for (const h of c.hours) {
      for (const m of c.minutes) {
        const t = zonedInstant(day, h, m, zone);
        if (t > after && t <= until) out.set(t.getTime(), t);
      }
    }
  }
  return [...out.values()].sort((a, b) => a.getTime() - b.getTime());
}

/** The next fire instant after `after` (looks up to a year and a bit ahead), or null. */
export function nextFireTime(c: CronSchedule, zone: string, after: Date): Date | null {
  for (let span = 2; span <= 400; span *= 4) {
    const [first] = fireTimes(c, zone, after, new Date(after.getTime() + span * 86_400_000));
    if (first) return first;
  }
  return null;
}

/** The closed period a fire reports on: the local day, or month, before the one it fires in. */
export function periodOfFire(job: ScheduledJob, fire: Date, zone: string): { from: string; to: string } {
  const today = localDay(fire, zone);
  if (job === 'daily') {
    const d = addDays(today, -1);
    return { from: d, to: d };
  }
  const m = addMonths(monthOf(today), -1);
  return { from: firstOfMonth(m), to: lastOfMonth(m) };
}

export interface ScheduledOrg {
  id: number;
  shortcode: string;
  zone: string;
}

export interface PeriodHistory {
  /** a run of this (org, job, period) has succeeded, whatever its trigger */
  succeeded: boolean;
  /** failed attempts so far, and when the last one ended */
  failures: number;
  lastFailedAt?: Date;
}

export interface Owed {
  orgId: number;
  shortcode: string;
  zone: string;
  job: ScheduledJob;
  from: string;
  to: string;
  /** the fire time this period was due at */
  dueAt: Date;
  trigger: 'schedule' | 'catch-up';
}

export const periodKey = (orgId: number, job: string, from: string, to: string) => `${orgId}|${job}|${from}|${to}`;

/** Wait before retrying a failed period: 5 min, doubling, at most 6 h. */
export function retryDelayMs(failures: number): number {
  return failures <= 0 ? 0 : Math.min(5 * 60_000 * 2 ** (failures - 1), 6 * 3_600_000);
}

/**
 * Every (org, job, period) whose fire time lies in the catch-up window (now − catchupDays, now]
 * and that has no successful run, oldest period first (daily before monthly on a tie). A period
 * that failed recently waits for its retry delay unless `ignoreBackoff`.
 */
export function owedPeriods(
  orgs: ScheduledOrg[],
  cfg: ScheduleConfig,
  now: Date,
  history: (key: string) => PeriodHistory | undefined,
  opts: { ignoreBackoff?: boolean } = {},
): Owed[] {
  const windowStart = new Date(now.getTime() - cfg.catchupDays * 86_400_000);
  const out: Owed[] = [];
  for (const org of orgs) {
    for (const job of ['daily', 'monthly'] as const) {
      const seen = new Set<string>();
      for (const fire of fireTimes(cfg[job], org.zone, windowStart, now)) {
        const p = periodOfFire(job, fire, org.zone);
        const key = periodKey(org.id, job, p.from, p.to);
        if (seen.has(key)) continue; // several fires for one period: the first one counts
        seen.add(key);
        const h = history(key);
        if (h?.succeeded) continue;
        if (!opts.ignoreBackoff && h?.failures && h.lastFailedAt && now.getTime() < h.lastFailedAt.getTime() + retryDelayMs(h.failures)) continue;
        out.push({ orgId: org.id, shortcode: org.shortcode, zone: org.zone, job, ...p, dueAt: fire, trigger: now.getTime() - fire.getTime() <= ON_TIME_MS ? 'schedule' : 'catch-up' });
      }
    }
  }
  return out.sort((a, b) => (a.to < b.to ? -1 : a.to > b.to ? 1 : a.job === b.job ? a.orgId - b.orgId : a.job === 'daily' ? -1 : 1));
}

/** The periods a catch-up window looks at, for reading their run history in one query. */
export function windowBounds(cfg: ScheduleConfig, now: Date): { fromDay: string } {
  // The oldest period a fire inside the window can report on: the month before the window's start.
  const start = new Date(now.getTime() - (cfg.catchupDays + 2) * 86_400_000);
  return { fromDay: firstOfMonth(addMonths(monthOf(start.toISOString().slice(0, 10)), -1)) };
}
