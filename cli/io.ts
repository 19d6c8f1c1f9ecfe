// What a command gets from the process: its streams, environment and clock (tests pass their own).
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { UsageError } from '../config/errors.ts';

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  now: () => Date;
}

/** What a command's work is handed once its options are parsed. */
export interface CommandEnv {
  config: Config;
  io: CliIo;
  log: Log;
}

/**
 * Turns a command's work into a commander action: main loads the configuration and makes the log
 * only then (so that --help works whatever the environment holds) and keeps the exit code.
 */
export type Act = <O>(work: (opts: O, env: CommandEnv) => Promise<number>) => (...args: any[]) => Promise<void>;

/** `--now`: pretend the clock says this instant (tests, replays, benchmarks). */
export function parseNow(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const now = new Date(text);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(text) || Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO 8601 instant like 2026-03-10T02:30:00Z (got "${text}")`);
  return now;
}
