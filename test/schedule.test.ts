// When the scheduled jobs fire, per org zone, and what a scheduler owes after a gap. Pure: the
// clock is an argument.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../config/errors.ts';
import { readConfig } from '../config/env.ts';
import { fireTimes, nextFireTime, owedPeriods, parseCron, periodKey, periodOfFire, scheduleConfig, type PeriodHistory } from '../jobs/fire-times.ts';
import { zonedInstant } from '../lib/calendar.ts';
import { COMPUTE_STAGES, fractionDone, renderProgress } from '../jobs/progress.ts';

const daily = parseCron('30 2 * * *');
const monthly = parseCron('0 3 1 * *');
const iso = (ds: Date[]) => ds.map((d) => d.toISOString());
const fires = (c = daily, zone: string, from: string, to: string) => iso(fireTimes(c, zone, new Date(from), new Date(to)));

describe('daily fire times in the org zone', () => {
  it('America/New_York, spring forward (2026-03-08): 02:30 does not exist, the job fires at 03:30 EDT', () => {
    expect(fires(daily, 'America/New_York', '2026-03-06T00:00:00Z', '2026-03-10T00:00:00Z')).toEqual([
      '2026-03-06T07:30:00.000Z', // 02:30 EST
      '2026-03-07T07:30:00.000Z',
      '2026-03-08T07:30:00.000Z', // 03:30 EDT: just after the gap, never skipped
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
    ]);
    expect(periodOfFire('daily', new Date('2026-03-08T07:30:00Z'), 'America/New_York')).toEqual({ from: '2026-03-07', to: '2026-03-07' });
  });

  it('America/New_York, fall back (2026-11-01): 02:30 happens once; a repeated 01:30 fires once, the first time', () => {
    expect(fires(daily, 'America/New_York', '2026-10-31T00:00:00Z', '2026-11-03T00:00:00Z')).toEqual([
      '2026-10-31T06:30:00.000Z', // 02:30 EDT
      '2026-11-01T07:30:00.000Z', // 02:30 EST
      '2026-11-02T07:30:00.000Z',
    ]);
    expect(fires(parseCron('30 1 * * *'), 'America/New_York', '2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z')).toEqual(['2026-11-01T05:30:00.000Z']); // 01:30 EDT, not 06:30Z again
    expect(zonedInstant('2026-11-01', 1, 30, 'America/New_York').toISOString()).toBe('2026-11-01T05:30:00.000Z');
  });

  it('Asia/Kolkata (+05:30): 02:30 local is 21:00 UTC the day before, for the local day just closed', () => {
    expect(fires(daily, 'Asia/Kolkata', '2026-03-01T00:00:00Z', '2026-03-03T00:00:00Z')).toEqual(['2026-03-01T21:00:00.000Z', '2026-03-02T21:00:00.000Z']);
    expect(periodOfFire('daily', new Date('2026-03-01T21:00:00Z'), 'Asia/Kolkata')).toEqual({ from: '2026-03-01', to: '2026-03-01' });
    expect(nextFireTime(daily, 'Asia/Kolkata', new Date('2026-03-01T21:00:00Z'))!.toISOString()).toBe('2026-03-02T21:00:00.000Z');
  });
});

describe('monthly fire times', () => {
  it('on the 1st at 03:00 local, for the month just closed, across DST and offsets', () => {
    expect(fires(monthly, 'Asia/Kolkata', '2026-02-01T00:00:00Z', '2026-04-15T00:00:00Z')).toEqual(['2026-02-28T21:30:00.000Z', '2026-03-31T21:30:00.000Z']);
    expect(periodOfFire('monthly', new Date('2026-02-28T21:30:00Z'), 'Asia/Kolkata')).toEqual({ from: '2026-02-01', to: '2026-02-28' });
    // EST in March, EDT in April
    expect(fires(monthly, 'America/New_York', '2026-02-15T00:00:00Z', '2026-04-15T00:00:00Z')).toEqual(['2026-03-01T08:00:00.000Z', '2026-04-01T07:00:00.000Z']);
    expect(nextFireTime(monthly, 'America/New_York', new Date('2026-11-25T00:00:00Z'))!.toISOString()).toBe('2026-12-01T08:00:00.000Z');
  });
});

