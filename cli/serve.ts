// `glific-reports serve [--port N] [--host H]`: the published site behind Glific's own login.
// A thin shell: options and environment in, the app from serve/ out, stop on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { UsageError } from '../config/errors.ts';
import { connect, redactUrl } from '../db/connect.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { createServeApp } from '../serve/app.ts';

const USAGE = 'usage: glific-reports serve [--port N (default 8080)] [--host ADDRESS (default 127.0.0.1)]';

export interface ServeArgs {
  port: number;
  host: string;
}

export function parseServeArgs(args: string[]): ServeArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' } }, strict: true, allowPositionals: false });
  } catch (err) {
    throw new UsageError(`${(err as Error).message}\n${USAGE}`);
  }
  const portText = parsed.values.port ?? '8080';
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be a port number from 0 to 65535 (got "${portText}")`);
  const host = parsed.values.host ?? '127.0.0.1';
  if (!host.trim()) throw new UsageError('--host must not be empty');
  return { port: Number(portText), host };
}

export interface ServeControl {
  /** Stops the server like SIGTERM does (tests). */
  signal?: AbortSignal;
  /** Called with the base URL once listening (tests). */
  onListening?: (url: string) => void;
}

export async function runServe(
  args: string[],
  config: Config,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env?: NodeJS.ProcessEnv },
  log: Log,
  control: ServeControl = {},
): Promise<number> {
  const { port, host } = parseServeArgs(args);
  if (!config.glificDatabaseUrl) {
    throw new UsageError('serve needs GLIFIC_DATABASE_URL: the Glific database whose users log in (the embedded demo database exists only for `npm start`)');
  }
  const { sessionSecret, trustProxy } = config;
  const siteDir = path.join(config.outputDir, 'site');
  if (!existsSync(siteDir)) log('serve.warning', { message: `no published site at ${siteDir} yet: pages will be 404 until a run publishes it` });

  const glificUrl = config.glificDatabaseUrl;
  const storeUrl = config.reportsDatabaseUrl ?? glificUrl;
  const glific = connect({ url: glificUrl, readOnly: true, statementTimeoutMs: Math.min(config.statementTimeoutMs, 10_000), pool: 4, applicationName: 'glific-reports-serve' });
  const store = connectStore(storeUrl, { pool: 6, statementTimeoutMs: 10_000, applicationName: 'glific-reports-serve store' });
  let unhook = () => {};
  try {
    try {
      await glific.raw('SELECT 1 FROM users LIMIT 1');
    } catch (err) {
      throw new Error(`cannot read the users table of the Glific database ${redactUrl(glificUrl)}: ${(err as Error).message}`);
    }
    try {
      await migrateStore(store);
    } catch (err) {
      throw new Error(`cannot open the results store ${redactUrl(storeUrl)} (sessions are kept there): ${(err as Error).message}`);
    }
    const app = await createServeApp({ siteDir, glific, store, sessionSecret, trustProxy, log });
    const stopped = new Promise<string>((resolve) => {
      const term = () => resolve('SIGTERM');
      const int = () => resolve('SIGINT');
      const abort = () => resolve('abort');
      process.once('SIGTERM', term);
      process.once('SIGINT', int);
      control.signal?.addEventListener('abort', abort, { once: true });
      if (control.signal?.aborted) resolve('abort');
      unhook = () => {
        process.off('SIGTERM', term);
        process.off('SIGINT', int);
        control.signal?.removeEventListener('abort', abort);
      };
    });
    await app.listen({ port, host });
    const addr = app.server.address();
    const shown = typeof addr === 'object' && addr ? `http://${addr.family === 'IPv6' ? `[${addr.address}]` : addr.address}:${addr.port}` : String(addr);
    io.stdout.write(`serving ${siteDir} on ${shown}/ (log in at ${shown}/login); stop with Ctrl-C\n`);
    log('serve.listening', { url: shown, siteDir, trustProxy });
    control.onListening?.(shown);
    const why = await stopped;
    log('serve.stopping', { reason: why });
    await app.close();
    return 0;
  } finally {
    unhook();
    await glific.destroy();
    await store.destroy();
  }
}
