// `glific-reports status`: the last runs per organization and their outcome, failures with
// their message, what each org's schedule runs next and which periods are overdue, the digests
// still owed or refused with their age, and the scheduler's health (its heartbeat): exit 1 when
// the scheduler cannot work — the container health check.
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { openContext } from './context.ts';
import { migrateStore } from '../store/connect.ts';
import type { Act, CliIo } from './io.ts';
import { nextFireTime, periodOfFire, scheduleConfig } from '../jobs/fire-times.ts';
import { recentRuns } from '../store/runs.ts';
import { currentHeartbeat, judgeHealth } from '../store/heartbeats.ts';
import { owedDeliveries, refusedAddresses } from '../mail/ledger.ts';

export function addStatusCommand(program: Command, act: Act): void {
  program
    .command('status')
    .summary('the last runs, failures, what runs next and is overdue, digests owed, scheduler health')
    .description("the last runs per organization and their outcome, failures with their message, what each organization's schedule runs next and which periods are overdue, the digests still owed and the addresses refusing them, and the scheduler's health; exits 1 when the scheduler cannot work (the container health check)")
    .option('--json', 'print it as JSON on stdout (default: readable text)')
    .action(act<{ json?: boolean }>((opts, { config, io, log }) => printStatus(!!opts.json, config, io, log)));
}

export async function printStatus(json: boolean, config: Config, io: CliIo, log: Log): Promise<number> {
  const cfg = scheduleConfig(config);
  const now = io.now();
  const ctx = await openContext(config, log);
  try {
    await migrateStore(ctx.store);
    const { owedNow, scheduleZone } = await import('../jobs/scheduler.ts');
    const { orgs, owed } = await owedNow({ glific: ctx.glific, store: ctx.store, config: cfg, fallbackZone: config.timezoneFallback }, now, { ignoreBackoff: true });
    const schedule = orgs.map((o) => {
      const zone = scheduleZone(o, config.timezoneFallback);
      const next = (job: 'daily' | 'monthly') => {
        const at = nextFireTime(cfg[job], zone, now);
        return at ? { at: at.toISOString(), period: periodOfFire(job, at, zone) } : null;
      };
      return {
        org: o.shortcode,
        orgId: o.id,
        zone,
        problem: o.problem ?? null,
        next: { daily: next('daily'), monthly: next('monthly') },
        overdue: owed.filter((w) => w.orgId === o.id).map((w) => ({ job: w.job, from: w.from, to: w.to, dueAt: w.dueAt.toISOString() })),
      };
    });
    const rows = (await recentRuns(ctx.store, 5)).map((r) => ({
      org: r.shortcode,
      orgId: r.orgId,
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
    // Digests not delivered: owed (pending, or claimed by a run), and addresses refusing them.
    const minutes = (from: Date) => Math.max(0, Math.round((now.getTime() - from.getTime()) / 60_000));
    const deliveries = {
      pending: (await owedDeliveries(ctx.store)).map((d) => ({
        org: d.org,
        orgId: d.orgId,
        kind: d.kind,
        period: d.period,
        recipient: d.recipient,
        status: d.status,
        since: d.createdAt.toISOString(),
        ageMinutes: minutes(d.createdAt),
        attempts: d.attempts,
        lastTriedAt: d.attempts > 0 ? d.updatedAt.toISOString() : null,
        error: d.lastError,
        claimedBy: d.status === 'sending' ? d.claimedBy : null,
      })),
      failed: (await refusedAddresses(ctx.store)).map((a) => ({
        org: a.latest.org,
        orgId: a.latest.orgId,
        recipient: a.latest.recipient,
        kind: a.latest.kind,
        period: a.latest.period,
        refused: a.refused,
        since: a.firstRefusedAt.toISOString(),
        ageMinutes: minutes(a.firstRefusedAt),
        responseCode: a.latest.lastResponseCode,
        error: a.latest.lastError,
      })),
    };
    const health = judgeHealth(await currentHeartbeat(ctx.store), now);
    const scheduler = {
      healthy: health.healthy,
      reason: health.reason,
      heartbeat: health.heartbeat && { ...health.heartbeat, startedAt: health.heartbeat.startedAt.toISOString(), beatAt: health.heartbeat.beatAt.toISOString(), lastTickAt: health.heartbeat.lastTickAt?.toISOString() ?? null, lastOkAt: health.heartbeat.lastOkAt?.toISOString() ?? null },
    };
    if (json) io.stdout.write(JSON.stringify({ now: now.toISOString(), healthy: health.healthy, scheduler, schedule: { daily: cfg.daily.expr, monthly: cfg.monthly.expr, catchupDays: cfg.catchupDays }, runs: rows, failures, orgs: schedule, overdue, deliveries }, null, 2) + '\n');
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
      const age = (m: number) => (m < 120 ? `${m} min` : m < 2880 ? `${Math.round(m / 60)} h` : `${Math.round(m / 1440)} days`);
      io.stdout.write('\ndigests owed\n');
      if (!deliveries.pending.length) io.stdout.write('  none\n');
      for (const d of deliveries.pending) {
        const what = d.status === 'sending' ? `being sent (claimed by ${d.claimedBy})` : 'pending';
        io.stdout.write(`  ${String(d.org).padEnd(16)} ${d.kind.padEnd(8)} ${d.period.padEnd(11)} ${d.recipient}  ${what} for ${age(d.ageMinutes)}, ${d.attempts} attempt(s)${d.error ? `  ${d.error}` : ''}\n`);
      }
      io.stdout.write('\naddresses refusing digests\n');
      if (!deliveries.failed.length) io.stdout.write('  none\n');
      for (const d of deliveries.failed) {
        io.stdout.write(`  ${String(d.org).padEnd(16)} ${d.recipient}  REFUSED ${d.refused} digest(s), the first ${age(d.ageMinutes)} ago, the last ${d.kind} ${d.period}: ${d.error ?? ''}\n`);
      }
      if (deliveries.failed.length) io.stdout.write(`  (reported until the address takes mail again or is removed: glific-reports recipients remove --org SC --email ADDRESS)\n`);
      io.stdout.write(`\nscheduler: ${health.healthy ? 'ok' : 'UNHEALTHY'} (${health.reason})\n`);
      io.stdout.write(`\n${failures.length} failed run(s) among the last shown, ${overdue} overdue period(s), ${deliveries.pending.length} digest(s) owed, ${deliveries.failed.length} address(es) refusing\n`);
    }
    return health.healthy ? 0 : 1;
  } finally {
    await ctx.close();
  }
}
