// `npm start`: the whole pipeline once on an embedded PostgreSQL holding a freshly generated,
// realistic Glific database: 90 days of metrics, the site, and the daily and monthly digests.
import path from 'node:path';
import pg from 'pg';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { connect } from '../db/connect.ts';
import { createGlificSchema } from './glific/schema.ts';
import { generateGlificData } from './glific/generate.ts';
import { addDays, localDay } from '../lib/calendar.ts';
import { DEMO_DATABASE, openContext } from '../cli/context.ts';
import { migrateStore } from '../store/connect.ts';
import { planRun, runJob, type RunRequest } from '../jobs/run.ts';
import { digestStep, publishStep } from '../cli/steps.ts';
import type { CliIo } from '../cli/io.ts';
import { humanSummary } from '../cli/summary.ts';

export const DEMO_DAYS = 90;

async function recreateDemoDatabase(serverUrl: string, glificUrl: string, log: Log, endDate: string): Promise<void> {
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
      days: DEMO_DAYS,
      endDate,
      onProgress: (stage, done, total) => log('demo.generate', { stage, done, total }),
    });
    log('demo.generated', { orgs: r.orgs.length, contacts: r.contacts, messages: r.messages, ms: Date.now() - t0 });
  } finally {
    await db.destroy();
  }
}

export async function runDemo(config: Config, io: CliIo, log: Log): Promise<number> {
  const now = io.now();
  const yesterday = addDays(localDay(now, 'UTC'), -1);
  if (config.glificDatabaseUrl) log('demo.using', { why: 'GLIFIC_DATABASE_URL is set: running on that database, no demo data is generated' });
  const ctx = await openContext(config, log, {
    demo: { ensure: (serverUrl, glificUrl) => recreateDemoDatabase(serverUrl, glificUrl, log, yesterday) },
  });
  let exit = 0;
  try {
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
    };
    const jobs: RunRequest[] = [
      { job: 'range', from: addDays(yesterday, -(DEMO_DAYS - 1)), to: yesterday, email: false },
      { job: 'daily' },
      { job: 'monthly' },
    ];
    for (const req of jobs) {
      const plan = await planRun(req, deps);
      const summary = await runJob(req, deps, plan);
      io.stdout.write(humanSummary(summary));
      exit = Math.max(exit, summary.exitCode);
    }
    io.stdout.write(
      `\nThe site:           ${path.join(config.outputDir, 'site', 'index.html')}\n` +
        `Data files:         ${path.join(config.outputDir, 'site', '<shortcode>', 'data')}\n` +
        `Email ${config.smtpUrl ? 'sent through SMTP_URL' : `previews:     ${path.join(config.outputDir, 'mail')}`}\n` +
        (ctx.embedded ? `Demo database:      ${ctx.glificUrl.replace(/:[^:@/]*@/, ':***@')} (embedded; stopped on exit)\n` : ''),
    );
    return exit;
  } finally {
    await ctx.close();
  }
}
