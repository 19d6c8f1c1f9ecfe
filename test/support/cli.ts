// The command as a real process, the way an operator or the scheduler starts it.
import { spawn, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';

export const BIN = path.resolve('bin/glific-reports.js');

export interface Done {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface StartOptions {
  /** Added to a minimal environment (PATH, HOME), unless `inherit` is set. */
  env?: Record<string, string | undefined>;
  /** Start from this process's environment instead (variables set to undefined are removed). */
  inherit?: boolean;
  cwd?: string;
  /** Another checkout's or install's bin/glific-reports.js. */
  bin?: string;
}

/** Start the command; `done` settles when it has exited and its output is read. */
export function startCli(args: string[], o: StartOptions = {}): { child: ChildProcess; done: Promise<Done> } {
  const base: Record<string, string | undefined> = o.inherit ? { ...process.env } : { PATH: process.env.PATH, HOME: os.tmpdir() };
  const env = Object.fromEntries(Object.entries({ ...base, ...o.env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
  const child = spawn(process.execPath, [o.bin ?? BIN, ...args], { env, cwd: o.cwd ?? os.tmpdir() });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Done>((resolve) => child.on('close', (code, signal) => resolve({ code: code ?? -1, signal, stdout, stderr })));
  return { child, done };
}

/** Run the command to its end with `env` added to a minimal environment. */
export function cli(args: string[], env: Record<string, string> = {}, o: Omit<StartOptions, 'env'> = {}): Promise<Done> {
  return startCli(args, { ...o, env }).done;
}
