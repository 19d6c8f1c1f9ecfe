// The demo's two halves: a fresh generated Glific database in the embedded cluster, and the jobs
// that `npm start` runs on it (every day of its history, then yesterday, then the last month).
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { connect } from '../db/connect.ts';
import { createGlificSchema } from './glific/schema.ts';
import { generateGlificData } from './glific/generate.ts';
import { addDays } from '../lib/calendar.ts';
import { DEMO_DATABASE, type Context } from '../cli/context.ts';
import { migrateStore } from '../store/connect.ts';
import { planRun, runJob, type RunRequest } from '../jobs/run.ts';
import { digestStep, publishStep } from '../cli/steps.ts';
import type { CliIo } from '../cli/io.ts';
import { humanSummary } from '../cli/summary.ts';

export async function recreateDemoDatabase(serverUrl: string, glificUrl: string, log: Log, opts: { endDate: string; days: number }): Promise<void> {
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${DEMO_DATABASE} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${DEMO_DATABASE} TEMPLATE template0 ENCODING 'UTF8'`);
  } finally {
    await admin.end();
  }
  const db = connect({ url: glificUrl });
  try {
    const t0 = Date.now();
    await createGlificSchema(db);
    const r = await generateGlificData(db, {
      days: opts.days,
      endDate: opts.endDate,
      onProgress: (stage, done, total) => log('demo.generate', { stage, done, total }),
    });
    log('demo.generated', { orgs: r.orgs.length, contacts: r.contacts, messages: r.messages, ms: Date.now() - t0 });
  } finally {
    await db.destroy();
  }
}

/** The demo's runs, their summaries printed; the highest exit code of them. */
export async function runDemoJobs(ctx: Context, config: Config, io: CliIo, log: Log, opts: { now: Date; lastDay: string; days: number }): Promise<number> {
  const { now } = opts;
  await migrateStore(ctx.store);
  const deps = {
    glific: ctx.glific,
    store: ctx.store,
    now,
    clock: io.now,
    log,
    outputDir: config.outputDir,
    fallbackZone: config.timezoneFallback,
    publishSite: publishStep(config, log, now),
    sendDigests: digestStep(config, log, now, ctx),
    rateCard: config.rateCard,
  };
  const jobs: RunRequest[] = [
    { job: 'range', from: addDays(opts.lastDay, -(opts.days - 1)), to: opts.lastDay, email: false },
    { job: 'daily' },
    { job: 'monthly' },
  ];
  let exit = 0;
  for (const req of jobs) {
    const plan = await planRun(req, deps);
    const summary = await runJob(req, deps, plan);
    io.stdout.write(humanSummary(summary));
    exit = Math.max(exit, summary.exitCode);
  }
  return exit;
}

export function siteIndex(config: Config): string {
  return path.join(config.outputDir, 'site', 'index.html');
}
