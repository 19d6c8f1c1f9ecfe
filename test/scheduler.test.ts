// The scheduler as an operator runs it: real `glific-reports` processes against real PostgreSQL
// and a real SMTP server on loopback. Several instances at once, SIGTERM mid-run, the Glific
// database going away mid-run, and an org whose zone is nonsense.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connect, withDatabase, type Db } from '../db/connect.ts';
import { startEmbeddedPostgres, type EmbeddedServer } from '../db/embedded.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { DAILY_KEYS } from '../metrics/registry.ts';
import { CaptureSmtp } from './support/smtp.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';

const BIN = path.resolve('bin/glific-reports.js');

interface Done {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

function start(args: string[], env: Record<string, string>): { child: ChildProcess; done: Promise<Done> } {
  const t0 = Date.now();
  const child = spawn(process.execPath, [BIN, ...args], { env: { PATH: process.env.PATH!, HOME: os.tmpdir(), ...env }, cwd: os.tmpdir() });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<Done>((resolve) => child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr, ms: Date.now() - t0 })));
  return { child, done };
}
const cli = (args: string[], env: Record<string, string>) => start(args, env).done;

async function until(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Hold an exclusive lock on Glific's messages table: the job's reads wait behind it. */
async function blockMessages(url: string): Promise<pg.Client> {
  const c = new pg.Client({ connectionString: url });
  c.on('error', () => {}); // the server may be stopped under it
  await c.connect();
  await c.query('BEGIN');
  await c.query('LOCK TABLE messages IN ACCESS EXCLUSIVE MODE');
  return c;
}
const waitingOnLock = async (url: string) => Number((await sql(url, `SELECT count(*) AS n FROM pg_locks WHERE NOT granted AND relation = 'messages'::regclass`)).rows[0].n) > 0;

async function seed(fx: GlificFixture, shortcode: string, timezone: string) {
  const org = await fx.org({ shortcode, timezone });
  const c = await fx.contact(org.id, { insertedAt: '2026-02-01 00:00:00' });
  for (const at of ['2026-02-27 10:00:00', '2026-02-28 10:00:00', '2026-03-01 10:00:00', '2026-03-02 10:00:00', '2026-03-03 10:00:00']) {
    await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: at });
    await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at.replace('10:00', '10:01') });
  }
  return org;
}

