// The embedded PostgreSQL of `npm start` and the tests: reachable from this machine only, with a
// password nobody can guess, kept in a file only its owner can read.
import { afterAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { PASSWORD_FILE, startEmbeddedPostgres } from '../db/embedded.ts';
import { startDemoServer } from '../cli/context.ts';

const BIN = path.resolve('bin/glific-reports.js');
const cleanup: string[] = [];
afterAll(() => {
  for (const d of cleanup) fs.rmSync(d, { recursive: true, force: true });
});

async function query(url: string, text: string): Promise<pg.QueryResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return await c.query(text);
  } finally {
    await c.end();
  }
}

function withPassword(url: string, password: string): string {
  const u = new URL(url);
  u.password = password;
  return u.toString();
}

async function refused(url: string): Promise<string | undefined> {
  try {
    await query(url, 'SELECT 1');
    return undefined;
  } catch (err) {
    return (err as { code?: string }).code;
  }
}

function cli(args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env };
    delete env.GLIFIC_DATABASE_URL;
    delete env.REPORTS_DATABASE_URL;
    const child = spawn(process.execPath, [BIN, ...args], { cwd, env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

describe('the embedded PostgreSQL', () => {
  it('listens on 127.0.0.1 only, with a random password that the old default does not replace', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-embedded-'));
    cleanup.push(parent);
    const server = await startEmbeddedPostgres({ parentDir: parent });
    try {
      const password = decodeURIComponent(new URL(server.url).password);
      expect(password.length).toBeGreaterThanOrEqual(24);
      expect(new URL(server.url).hostname).toBe('127.0.0.1');
      const settings = (await query(server.url, "SELECT current_setting('listen_addresses') AS listen, current_setting('unix_socket_directories') AS sockets")).rows[0];
      expect(settings).toEqual({ listen: '127.0.0.1', sockets: '' });
      // 28P01: invalid_password.
      expect(await refused(withPassword(server.url, 'postgres'))).toBe('28P01');
      expect(await refused(withPassword(server.url, 'password'))).toBe('28P01');
      const file = path.join(parent, PASSWORD_FILE);
      expect(fs.statSync(file).mode & 0o777).toBe(0o600);
      expect(fs.readFileSync(file, 'utf8').trim()).toBe(password);
    } finally {
      await server.stop();
    }
    // Not persistent: the cluster and its password are gone.
    expect(fs.existsSync(path.join(parent, 'data'))).toBe(false);
    expect(fs.existsSync(path.join(parent, PASSWORD_FILE))).toBe(false);
  });

  it('gives every cluster its own password', async () => {
    const a = await startEmbeddedPostgres();
    const b = await startEmbeddedPostgres();
    try {
      expect(new URL(a.url).password).not.toBe(new URL(b.url).password);
      expect(await refused(withPassword(a.url, new URL(b.url).password))).toBe('28P01');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
    expect(fs.existsSync(a.dir)).toBe(false);
  });

  it('moves a cluster made with the old default password to a random one when it starts', async () => {
    const parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-embedded-legacy-'));
    cleanup.push(parent);
    let server = await startEmbeddedPostgres({ parentDir: parent, persistent: true });
    await query(server.url, 'CREATE DATABASE kept');
    await query(server.url, "ALTER ROLE postgres PASSWORD 'postgres'");
    await server.stop();
    fs.rmSync(path.join(parent, PASSWORD_FILE));

    server = await startEmbeddedPostgres({ parentDir: parent, persistent: true });
    try {
      expect(decodeURIComponent(new URL(server.url).password)).not.toBe('postgres');
      expect(await refused(withPassword(server.url, 'postgres'))).toBe('28P01');
      expect((await query(server.url, "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'kept'")).rows[0].n).toBe(1);
      expect(fs.statSync(path.join(parent, PASSWORD_FILE)).mode & 0o777).toBe(0o600);
    } finally {
      await server.stop();
    }
  });
});

describe('the demo server', () => {
  it('is kept between commands with its password beside it, readable by its owner only', async () => {
    const checkout = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-checkout-'));
    cleanup.push(checkout);
    const first = await startDemoServer(checkout);
    cleanup.push(first.dir);
    await query(first.url, 'CREATE DATABASE glific_demo');
    await first.stop();
    expect(fs.statSync(path.join(first.dir, PASSWORD_FILE)).mode & 0o777).toBe(0o600);

    // A later command of the same checkout finds the same cluster and its password.
    const again = await startDemoServer(checkout);
    try {
      expect(again.dir).toBe(first.dir);
      expect(new URL(again.url).password).toBe(new URL(first.url).password);
      expect((await query(again.url, "SELECT count(*)::int AS n FROM pg_database WHERE datname = 'glific_demo'")).rows[0].n).toBe(1);

      // While it runs, another command of the same checkout cannot start it a second time:
      // one line that says why and what to do, exit code 2.
      const r = await cli(['run', 'daily', '--no-site', '--no-email'], checkout);
      expect(r.code).toBe(2);
      expect(r.stderr.trim().split('\n').filter((l) => !l.startsWith('{'))).toEqual([
        expect.stringMatching(/^glific-reports: the demo database: the embedded PostgreSQL in \S+ is in use by another server \(PID \d+\): wait for the other glific-reports command to end, or stop that process$/),
      ]);
    } finally {
      await again.stop();
    }
  });
});
