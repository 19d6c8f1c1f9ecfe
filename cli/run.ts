// `glific-reports run daily|monthly|range`: one run of a job, now. Options in, the job from jobs/,
// the summary out (readable, or JSON with --json); exit 0 ok, 1 some org failed.
import { Command, Option } from 'commander';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../lib/log.ts';
import { planRun, runJob, type RunRequest, type RunSummary } from '../jobs/run.ts';
import { progressLog } from '../jobs/progress.ts';
import { waitingClaims } from '../jobs/claims.ts';
import { RunLocks } from '../store/runs.ts';
import { migrateStore } from '../store/connect.ts';
import { openContext } from './context.ts';
import { publishStep, digestStep } from './steps.ts';
import { humanSummary } from './summary.ts';
import { parseNow, type Act, type CommandEnv } from './io.ts';

type Job = 'daily' | 'monthly' | 'range';

interface RunOptions {
  date?: string;
  month?: string;
  from?: string;
  to?: string;
  org?: string[];
  site: boolean;
  email: boolean;
  resend?: boolean;
  recapture?: boolean;
  json?: boolean;
  now?: string;
}

const SUMMARY: Record<Job, string> = {
  daily: 'one day per organization (default: yesterday)',
  monthly: 'one closed month per organization (default: the last one)',
  range: 'every day from --from to --to: backfills and reruns',
};

const DESCRIPTION: Record<Job, string> = {
  daily: "one day per organization, in the organization's own zone: compute, store, publish the site, send the daily digest",
  monthly: "one closed month per organization, in the organization's own zone: compute, store, publish the site, send the monthly digest",
  range: 'every day from --from to --to (and every month lying inside), for backfills and reruns: compute, store, publish the site, send digests',
};

// Which job each period option belongs to. The others are known to every job but hidden from its
// help, so that `run monthly --date …` says it does not apply rather than "unknown option".
const PERIOD_OPTIONS: Array<{ flags: string; job: Job; description: string }> = [
  { flags: '--date <YYYY-MM-DD>', job: 'daily', description: "the day (default: yesterday in each organization's zone)" },
  { flags: '--month <YYYY-MM>', job: 'monthly', description: "the month (default: the last closed one in each org's zone)" },
  { flags: '--from <YYYY-MM-DD>', job: 'range', description: 'the first day of the range (required)' },
  { flags: '--to <YYYY-MM-DD>', job: 'range', description: 'the last day of the range, today at the latest (required)' },
];

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function addRunCommand(program: Command, act: Act): void {
  const run = program
    .command('run')
    .summary('compute, store, publish and email the reports once, now')
    .description('compute, store and publish the reports once, now: one day, one month or a range of days')
    .usage('daily|monthly|range [options]')
    // Anything but a job name: a one-line error that names the jobs.
    .argument('[job]')
    .action(async (job: string | undefined) => {
      throw new UsageError(`run needs a job: daily, monthly or range (got "${job ?? ''}"); see glific-reports run --help`);
    });
  for (const job of ['daily', 'monthly', 'range'] as const) {
    const cmd = run.command(job).summary(SUMMARY[job]).description(DESCRIPTION[job]);
    for (const p of PERIOD_OPTIONS) {
      const option = new Option(p.flags, p.description);
      cmd.addOption(p.job === job ? option : option.hideHelp());
    }
    cmd
      .addOption(new Option('--org <shortcode>', 'only this organization; repeat for more (default: all active ones)').argParser(collect))
      .option('--no-site', 'do not publish the report site (default: publish it)')
      .option('--no-email', 'do not send the digests (default: send, or preview without SMTP_URL)')
      .option('--resend', 'send digests again that were already sent (default: off)')
      .option('--recapture', 'replace end-of-day snapshots an earlier run took (default: keep)')
      .option('--json', 'print the summary as JSON on stdout (default: readable text)')
      .option('--now <ISO-INSTANT>', 'pretend it is this instant, e.g. 2026-03-10T02:30:00Z (default: now)')
      .action(act<RunOptions>((opts, env) => commandRun(runRequest(job, opts), env)));
  }
}

export function runRequest(job: Job, v: RunOptions): RunRequest & { json: boolean; now?: Date } {
  for (const p of PERIOD_OPTIONS) {
    const name = p.flags.slice(2, p.flags.indexOf(' ')) as 'date' | 'month' | 'from' | 'to';
    if (v[name] !== undefined && p.job !== job) throw new UsageError(`--${name} does not apply to run ${job}`);
  }
  return {
    job,
    date: v.date,
    month: v.month,
    from: v.from,
    to: v.to,
    orgs: v.org,
    site: v.site,
    email: v.email,
    resend: !!v.resend,
    recapture: !!v.recapture,
    json: !!v.json,
    now: parseNow(v.now),
  };
}

async function commandRun(req: RunRequest & { json: boolean; now?: Date }, { config, io, log }: CommandEnv): Promise<number> {
  const ctx = await openContext(config, log);
  try {
    const now = req.now ?? io.now();
    const plan = await planRun(req, { glific: ctx.glific, now, fallbackZone: config.timezoneFallback });
    await migrateStore(ctx.store);
    // On a terminal a progress bar; elsewhere the JSON log lines are the progress.
    const bar = (io.stderr as NodeJS.WriteStream).isTTY ? progressLog(log, io.stderr, { orgs: plan.length }) : undefined;
    const runLog: Log = bar ?? log;
    const locks = await RunLocks.open(ctx.store);
    let summary: RunSummary;
    try {
      summary = await runJob(req, {
        glific: ctx.glific,
        store: ctx.store,
        now,
        clock: io.now,
        log: runLog,
        outputDir: config.outputDir,
        fallbackZone: config.timezoneFallback,
        publishSite: publishStep(config, runLog, now),
        sendDigests: digestStep(config, runLog, now, ctx),
        claims: waitingClaims(locks, runLog),
        rateCard: config.rateCard,
      }, plan);
    } finally {
      bar?.done();
      await locks.close();
    }
    io.stdout.write(req.json ? JSON.stringify(summary, null, 2) + '\n' : humanSummary(summary));
    return summary.exitCode;
  } finally {
    await ctx.close();
  }
}
