// The `demo` command (`npm start`, and `npm run demo:serve` to browse it) lives in demo/, which a
// production build leaves out (the Docker image holds no demo, test or bench code). It is loaded
// only when asked for, through a specifier the compiler does not follow, so that the build does
// not pull demo/ back in.
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../lib/log.ts';
import type { Act, CliIo } from './io.ts';
import { DEFAULT_HOST, DEFAULT_PORT, serveArgs, serveOptions } from './serve.ts';

export const DEFAULT_DEMO_DAYS = 90;

export interface DemoOptions {
  /** Days of message history generated when the demo database is made. */
  days: number;
}

export interface DemoServeOptions extends DemoOptions {
  /** Unset: DEFAULT_PORT when it is free, any free port otherwise. */
  port?: number;
  host: string;
}

/** What cli/ uses of demo/run.ts (test/architecture.test.ts checks that the module fits). */
export interface DemoModule {
  runDemo(config: Config, io: CliIo, log: Log, opts: DemoOptions): Promise<number>;
  serveDemo(config: Config, io: CliIo, log: Log, opts: DemoServeOptions): Promise<number>;
}

export const DEMO_MODULE = '../demo/run.ts';

export async function loadDemo(): Promise<DemoModule> {
  try {
    return (await import(DEMO_MODULE)) as DemoModule;
  } catch (err) {
    const e = err as { code?: string; message?: string };
    // Only demo/run itself missing; a module missing under it is a broken checkout, shown as is.
    if (e.code === 'ERR_MODULE_NOT_FOUND' && /Cannot find module '[^']*[\\/]demo[\\/]run\.[jt]s'/.test(e.message ?? '')) {
      throw new UsageError('the demo is not part of this installation (the Docker image and `npm run build` hold production code only): run `npm start` in a checkout of the repository, or set GLIFIC_DATABASE_URL and use `run`');
    }
    throw err;
  }
}

interface DemoCommandOptions {
  serve?: boolean;
  port?: string;
  host?: string;
  days?: string;
}

export function addDemoCommand(program: Command, act: Act): void {
  const cmd = program
    .command('demo')
    .summary('the whole pipeline on a generated Glific database (`npm start`); --serve to browse it')
    .description(
      'the whole pipeline on a generated Glific database in an embedded PostgreSQL (what `npm start` runs): ' +
        'a new demo database, every day of its history computed, the site, the daily and monthly digests as .eml previews. ' +
        'With --serve (`npm run demo:serve`): keep that database and site (making them first if there are none) and serve them behind the login, with demo logins to try',
    )
    .option('--serve', 'serve it behind the login, with logins to try (default: off)')
    .option('--days <N>', `days of history in a new demo database, 1 to 366 (default: ${DEFAULT_DEMO_DAYS})`);
  serveOptions(cmd, `(default: ${DEFAULT_PORT} if free, else any)`).action(
    act<DemoCommandOptions>(async (v, { config, io, log }) => {
      const daysText = v.days ?? String(DEFAULT_DEMO_DAYS);
      if (!/^\d{1,3}$/.test(daysText) || Number(daysText) < 1 || Number(daysText) > 366) throw new UsageError(`--days must be a whole number from 1 to 366 (got "${daysText}")`);
      const days = Number(daysText);
      if (!v.serve) {
        for (const name of ['port', 'host'] as const) if (v[name] !== undefined) throw new UsageError(`--${name} applies only with --serve`);
        return (await loadDemo()).runDemo(config, io, log, { days });
      }
      const { port, host } = serveArgs({ port: v.port ?? String(DEFAULT_PORT), host: v.host ?? DEFAULT_HOST });
      return (await loadDemo()).serveDemo(config, io, log, { days, port: v.port === undefined ? undefined : port, host });
    }),
  );
}
