// Five-field cron expressions (REPORTS_DAILY_CRON, REPORTS_MONTHLY_CRON), parsed into the fields
// jobs/fire-times.ts matches against each organization's wall clock. node-cron is used for
// parsing only (fire-times.ts explains why its matcher is not).
import { parse as parseCronFields, validate as validateCron } from 'node-cron';
import { UsageError } from './errors.ts';

export interface CronSchedule {
  expr: string;
  minutes: number[];
  hours: number[];
  /** numbers, or 'L' for the last day of the month */
  daysOfMonth: Array<number | 'L'>;
  months: number[];
  daysOfWeek: number[];
}

export const DEFAULT_DAILY_CRON = '30 2 * * *';
export const DEFAULT_MONTHLY_CRON = '0 3 1 * *';

/** Parse a five-field cron expression (minute hour day-of-month month day-of-week). */
export function parseCron(expr: string, name = 'cron expression'): CronSchedule {
  const bad = (why: string) => new UsageError(`${name} "${expr}" ${why}; expected five fields, minute hour day-of-month month day-of-week, e.g. "${DEFAULT_DAILY_CRON}"`);
  const trimmed = expr.trim();
  if (trimmed.split(/\s+/).length !== 5) throw bad('does not have five fields');
  let f;
  try {
    if (!validateCron(trimmed)) throw new Error('invalid');
    f = parseCronFields(trimmed);
  } catch (err) {
    throw bad(`is not valid (${(err as Error).message})`);
  }
  const dom = f.dayOfMonth.map((v) => (v === 'L' ? 'L' : v));
  if (dom.some((v) => typeof v === 'string' && v !== 'L')) throw bad('uses a day-of-month form that is not supported here (only numbers, ranges, steps and L)');
  if (f.dayOfWeek.some((v) => typeof v !== 'number')) throw bad('uses a day-of-week form that is not supported here (only numbers, names, ranges and steps)');
  return {
    expr: trimmed,
    minutes: [...f.minute].sort((a, b) => a - b),
    hours: [...f.hour].sort((a, b) => a - b),
    daysOfMonth: dom as Array<number | 'L'>,
    months: f.month,
    daysOfWeek: (f.dayOfWeek as number[]).map((d) => d % 7),
  };
}