describe('configuration', () => {
  it('rejects bad cron expressions as usage errors naming the variable', () => {
    expect(() => readConfig({ REPORTS_DAILY_CRON: '61 2 * * *' })).toThrow(UsageError);
    expect(() => readConfig({ REPORTS_DAILY_CRON: 'at night' })).toThrow(/REPORTS_DAILY_CRON "at night"/);
    expect(() => readConfig({ REPORTS_MONTHLY_CRON: '0 0 3 1 * *' })).toThrow(/REPORTS_MONTHLY_CRON.*five fields/);
    const cfg = scheduleConfig(readConfig({ REPORTS_DAILY_CRON: '15 4 * * 1-5', REPORTS_CATCHUP_DAYS: '7' }));
    expect(cfg.daily.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(cfg.monthly.expr).toBe('0 3 1 * *');
  });
});

describe('catch-up after a gap', () => {
  const orgs = [
    { id: 1, shortcode: 'ny', zone: 'America/New_York' },
    { id: 2, shortcode: 'in', zone: 'Asia/Kolkata' },
  ];
  const cfg = { daily, monthly, catchupDays: 5 };

  it('owes every closed period in the window without a success, oldest first', () => {
    const now = new Date('2026-03-04T12:00:00Z');
    const history = new Map<string, PeriodHistory>([[periodKey(2, 'daily', '2026-03-02', '2026-03-02'), { succeeded: true, failures: 0 }]]);
    const owed = owedPeriods(orgs, cfg, now, (k) => history.get(k));
    expect(owed.map((o) => `${o.shortcode} ${o.job} ${o.from}`)).toEqual([
      'ny daily 2026-02-27', // fired 02-28 07:30Z, inside the window that starts 02-27 12:00Z
      'in daily 2026-02-27', // fired 02-27 21:00Z
      'ny daily 2026-02-28',
      'in daily 2026-02-28',
      'ny monthly 2026-02-01', // the month closes with its last day: after that day's daily run
      'in monthly 2026-02-01',
      'ny daily 2026-03-01',
      'in daily 2026-03-01',
      'ny daily 2026-03-02', // in's 03-02 already succeeded
      'ny daily 2026-03-03',
      'in daily 2026-03-03',
    ]);
    expect(owed.every((o) => o.trigger === 'catch-up')).toBe(true);
    expect(owed.find((o) => o.shortcode === 'in' && o.job === 'monthly')).toMatchObject({ from: '2026-02-01', to: '2026-02-28', dueAt: new Date('2026-02-28T21:30:00Z') });
  });

  it('is bounded by the window: a machine down for weeks owes only the last days', () => {
    const owed = owedPeriods(orgs, { ...cfg, catchupDays: 2 }, new Date('2026-03-20T12:00:00Z'), () => undefined);
    expect(owed.map((o) => `${o.shortcode} ${o.from}`)).toEqual(['ny 2026-03-18', 'in 2026-03-18', 'ny 2026-03-19', 'in 2026-03-19']);
  });

  it('a period due in the last minutes runs as schedule, not catch-up', () => {
    const owed = owedPeriods([orgs[1]], cfg, new Date('2026-03-04T21:01:00Z'), (k) => (k.includes('2026-03-04') ? undefined : { succeeded: true, failures: 0 }));
    expect(owed).toMatchObject([{ job: 'daily', from: '2026-03-04', trigger: 'schedule' }]);
  });

  it('waits before retrying a failed period, unless told not to', () => {
    const now = new Date('2026-03-04T12:00:00Z');
    const failed: PeriodHistory = { succeeded: false, failures: 2, lastFailedAt: new Date('2026-03-04T11:55:00Z') };
    const h = (k: string) => (k === periodKey(1, 'daily', '2026-03-03', '2026-03-03') ? failed : { succeeded: true, failures: 0 });
    expect(owedPeriods([orgs[0]], cfg, now, h)).toEqual([]); // 2nd failure: 10 min backoff
    expect(owedPeriods([orgs[0]], cfg, new Date('2026-03-04T12:06:00Z'), h)).toMatchObject([{ from: '2026-03-03' }]);
    expect(owedPeriods([orgs[0]], cfg, now, h, { ignoreBackoff: true })).toMatchObject([{ from: '2026-03-03' }]);
  });
});

describe('terminal progress', () => {
  it('draws a bar with per-org progress and an ETA', () => {
    // half the compute stages, whatever their number (one per metric family and two more)
    const s = { stagesDone: COMPUTE_STAGES / 2, stage: 'contacts', orgs: 3, orgsDone: 0, orgsFailed: 0, startedMs: 0 };
    expect(fractionDone(s)).toBeCloseTo(0.4);
    const line = renderProgress(s, 20_000);
    expect(line).toMatch(/^\[#{10}-{14}\]  40%  contacts\s+orgs 0\/3  0:20 elapsed, ETA 0:30$/);
    expect(renderProgress({ ...s, stagesDone: COMPUTE_STAGES, orgsDone: 2, orgsFailed: 1 }, 30_000)).toMatch(/100%.*orgs 2\/3, 1 failed.*ETA 0:00/);
  });
});