describe('glific-reports schedule', () => {
  let db: TestDatabase;
  let admin: Db;
  let fx: GlificFixture;
  let out: string;
  let env: Record<string, string>;
  const smtp = new CaptureSmtp();
  const received = smtp.received;

  beforeAll(async () => {
    db = await createTestDatabase('sched');
    admin = connect({ url: db.url });
    fx = await GlificFixture.create(admin);
    await seed(fx, 'india', 'Asia/Kolkata');
    await seed(fx, 'newyork', 'America/New_York');
    const smtpUrl = await smtp.listen();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-sched-'));
    env = {
      GLIFIC_DATABASE_URL: db.url,
      REPORTS_OUTPUT_DIR: out,
      REPORTS_CATCHUP_DAYS: '2',
      SMTP_URL: smtpUrl,
    };
  });
  afterAll(async () => {
    await smtp.close();
    await admin?.destroy();
    await db?.drop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  const runs = async () => (await sql(db.url, `SELECT shortcode, job, trigger, period_from::text AS "from", period_to::text AS "to", status, late, error FROM glific_reports.runs ORDER BY id`).catch(() => ({ rows: [] }))).rows as Array<Record<string, any>>;

  it('three instances racing over the same owed periods run each once and mail each digest once', async () => {
    // 2026-03-02 12:00Z with a two-day window: each org owes two days and February.
    const now = '2026-03-02T12:00:00Z';
    const results = await Promise.all([1, 2, 3].map(() => cli(['schedule', '--once', '--now', now, '--no-site'], env)));
    for (const r of results) expect(r.code, r.stderr).toBe(0);
    const rows = await runs();
    expect(rows.filter((r) => r.status !== 'succeeded')).toEqual([]);
    const keys = rows.map((r) => `${r.shortcode} ${r.job} ${r.from}`).sort();
    expect(keys).toEqual([
      'india daily 2026-02-28',
      'india daily 2026-03-01',
      'india monthly 2026-02-01',
      'newyork daily 2026-02-28',
      'newyork daily 2026-03-01',
      'newyork monthly 2026-02-01',
    ]);
    // A machine that was down when they were due: run late, as catch-up.
    expect(rows.every((r) => r.trigger === 'catch-up' && r.late === true)).toBe(true);
    // One message per org, digest and period: no recipient got anything twice.
    const mails = received.map((m) => `${m.to} ${m.subject}`);
    expect(mails).toHaveLength(6);
    expect(new Set(mails).size).toBe(6);
    expect(received.filter((m) => m.to === 'india@example.org')).toHaveLength(3);
    const deliveries = (await sql(db.url, `SELECT status, count(*)::int AS n FROM glific_reports.digest_deliveries GROUP BY status`)).rows;
    expect(deliveries).toEqual([{ status: 'sent', n: 6 }]);

    // Run again: nothing is owed any more, nothing is sent.
    const again = await cli(['schedule', '--once', '--now', now, '--no-site', '--json'], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ owed: 0, runs: [] });
    expect(received).toHaveLength(6);
  });

  it('SIGTERM during a run: exits 0 well within 30 s, leaves no running row; the next pass redoes it', async () => {
    const now = '2026-03-04T12:00:00Z'; // owes 03-02 and 03-03
    const lock = await blockMessages(db.url);
    const p = start(['schedule', '--now', now, '--no-site', '--no-email'], env);
    try {
      await until('a run waiting on Glific', async () => (await runs()).some((r) => r.status === 'running') && (await waitingOnLock(db.url)));
      p.child.kill('SIGTERM');
      const r = await p.done;
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(/schedule\.stopped/);
    } finally {
      p.child.kill('SIGKILL');
      await lock.query('ROLLBACK').catch(() => {});
      await lock.end();
    }
    const rows = await runs();
    expect(rows.filter((r) => r.status === 'running')).toEqual([]);
    const stopped = rows.filter((r) => r.from === '2026-03-02' && r.status === 'failed');
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped[0].error).toMatch(/stopped before it finished/);

    const next = await cli(['schedule', '--once', '--now', now, '--no-site', '--no-email'], env);
    expect(next.code, next.stderr).toBe(0);
    const done = (await runs()).filter((r) => r.status === 'succeeded' && r.job === 'daily' && r.from >= '2026-03-02');
    expect(done.map((r) => `${r.shortcode} ${r.from}`).sort()).toEqual(['india 2026-03-02', 'india 2026-03-03', 'newyork 2026-03-02', 'newyork 2026-03-03']);
  });

  it('an org whose timezone is not a zone fails with a clear error, the others succeed, exit 1', async () => {
    await fx.org({ shortcode: 'mars', timezone: 'Mars/Olympus' });
    const r = await cli(['run', 'daily', '--date', '2026-03-01', '--no-site', '--no-email', '--json'], env);
    expect(r.code).toBe(1);
    const summary = JSON.parse(r.stdout);
    expect(summary.orgs.find((o: { shortcode: string }) => o.shortcode === 'mars')).toMatchObject({ status: 'failed', error: expect.stringMatching(/"Mars\/Olympus" of mars is not a valid IANA zone/) });
    expect(summary.orgs.filter((o: { status: string }) => o.status === 'succeeded').map((o: { shortcode: string }) => o.shortcode).sort()).toEqual(['india', 'newyork']);
    const human = await cli(['run', 'daily', '--date', '2026-03-01', '--no-site', '--no-email', '--org', 'mars'], env);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(/FAIL mars .*Mars\/Olympus/);

    const status = await cli(['status', '--json'], { ...env });
    expect(status.code, status.stderr).toBe(0);
    const s = JSON.parse(status.stdout);
    expect(s.failures.some((f: { org: string; error: string }) => f.org === 'mars' && /Mars\/Olympus/.test(f.error))).toBe(true);
    expect(s.orgs.find((o: { org: string }) => o.org === 'india')).toMatchObject({ zone: 'Asia/Kolkata', next: { daily: { at: expect.any(String) }, monthly: { at: expect.any(String) } } });
    expect(s.orgs.find((o: { org: string }) => o.org === 'mars').problem).toMatch(/Mars\/Olympus/);
    // The real clock is long past these fixtures: every recent period is overdue.
    expect(s.overdue).toBeGreaterThan(0);
  });

  it('a bad cron expression is a usage error', async () => {
    const r = await cli(['schedule', '--once'], { ...env, REPORTS_DAILY_CRON: '99 2 * * *' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPORTS_DAILY_CRON "99 2 \* \* \*"/);
  });
});

describe('the Glific database stopping mid-run', () => {
  let glificServer: EmbeddedServer;
  let parent: string;
  let port: number;
  let glificUrl: string;
  let store: TestDatabase;
  let out: string;

  beforeAll(async () => {
    parent = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-glific-down-'));
    glificServer = await startEmbeddedPostgres({ parentDir: parent, persistent: true });
    port = glificServer.port;
    await sql(glificServer.url, 'CREATE DATABASE glific');
    glificUrl = withDatabase(glificServer.url, 'glific');
    const db = connect({ url: glificUrl });
    await seed(await GlificFixture.create(db), 'solo', 'Asia/Kolkata');
    await db.destroy();
    store = await createTestDatabase('glificdown');
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-down-'));
  });
  afterAll(async () => {
    await glificServer?.stop();
    await store?.drop();
    fs.rmSync(parent, { recursive: true, force: true });
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('fails the run cleanly (exit 1, marked failed), and the next pass completes it once', async () => {
    const env = { GLIFIC_DATABASE_URL: glificUrl, REPORTS_DATABASE_URL: store.url, REPORTS_OUTPUT_DIR: out, REPORTS_CATCHUP_DAYS: '1' };
    const args = ['schedule', '--once', '--now', '2026-03-02T12:00:00Z', '--no-site', '--no-email'];
    const lock = await blockMessages(glificUrl);
    const p = start(args, env);
    await until('the run to wait on Glific', () => waitingOnLock(glificUrl));
    await glificServer.stop();
    const r = await p.done;
    await lock.end().catch(() => {});
    expect(r.code, r.stderr).toBe(1);
    const runs = async () => (await sql(store.url, `SELECT status, period_from::text AS day, error FROM glific_reports.runs ORDER BY id`)).rows;
    expect(await runs()).toMatchObject([{ status: 'failed', day: '2026-03-01', error: expect.any(String) }]);

    glificServer = await startEmbeddedPostgres({ parentDir: parent, persistent: true, port });
    const again = await cli(args, env);
    expect(again.code, again.stderr).toBe(0);
    expect((await runs()).map((x) => x.status)).toEqual(['failed', 'succeeded']);
    const values = (await sql(store.url, `SELECT metric, count(*)::int AS n FROM glific_reports.daily_values WHERE day = '2026-03-01' GROUP BY metric`)).rows;
    expect(values.map((v) => v.metric).sort()).toEqual([...DAILY_KEYS].sort());
    expect(values.every((v) => v.n === 1)).toBe(true);
    const inbound = (await sql(store.url, `SELECT value FROM glific_reports.daily_values WHERE day = '2026-03-01' AND metric = 'inbound_messages'`)).rows[0];
    expect(Number(inbound.value)).toBe(1);
  });
});
