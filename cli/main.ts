// `glific-reports`: a thin shell over jobs/. Parses arguments, opens the databases, runs the job,
// prints the summary, and maps outcomes to exit codes (0 ok, 1 run failed, 2 bad usage).
import { parseArgs } from 'node:util';
import { loadConfig, type Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import { createLog, type Log } from '../lib/log.ts';
import { planRun, runJob, type RunRequest, type RunSummary } from '../jobs/run.ts';
import { openContext } from './context.ts';
import { migrateStore } from '../store/connect.ts';
import { publishStep, digestStep } from './steps.ts';
import { loadDemo } from './demo.ts';
import type { CliIo } from './io.ts';
import { humanSummary } from './summary.ts';
import { printStatus } from './status.ts';
import { runServe } from './serve.ts';
import { commandRecipients, RECIPIENTS_USAGE } from './recipients.ts';
import { commandSchedule, SCHEDULE_USAGE } from './schedule.ts';
import { progressLog } from '../jobs/progress.ts';
import { waitingClaims } from '../jobs/claims.ts';
import { RunLocks } from '../store/runs.ts';

const USAGE = `usage:
  glific-reports run daily   [--date YYYY-MM-DD] [options]
  glific-reports run monthly [--month YYYY-MM]   [options]
  glific-reports run range   --from YYYY-MM-DD --to YYYY-MM-DD [options]
  glific-reports status [--json]
  glific-reports serve [--port N] [--host ADDR]
  ${RECIPIENTS_USAGE}
  ${SCHEDULE_USAGE}
  glific-reports demo            (what \`npm start\` runs)
options: --org SHORTCODE (repeatable)  --no-site  --no-email  --resend  --recapture  --json`;

function parseRun(args: string[]): RunRequest & { json: boolean } {
  const [job, ...rest] = args;
  if (job !== 'daily' && job !== 'monthly' && job !== 'range') throw new UsageError(`run needs a job: daily, monthly or range (got "${job ?? ''}")\n${USAGE}`);
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      options: {
        date: { type: 'string' },
        month: { type: 'string' },
        from: { type: 'string' },
        to: { type: 'string' },
        org: { type: 'string', multiple: true },
        'no-site': { type: 'boolean' },
        'no-email': { type: 'boolean' },
        resend: { type: 'boolean' },
        recapture: { type: 'boolean' },
        json: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const v = parsed.values;
  const only = (name: string, allowed: JobKindOption[]) => {
    if ((v as Record<string, unknown>)[name] !== undefined && !allowed.includes(job)) throw new UsageError(`--${name} does not apply to run ${job}`);
  };
  type JobKindOption = 'daily' | 'monthly' | 'range';
  only('date', ['daily']);
  only('month', ['monthly']);
  only('from', ['range']);
  only('to', ['range']);
  return {
    job,
    date: v.date,
    month: v.month,
    from: v.from,
    to: v.to,
    orgs: v.org,
    site: !v['no-site'],
    email: !v['no-email'],
    resend: !!v.resend,
    recapture: !!v.recapture,
    json: !!v.json,
  };
}

async function commandRun(args: string[], config: Config, io: CliIo, log: Log): Promise<number> {
  const req = parseRun(args);
  const ctx = await openContext(config, log);
  try {
    const now = io.now();
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

export async function main(argv: string[], io: CliIo): Promise<number> {
  const log = createLog({ stream: io.stderr });
  try {
    const config = loadConfig(io.env);
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case 'run':
        return await commandRun(rest, config, io, log);
      case 'demo':
        return await (await loadDemo()).runDemo(config, io, log);
      case 'status':
        return await printStatus(rest, config, io, log);
      case 'schedule':
        return await commandSchedule(rest, config, io, log);
      case 'serve':
        return await runServe(rest, config, io, log);
      case 'recipients':
        return await commandRecipients(rest, config, io, log);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout.write(USAGE + '\n');
        return cmd === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${cmd}"\n${USAGE}`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`glific-reports: ${err.message}\n`);
      return 2;
    }
    io.stderr.write(`glific-reports: failed: ${(err as Error)?.stack ?? String(err)}\n`);
    return 1;
  }
}
