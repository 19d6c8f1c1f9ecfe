// `glific-reports serve [--port N] [--host H]`: the published site behind Glific's own login.
// A thin shell: options and environment in, the app from serve/ out, stop on SIGTERM/SIGINT.
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import { UsageError } from '../config/errors.ts';
import { connect, redactUrl } from '../db/connect.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import type { Act } from './io.ts';
import { keepHeapsNearLive } from '../lib/memory.ts';

export interface ServeArgs {
  port: number;
  host: string;
}

export const DEFAULT_PORT = 8080;
export const DEFAULT_HOST = '127.0.0.1';

/** --port and --host, for `serve` and for `demo --serve`. */
export function serveOptions(cmd: Command, ports = `(default: ${DEFAULT_PORT})`): Command {
  return cmd
    .option('--port <N>', `the port to listen on; 0: any free one ${ports}`)
    .option('--host <ADDRESS>', `the address to listen on; 0.0.0.0: all (default: ${DEFAULT_HOST})`);
}

export function addServeCommand(program: Command, act: Act): void {
  serveOptions(program.command('serve'))
    .summary("the published site behind Glific's own login, over HTTP")
    .description("the published site behind Glific's own login, over HTTP: staff, managers and admins of an organization log in with their Glific phone and password and see their organization's reports only (needs GLIFIC_DATABASE_URL)")
    .action(act<{ port?: string; host?: string }>((opts, { config, io, log }) => runServe(serveArgs(opts), config, io, log)));
}

/** Checks --port and --host as typed; unset ones take their defaults. */
export function serveArgs(v: { port?: string; host?: string }): ServeArgs {
  const portText = v.port ?? String(DEFAULT_PORT);
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) throw new UsageError(`--port must be a port number from 0 to 65535 (got "${portText}")`);
  const host = v.host ?? DEFAULT_HOST;
  if (!host.trim()) throw new UsageError('--host must not be empty');
  return { port: Number(portText), host };
}

export interface ServeControl {
  /** Stops the server like SIGTERM does (tests, the demo); a string reason is logged as the why. */
  signal?: AbortSignal;
  /** Called with the base URL once listening (tests). */
  onListening?: (url: string) => void;
}

export async function runServe(
  { port, host }: ServeArgs,
  config: Config,
  io: { stdout: NodeJS.WritableStream; stderr: NodeJS.WritableStream; env?: NodeJS.ProcessEnv },
  log: Log,
  control: ServeControl = {},
): Promise<number> {
  if (!config.glificDatabaseUrl) {
    throw new UsageError('serve needs GLIFIC_DATABASE_URL: the Glific database whose users log in (to serve the embedded demo database instead, run `npm run demo:serve`)');
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
    // Loaded here, not at the top: the other commands (a nightly `run daily`) never pay for Fastify.
    const { createServeApp } = await import('../serve/app.ts');
    // A served year's page is ~20 MB of garbage in this thread and ~40 MB in the chart threads.
    keepHeapsNearLive();
    const app = await createServeApp({ siteDir, glific, store, sessionSecret, trustProxy, log, rateCard: config.rateCard, warmCharts: true });
    const stopped = new Promise<string>((resolve) => {
      const term = () => resolve('SIGTERM');
      const int = () => resolve('SIGINT');
      const abort = () => resolve(typeof control.signal?.reason === 'string' ? control.signal.reason : 'abort');
      process.once('SIGTERM', term);
      process.once('SIGINT', int);
      control.signal?.addEventListener('abort', abort, { once: true });
      if (control.signal?.aborted) abort();
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
