// `npm start`: the whole pipeline once on an embedded PostgreSQL holding a freshly generated,
// realistic Glific database: 90 days (--days) of metrics, the site, and the daily and monthly digests.
// `npm run demo:serve` (demo/serve.ts) then serves that site behind the login.
import path from 'node:path';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { addDays, localDay } from '../lib/calendar.ts';
import { openContext } from '../cli/context.ts';
import type { CliIo } from '../cli/io.ts';
import { recreateDemoDatabase, runDemoJobs, siteIndex } from './pipeline.ts';

export { serveDemo } from './serve.ts';

export async function runDemo(config: Config, io: CliIo, log: Log, opts: { days: number }): Promise<number> {
  const now = io.now();
  const yesterday = addDays(localDay(now, 'UTC'), -1);
  if (config.glificDatabaseUrl) log('demo.using', { why: 'GLIFIC_DATABASE_URL is set: running on that database, no demo data is generated' });
  const ctx = await openContext(config, log, {
    demo: { ensure: (serverUrl, glificUrl) => recreateDemoDatabase(serverUrl, glificUrl, log, { endDate: yesterday, days: opts.days }) },
  });
  try {
    const exit = await runDemoJobs(ctx, config, io, log, { now, lastDay: yesterday, days: opts.days });
    io.stdout.write(
      `\nThe site:           ${siteIndex(config)}\n` +
        `Data files:         ${path.join(config.outputDir, 'site', '<shortcode>', 'data')}\n` +
        `Email ${config.smtpUrl ? 'sent through SMTP_URL' : `previews:     ${path.join(config.outputDir, 'mail')}`}\n` +
        (ctx.embedded ? `Demo database:      ${ctx.glificUrl.replace(/:[^:@/]*@/, ':***@')} (embedded; stopped on exit)\n` : '') +
        (ctx.embedded ? `\nTo see the site behind the login, with demo logins: npm run demo:serve\n` : ''),
    );
    return exit;
  } finally {
    await ctx.close();
  }
}
