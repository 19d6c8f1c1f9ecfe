// What a command gets from the process: its streams, environment and clock (tests pass their own).
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';

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
