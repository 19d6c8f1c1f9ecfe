// `npm run demo:serve` (`glific-reports demo --serve`): the demo site behind the real login, on
// this machine, with logins to try. It keeps the demo database and site of `npm start`, making
// them first when there are none, serves them with `serve`'s own code on the embedded database,
// and prints the address and, per reportable demo organization, its admin's phone and password —
// each checked through the login's own verifier, so only logins that work are shown.
// Ctrl-C stops the server and then the embedded PostgreSQL; the exit code is 0.
import { existsSync } from 'node:fs';
import net from 'node:net';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Db } from '../db/connect.ts';
import type { Log } from '../lib/log.ts';
import { addDays, localDay } from '../lib/calendar.ts';
import { listOrgs } from '../extract/orgs.ts';
import { createVerifier } from '../serve/login.ts';
import { databaseExists, DEMO_DATABASE, openContext } from '../cli/context.ts';
import type { CliIo } from '../cli/io.ts';
import { DEFAULT_PORT, runServe } from '../cli/serve.ts';
import { DEMO_ADMIN_PHONE, DEMO_PASSWORD, GENERATED_HASH_ITERATIONS } from './glific/generate.ts';
import { recreateDemoDatabase, runDemoJobs, siteIndex } from './pipeline.ts';

export interface DemoLogin {
  shortcode: string;
  orgName: string;
  userName: string;
  phone: string;
  password: string;
}

/**
 * The generated admin of every reportable organization whose phone and DEMO_PASSWORD pass the
 * login's own check (role, organization status, hash): what a newcomer can type in.
 */
export async function demoLogins(glific: Db, fallbackZone: string): Promise<DemoLogin[]> {
  const reportable = new Set((await listOrgs(glific, { fallbackZone })).map((o) => o.shortcode));
  const orgs = Number((await glific.raw('SELECT count(*) AS n FROM organizations')).rows[0].n);
  const verifier = createVerifier(glific, { dummyIterations: GENERATED_HASH_ITERATIONS });
  const logins: DemoLogin[] = [];
  // The generator numbers its organizations from 1, and DEMO_ADMIN_PHONE(i) is org i's admin.
  for (let i = 1; i <= orgs; i++) {
    const phone = DEMO_ADMIN_PHONE(i);
    const r = await verifier.check(phone, DEMO_PASSWORD);
    if (r.ok && reportable.has(r.user.shortcode)) {
      logins.push({ shortcode: r.user.shortcode, orgName: r.user.orgName, userName: r.user.userName, phone, password: DEMO_PASSWORD });
    }
  }
  return logins;
}

export function loginsText(url: string, logins: DemoLogin[]): string {
  if (!logins.length) return 'No demo login works on this database: run `npm start` to make a fresh demo, then `npm run demo:serve` again.\n';
  const width = Math.max(...logins.map((l) => l.orgName.length));
  return (
    `\nOpen ${url}/login and log in as the admin of a demo organization (each sees its own organization's reports only):\n` +
    logins.map((l) => `  ${l.shortcode.padEnd(6)} ${l.orgName.padEnd(width)}  phone ${l.phone}  password ${l.password}\n`).join('') +
    'Ctrl-C stops the server and the demo database.\n'
  );
}

function portIsFree(port: number, host: string): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen(port, host, () => srv.close(() => resolve(true)));
  });
}

export async function serveDemo(config: Config, io: CliIo, log: Log, opts: { days: number; port?: number; host: string }): Promise<number> {
  if (config.glificDatabaseUrl) {
    throw new UsageError('demo --serve serves the embedded demo database, but GLIFIC_DATABASE_URL is set: unset it, or use `glific-reports serve` for that database');
  }
  const now = io.now();
  const yesterday = addDays(localDay(now, 'UTC'), -1);
  let missing: 'database' | 'site' | undefined;
  const ctx = await openContext(config, log, {
    demo: {
      ensure: async (serverUrl, glificUrl) => {
        if (!(await databaseExists(serverUrl, DEMO_DATABASE))) {
          missing = 'database';
          io.stdout.write('There is no demo yet: making it first, as `npm start` does (a few minutes) ...\n');
          await recreateDemoDatabase(serverUrl, glificUrl, log, { endDate: yesterday, days: opts.days });
        } else if (!existsSync(siteIndex(config))) missing = 'site';
      },
    },
  });
  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    // A second Ctrl-C while stopping: leave at once ('exit' still stops the embedded server).
    if (++signals > 1) process.exit(130);
    stop.abort(signal);
  };
  try {
    if (missing) {
      if (missing === 'site') io.stdout.write(`The demo database is there but not its site (${siteIndex(config)}): building it first ...\n`);
      const exit = await runDemoJobs(ctx, config, io, log, { now, lastDay: yesterday, days: opts.days });
      if (exit !== 0) {
        io.stderr.write('glific-reports: the demo runs failed (see above), so there is nothing whole to serve\n');
        return exit;
      }
    }
    const logins = await demoLogins(ctx.glific, config.timezoneFallback);
    // From here Ctrl-C is ours: the embedded server's own handler would end the process with 130
    // at once, before the HTTP server has closed.
    process.removeAllListeners('SIGINT');
    process.removeAllListeners('SIGTERM');
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const port = opts.port ?? ((await portIsFree(DEFAULT_PORT, opts.host)) ? DEFAULT_PORT : 0);
    return await runServe({ port, host: opts.host }, { ...config, glificDatabaseUrl: ctx.glificUrl, reportsDatabaseUrl: ctx.storeUrl }, io, log, {
      signal: stop.signal,
      onListening: (url) => io.stdout.write(loginsText(url, logins)),
    });
  } finally {
    await ctx.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
