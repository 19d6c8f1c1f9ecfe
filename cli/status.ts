// `glific-reports status`: the last runs per organization and their outcome.
import { parseArgs } from 'node:util';
import type { Config } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import type { Log } from '../jobs/log.ts';
import { openContext } from './context.ts';
import { migrateStore } from '../store/connect.ts';
import type { CliIo } from './main.ts';

export async function printStatus(args: string[], config: Config, io: CliIo, log: Log): Promise<number> {
  let json = false;
  try {
    json = !!parseArgs({ args, options: { json: { type: 'boolean' } }, strict: true }).values.json;
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const ctx = await openContext(config, log);
  try {
    await migrateStore(ctx.store);
    const runs = await ctx.store.raw(`
      SELECT * FROM (
        SELECT r.*, row_number() OVER (PARTITION BY r.shortcode ORDER BY r.started_at DESC, r.id DESC) AS n FROM runs r
      ) x WHERE n <= 5 ORDER BY shortcode, started_at DESC, id DESC`);
    const rows = runs.rows.map((r: Record<string, unknown>) => ({
      org: r.shortcode,
      job: r.job,
      trigger: r.trigger,
      period: r.period_from === r.period_to ? r.period_from : `${r.period_from}..${r.period_to}`,
      status: r.status,
      startedAt: (r.started_at as Date).toISOString(),
      finishedAt: r.finished_at ? (r.finished_at as Date).toISOString() : null,
      rows: r.rows_written,
      error: r.error,
    }));
    if (json) io.stdout.write(JSON.stringify({ runs: rows }, null, 2) + '\n');
    else {
      if (!rows.length) io.stdout.write('no runs yet\n');
      for (const r of rows) io.stdout.write(`${String(r.org).padEnd(16)} ${String(r.job).padEnd(8)} ${String(r.period).padEnd(23)} ${String(r.status).padEnd(10)} ${r.startedAt}${r.error ? '  ' + r.error : ''}\n`);
    }
    return 0;
  } finally {
    await ctx.close();
  }
}
