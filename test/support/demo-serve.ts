// `glific-reports demo --serve` as a newcomer starts it: a real process in a fresh checkout-like
// directory (its own temp directory, so that the embedded cluster is its own too), read back
// from what it prints: the address and the demo logins.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const BIN = path.resolve('bin/glific-reports.js');

export interface DemoLoginLine {
  shortcode: string;
  phone: string;
  password: string;
}

export interface DemoServe {
  child: ChildProcess;
  /** The base URL, without a trailing slash. */
  url: string;
  logins: DemoLoginLine[];
  /** The embedded PostgreSQL's port (from the demo.database log line). */
  pgPort: number;
  stdout(): string;
  stderr(): string;
  /** Resolves with the exit code (null when ended by a signal). */
  exited: Promise<number | null>;
  /** Stop it if it still runs, and remove its directory (cluster included). */
  cleanup(): Promise<void>;
}

export async function startDemoServe(args: string[], timeoutMs = 600_000): Promise<DemoServe> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-demo-serve-'));
  // As root the embedded server runs as another user, who must be able to enter it.
  fs.chmodSync(dir, 0o755);
  const child = spawn(process.execPath, [BIN, 'demo', '--serve', ...args], {
    cwd: dir,
    env: { PATH: process.env.PATH!, HOME: dir, TMPDIR: dir },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

  const cleanup = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGINT');
      const done = await Promise.race([exited.then(() => true), new Promise((r) => setTimeout(() => r(false), 30_000))]);
      if (!done) child.kill('SIGKILL');
      await exited;
    }
    // A server the process could not stop (it was killed): end it by the pid it wrote.
    const clusters = fs.readdirSync(dir).filter((f) => f.startsWith('glific-reports-demo-'));
    for (const c of clusters) {
      const pidFile = path.join(dir, c, 'data', 'postmaster.pid');
      if (fs.existsSync(pidFile)) {
        const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
        try {
          process.kill(pid, 'SIGINT');
        } catch {
          // already gone
        }
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };

  const ready = await new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    const check = () => {
      if (/Ctrl-C stops/.test(stdout)) {
        clearTimeout(timer);
        resolve(true);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      resolve(false);
    });
  });
  if (!ready) {
    await cleanup();
    throw new Error(`demo --serve did not print its address and logins:\n${stdout}\n${stderr.split('\n').slice(-20).join('\n')}`);
  }
  const url = /log in at (http:\/\/[^\s)]+)\/login/.exec(stdout)?.[1] ?? '';
  const logins = [...stdout.matchAll(/^ {2}(\S+) .* phone (\d+) {2}password (\S+)$/gm)].map((m) => ({ shortcode: m[1], phone: m[2], password: m[3] }));
  const database = stderr
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { event: string; url?: string })
    .find((l) => l.event === 'demo.database');
  const pgPort = Number(new URL(database?.url ?? 'postgres://x:1/').port);
  return { child, url, logins, pgPort, stdout: () => stdout, stderr: () => stderr, exited, cleanup };
}
