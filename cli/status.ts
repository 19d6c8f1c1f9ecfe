// `glific-reports status`: the last runs per organization and their outcome, failures with
// their message, what each org's schedule runs next and which periods are overdue.
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { openContext } from './context.ts';
import { migrateStore } from '../store/connect.ts';
import type { Act, CliIo } from './io.ts';
import { nextFireTime, periodOfFire, scheduleConfig } from '../jobs/fire-times.ts';
import { owedNow, scheduleZone } from '../jobs/scheduler.ts';
import { recentRuns } from '../store/runs.ts';

export function addStatusCommand(program: Command, act: Act): void {
  program
    .command('status')
    .summary('the last runs, failures, what runs next and what is overdue')
    .description("the last runs per organization and their outcome, failures with their message, what each organization's schedule runs next and which periods are overdue")
    .option('--json', 'print it as JSON on stdout (default: readable text)')
    .action(act<{ json?: boolean }>((opts, { config, io, log }) => printStatus(!!opts.json, config, io, log)));
}

export async function printStatus(json: boolean, config: Config, io: CliIo, log: Log): Promise<number> {
  const cfg = scheduleConfig(config);
  const now = io.now();
  const ctx = await openContext(config, log);
  try {
    await migrateStore(ctx.store);
    const { orgs, owed } = await owedNow({ glific: ctx.glific, store: ctx.store, config: cfg, fallbackZone: config.timezoneFallback }, now, { ignoreBackoff: true });
    const schedule = orgs.map((o) => {
      const zone = scheduleZone(o, config.timezoneFallback);
      const next = (job: 'daily' | 'monthly') => {
        const at = nextFireTime(cfg[job], zone, now);
        return at ? { at: at.toISOString(), period: periodOfFire(job, at, zone) } : null;
      };
      return {
        org: o.shortcode,
        zone,
        problem: o.problem ?? null,
        next: { daily: next('daily'), monthly: next('monthly') },
        overdue: owed.filter((w) => w.orgId === o.id).map((w) => ({ job: w.job, from: w.from, to: w.to, dueAt: w.dueAt.toISOString() })),
      };
    });
    const rows = (await recentRuns(ctx.store, 5)).map((r) => ({
      org: r.shortcode,
      job: r.job,
      trigger: r.trigger,
      period: r.from === r.to ? r.from : `${r.from}..${r.to}`,
      status: r.status,
      startedAt: r.startedAt.toISOString(),
      finishedAt: r.finishedAt ? r.finishedAt.toISOString() : null,
      rows: r.rowsWritten,
      dueAt: r.dueAt ? r.dueAt.toISOString() : null,
      late: r.late,
      error: r.error,
    }));
    const failures = rows.filter((r) => r.status === 'failed');
    const overdue = schedule.reduce((n, o) => n + o.overdue.length, 0);
    if (json) io.stdout.write(JSON.stringify({ now: now.toISOString(), schedule: { daily: cfg.daily.expr, monthly: cfg.monthly.expr, catchupDays: cfg.catchupDays }, runs: rows, failures, orgs: schedule, overdue }, null, 2) + '\n');
    else {
      io.stdout.write('last runs\n');
      if (!rows.length) io.stdout.write('  no runs yet\n');
      for (const r of rows) io.stdout.write(`  ${String(r.org).padEnd(16)} ${String(r.job).padEnd(8)} ${String(r.period).padEnd(23)} ${String(r.status).padEnd(10)} ${String(r.trigger).padEnd(9)} ${r.startedAt}${r.late ? '  late' : ''}${r.error ? '  ' + r.error : ''}\n`);
      io.stdout.write(`\nschedule (daily "${cfg.daily.expr}", monthly "${cfg.monthly.expr}", each org's local time)\n`);
      for (const o of schedule) {
        const n = (x: { at: string; period: { from: string; to: string } } | null) => (x ? `${x.at} for ${x.period.from === x.period.to ? x.period.from : x.period.from.slice(0, 7)}` : 'never');
        io.stdout.write(`  ${o.org.padEnd(16)} ${o.zone.padEnd(22)} next daily ${n(o.next.daily)}, monthly ${n(o.next.monthly)}${o.problem ? `  PROBLEM: ${o.problem}` : ''}\n`);
        for (const w of o.overdue) io.stdout.write(`    OVERDUE ${w.job} ${w.from === w.to ? w.from : w.from.slice(0, 7)} (due ${w.dueAt})\n`);
      }
      io.stdout.write(`\n${failures.length} failed run(s) among the last shown, ${overdue} overdue period(s)\n`);
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
