// A long-running `glific-reports schedule` process while its PostgreSQL server restarts under it
// (an embedded server this test owns; the machine's server is never touched): the process stays
// up, notices that its lock connection and the locks on it are gone, reconnects, and runs the next
// owed period without a restart. And the health check (`status --json`, the Docker HEALTHCHECK)
// says unhealthy while the scheduler cannot work: the store unreachable, or the scheduler frozen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, withDatabase } from '../db/connect.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { sql } from './support/databases.ts';
import { cli, startCli } from './support/cli.ts';



async function until(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('schedule across a database restart', () => {
  let server: EmbeddedServer;
  let parent: string;
  let url: string;
  let out: string;
  let scheduler: ChildProcess | undefined;
  let log = '';
  let env: Record<string, string>;

  beforeAll(async () => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-restart-'));
    server = await startEmbeddedPostgres({ parentDir: parent, persistent: true });
    await sql(server.url, 'CREATE DATABASE glific');
    url = withDatabase(server.url, 'glific');
    const db = connect({ url });
    await (await GlificFixture.create(db)).org({ shortcode: 'first', timezone: 'Asia/Kolkata' });
    await db.destroy();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-restart-out-'));
    // The real clock; a tick (and a heartbeat) every 2 s instead of every minute.
    env = { GLIFIC_DATABASE_URL: url, REPORTS_OUTPUT_DIR: out, REPORTS_CATCHUP_DAYS: '1', REPORTS_TICK_SECONDS: '2' };
  });
  afterAll(async () => {
    if (scheduler && scheduler.exitCode === null) {
      scheduler.kill('SIGCONT');
      scheduler.kill('SIGKILL');
    }
    await server?.stop();
    fs.rmSync(parent, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  const runsOf = async (shortcode: string) =>
    (await sql(url, `SELECT status FROM glific_reports.runs WHERE shortcode = $1`, [shortcode]).catch(() => ({ rows: [] }))).rows.map((r) => r.status as string);
  const health = async () => {
    const r = await cli(['status', '--json'], env);
    return { code: r.code, status: r.code === 0 || r.code === 1 ? JSON.parse(r.stdout || '{}') : undefined, stderr: r.stderr };
  };

  it('keeps running, reconnects its locks and runs the next owed period; status says when it cannot work', async () => {
    scheduler = startCli(['schedule', '--no-site', '--no-email'], { env }).child;
    scheduler.stderr!.on('data', (d) => (log += d));
    const exited = new Promise<number>((resolve) => scheduler!.on('close', (code) => resolve(code ?? -1)));

    await until('the first org\'s owed runs', async () => (await runsOf('first')).length > 0 && (await runsOf('first')).every((s) => s === 'succeeded'));
    await until('a healthy status', async () => (await health()).code === 0);
    const healthy = await health();
    expect(healthy.status.healthy).toBe(true);
    expect(healthy.status.scheduler.heartbeat).toMatchObject({ pid: scheduler.pid, tickSeconds: 2, error: null });

    // The database goes away: the scheduler loses its lock connection but stays up.
    await server.stop();
    await until('the scheduler to notice its locks are gone', async () => /"event":"locks\.lost"/.test(log), 30_000);
    const down = await health();
    expect(down.code).not.toBe(0); // the health check fails while the store is unreachable
    await new Promise((r) => setTimeout(r, 3000)); // a tick or two fail meanwhile
    expect(scheduler.exitCode).toBeNull();
    expect(log).toMatch(/"event":"tick\.failed"/);

    // It comes back on the same port; a new organization appears: its period is owed.
    server = await startEmbeddedPostgres({ parentDir: parent, persistent: true, port: server.port });
    const db = connect({ url });
    await new GlificFixture(db).org({ shortcode: 'second', timezone: 'Asia/Kolkata' }); // the schema is there already
    await db.destroy();
    await until('the new org\'s run, by the same scheduler process', async () => (await runsOf('second')).length > 0 && (await runsOf('second')).every((s) => s === 'succeeded'));
    expect(scheduler.exitCode).toBeNull();
    await until('a healthy status again', async () => (await health()).code === 0);
    const back = await health();
    expect(back.status.scheduler.heartbeat.pid).toBe(scheduler.pid);
    expect(new Date(back.status.scheduler.heartbeat.lastOkAt).getTime()).toBeGreaterThan(Date.now() - 30_000);

    // Frozen (SIGSTOP): no heartbeat for five ticks, and the health check says so.
    scheduler.kill('SIGSTOP');
    await until('the health check to fail on the silent scheduler', async () => (await health()).code === 1, 40_000);
    const frozen = await health();
    expect(frozen.status).toMatchObject({ healthy: false, scheduler: { healthy: false, reason: expect.stringMatching(/has not beaten for \d+ s \(limit 10 s\)/) } });
    scheduler.kill('SIGCONT');
    await until('a healthy status after it resumes', async () => (await health()).code === 0, 30_000);

    scheduler.kill('SIGTERM');
    expect(await exited).toBe(0);
    // A clean stop takes its heartbeat away: no scheduler, nothing to judge.
    const after = await health();
    expect(after.code).toBe(0);
    expect(after.status.scheduler.reason).toMatch(/no scheduler heartbeat/);
  });
});
