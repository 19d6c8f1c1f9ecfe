// Digests through faults, as an operator lives them: real `glific-reports schedule --once`
// processes, real PostgreSQL, a real SMTP server on loopback (smtp-server, read back with
// mailparser). SMTP down during the nightly run; an address answering 550 in one of two orgs; a
// process killed right after the server accepted a message; a send longer than the claim window.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { connect, type Db } from '../db/connect.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { sendDigests } from '../mail/deliver.ts';
import type { OrgReport } from '../metrics/report.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';
import { cli, startCli } from './support/cli.ts';
import { CaptureSmtp as Smtp } from './support/smtp.ts';

const start = (args: string[], env: Record<string, string>) => startCli(args, { env });

async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}


async function seedOrg(fx: GlificFixture, shortcode: string, extra: string[]) {
  const org = await fx.org({ shortcode, timezone: 'Asia/Kolkata' });
  let n = 0;
  for (const email of extra) await fx.user(org.id, { phone: `9188${String(org.id).padStart(3, '0')}${String(++n).padStart(4, '0')}`, name: email, roles: ['admin'], email });
  const c = await fx.contact(org.id, { insertedAt: '2026-02-01 00:00:00' });
  for (const at of ['2026-02-28 10:00:00', '2026-03-01 10:00:00', '2026-03-02 10:00:00', '2026-03-03 10:00:00']) {
    await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: at });
    await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at.replace('10:00', '10:01') });
  }
  return org;
}

describe('digests through SMTP faults, with real schedule processes', () => {
  let db: TestDatabase;
  let admin: Db;
  let fx: GlificFixture;
  let out: string;
  const servers: Smtp[] = [];
  const base = () => ({ GLIFIC_DATABASE_URL: db.url, REPORTS_OUTPUT_DIR: out, REPORTS_CATCHUP_DAYS: '1' });
  const q = async (text: string) => (await sql(db.url, text)).rows as Array<Record<string, any>>;

  beforeAll(async () => {
    db = await createTestDatabase('digestfaults');
    admin = connect({ url: db.url });
    fx = await GlificFixture.create(admin);
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-digest-faults-'));
  });
  afterAll(async () => {
    for (const s of servers) await s.close().catch(() => {});
    await admin?.destroy();
    await db?.drop();
    fs.rmSync(out, { recursive: true, force: true });
  });
  beforeEach(async () => {
    // Each test has its own orgs; the ledgers start empty.
    await admin.raw(`UPDATE organizations SET is_active = false`);
    await sql(db.url, `DO $$ BEGIN IF to_regclass('glific_reports.runs') IS NOT NULL THEN
      TRUNCATE glific_reports.runs, glific_reports.digest_deliveries, glific_reports.digest_recipients; END IF; END $$`);
  });

  it('SMTP refusing connections during the nightly run: the run is not succeeded; the next pass delivers once from the store; a third sends nothing', async () => {
    await seedOrg(fx, 'down', ['lead@down.example.org']);
    const port = await freePort(); // nobody listens: connection refused
    const env = { ...base(), SMTP_URL: `smtp://127.0.0.1:${port}` };

    const night = await cli(['schedule', '--once', '--now', '2026-03-02T12:00:00Z', '--no-site', '--json'], env);
    expect(night.code, night.stderr).toBe(1);
    const [run] = JSON.parse(night.stdout).runs;
    expect(run.orgs).toMatchObject([{ shortcode: 'down', from: '2026-03-01', status: 'delivering', email: { sent: 0, pending: 2, failed: 0 } }]);
    const runsAfterNight = await q(`SELECT id, status, error FROM glific_reports.runs`);
    expect(runsAfterNight).toHaveLength(1);
    expect(runsAfterNight[0].status).toBe('delivering'); // not succeeded
    expect(await q(`SELECT recipient, status FROM glific_reports.digest_deliveries ORDER BY recipient`)).toEqual([
      { recipient: 'down@example.org', status: 'pending' },
      { recipient: 'lead@down.example.org', status: 'pending' },
    ]);
    const computedAt = (await q(`SELECT max(computed_at) AS at FROM glific_reports.daily_values`))[0].at;

    // `status` shows what is owed, since when, and why.
    const status = await cli(['status', '--json'], env);
    const s = JSON.parse(status.stdout);
    expect(s.runs.find((r: { org: string }) => r.org === 'down')).toMatchObject({ status: 'delivering', period: '2026-03-01' });
    expect(s.deliveries.pending.map((d: { recipient: string }) => d.recipient)).toEqual(['down@example.org', 'lead@down.example.org']);
    expect(s.deliveries.pending[0]).toMatchObject({ org: 'down', kind: 'daily', period: '2026-03-01', status: 'pending', since: '2026-03-02T12:00:00.000Z', ageMinutes: expect.any(Number), error: expect.stringMatching(/ECONNREFUSED|connect/i) });
    expect(s.deliveries.pending[0].ageMinutes).toBeGreaterThan(0);
    const text = await cli(['status'], env);
    expect(text.stdout).toMatch(/digests owed\n\s+down\s+daily\s+2026-03-01\s+down@example.org\s+pending for \d+ days, \d+ attempt/);

    // The SMTP server comes up on that port; the next pass delivers, with no one doing anything.
    const smtp = new Smtp();
    servers.push(smtp);
    await smtp.listen(port);
    const next = await cli(['schedule', '--once', '--now', '2026-03-02T13:00:00Z', '--no-site', '--json'], env);
    expect(next.code, next.stderr).toBe(0);
    const tick = JSON.parse(next.stdout);
    expect(tick).toMatchObject({ owed: 0, runs: [], deliveries: { runs: 1, owed: 0, outcomes: [{ shortcode: 'down', status: 'succeeded', email: { sent: 2 } }] } });
    expect(smtp.received.map((m) => m.to).sort()).toEqual(['down@example.org', 'lead@down.example.org']);
    expect(smtp.received[0].subject).toMatch(/Daily report 2026-03-01/);
    // The same run, now succeeded; nothing was computed again.
    expect(await q(`SELECT id, status FROM glific_reports.runs`)).toEqual([{ id: runsAfterNight[0].id, status: 'succeeded' }]);
    expect((await q(`SELECT max(computed_at) AS at FROM glific_reports.daily_values`))[0].at).toEqual(computedAt);

    const third = await cli(['schedule', '--once', '--now', '2026-03-02T14:00:00Z', '--no-site', '--json'], env);
    expect(third.code, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toMatchObject({ owed: 0, runs: [], deliveries: { runs: 0, owed: 0 } });
    expect(smtp.received).toHaveLength(2);
    expect(JSON.parse((await cli(['status', '--json'], env)).stdout).deliveries).toEqual({ pending: [], failed: [] });
  });

  it('an address answering 550 in org A: both runs succeed, the refusal is in A\'s summary only and in status until the address is removed', async () => {
    const a = await seedOrg(fx, 'orga', ['gone@orga.example.org']);
    await seedOrg(fx, 'orgb', ['lead@orgb.example.org']);
    const smtp = new Smtp();
    servers.push(smtp);
    smtp.refuse.add('gone@orga.example.org');
    const env = { ...base(), SMTP_URL: await smtp.listen() };

    const night = await cli(['schedule', '--once', '--now', '2026-03-02T12:00:00Z', '--no-site', '--json'], env);
    expect(night.code, night.stderr).toBe(0);
    const orgs = JSON.parse(night.stdout).runs.flatMap((r: { orgs: unknown[] }) => r.orgs);
    const A = orgs.find((o: { shortcode: string }) => o.shortcode === 'orga');
    const B = orgs.find((o: { shortcode: string }) => o.shortcode === 'orgb');
    expect(A).toMatchObject({ status: 'succeeded', email: { sent: 1, failed: 1, failures: [{ recipient: 'gone@orga.example.org', error: expect.stringMatching(/550/) }] } });
    expect(B).toMatchObject({ status: 'succeeded', email: { sent: 2, failed: 0 } });
    expect(B.email.failures).toBeUndefined();
    expect(B.error).toBeUndefined();
    expect(smtp.received.map((m) => m.to).sort()).toEqual(['lead@orgb.example.org', 'orga@example.org', 'orgb@example.org']);
    // The human summary: the refusal on A's line, none on B's.
    const human = await cli(['run', 'daily', '--date', '2026-03-01', '--no-site'], env);
    expect(human.code, human.stderr).toBe(0);
    const lines = human.stdout.split('\n');
    const emailOf = (sc: string) => lines[lines.findIndex((l) => l.includes(` ${sc} `)) + 1];
    expect(emailOf('orga')).toMatch(/email: .*"failed":1.*gone@orga\.example\.org/);
    expect(emailOf('orgb')).toMatch(/email: .*"failed":0/);
    expect(emailOf('orgb')).not.toMatch(/gone@/);

    // Nothing is redone: the next pass the same day owes nothing and computes nothing.
    const again = await cli(['schedule', '--once', '--now', '2026-03-02T18:00:00Z', '--no-site', '--json'], env);
    expect(JSON.parse(again.stdout)).toMatchObject({ owed: 0, runs: [] });
    expect((await q(`SELECT status, trigger, count(*)::int AS n FROM glific_reports.runs GROUP BY 1, 2 ORDER BY 2, 1`))).toEqual([
      { status: 'succeeded', trigger: 'catch-up', n: 2 },
      { status: 'succeeded', trigger: 'manual', n: 2 },
    ]);

    // The next night refuses it again: status keeps reporting it, for org A only.
    await cli(['schedule', '--once', '--now', '2026-03-03T12:00:00Z', '--no-site'], env);
    let s = JSON.parse((await cli(['status', '--json'], env)).stdout);
    expect(s.deliveries.failed).toEqual([
      expect.objectContaining({ org: 'orga', orgId: a.id, recipient: 'gone@orga.example.org', refused: 2, period: '2026-03-02', responseCode: 550, ageMinutes: expect.any(Number) }),
    ]);
    expect(s.deliveries.pending).toEqual([]);

    // Until an operator removes it.
    const removed = await cli(['recipients', 'remove', '--org', 'orga', '--email', 'gone@orga.example.org'], env);
    expect(removed.code, removed.stderr).toBe(0);
    s = JSON.parse((await cli(['status', '--json'], env)).stdout);
    expect(s.deliveries.failed).toEqual([]);
    const sent = smtp.received.length;
    await cli(['schedule', '--once', '--now', '2026-03-04T12:00:00Z', '--no-site'], env);
    expect(smtp.received.slice(sent).map((m) => m.to).sort()).toEqual(['lead@orgb.example.org', 'orga@example.org', 'orgb@example.org']);
  });

  it('killed right after the server accepted: an immediate rerun sends that recipient nothing; after the claim window it is sent again, with the same Message-ID', async () => {
    await seedOrg(fx, 'crash', ['one@crash.example.org', 'two@crash.example.org']);
    const smtp = new Smtp();
    servers.push(smtp);
    const env = { ...base(), SMTP_URL: await smtp.listen() };

    const p = start(['schedule', '--once', '--now', '2026-03-02T12:00:00Z', '--no-site'], env);
    // The first message has arrived in full; the process dies before it hears the 250.
    smtp.onMessage = () => {
      smtp.onMessage = undefined;
      p.child.kill('SIGKILL');
    };
    const killed = await p.done;
    expect(killed.signal).toBe('SIGKILL');
    expect(smtp.received).toHaveLength(1);
    const first = smtp.received[0];
    expect(await q(`SELECT recipient FROM glific_reports.digest_deliveries WHERE status = 'sending'`)).toEqual([{ recipient: first.to }]);

    // A minute later, inside the claim window: the other two get theirs, the first nothing.
    const rerun = await cli(['schedule', '--once', '--now', '2026-03-02T12:01:00Z', '--no-site', '--json'], env);
    expect(rerun.code, rerun.stderr).toBe(1); // that digest is still owed
    expect(smtp.to(first.to)).toHaveLength(1);
    expect(smtp.received.map((m) => m.to).sort()).toEqual(['crash@example.org', 'one@crash.example.org', 'two@crash.example.org']);
    expect(JSON.parse(rerun.stdout).runs[0].orgs[0]).toMatchObject({ status: 'delivering', email: { sent: 2, held: 1 } });
    const status = JSON.parse((await cli(['status', '--json'], env)).stdout);
    expect(status.deliveries.pending).toEqual([expect.objectContaining({ recipient: first.to, status: 'sending', claimedBy: expect.stringMatching(/-\d+-/) })]);
    const again = await cli(['schedule', '--once', '--now', '2026-03-02T12:20:00Z', '--no-site', '--json'], env);
    expect(again.code).toBe(1);
    expect(smtp.received).toHaveLength(3);

    // After the 30-minute claim window the claim is taken to be dead's: sent again (at least once),
    // as the same message, so a mail client that deduplicates by Message-ID shows it once.
    const after = await cli(['schedule', '--once', '--now', '2026-03-02T12:31:00Z', '--no-site', '--json'], env);
    expect(after.code, after.stderr).toBe(0);
    expect(JSON.parse(after.stdout).deliveries.outcomes).toMatchObject([{ shortcode: 'crash', status: 'succeeded', email: { sent: 1 } }]);
    const copies = smtp.to(first.to);
    expect(copies).toHaveLength(2);
    expect(copies[1].messageId).toBe(copies[0].messageId);
    expect(smtp.received).toHaveLength(4);
    expect(await q(`SELECT DISTINCT status FROM glific_reports.digest_deliveries`)).toEqual([{ status: 'sent' }]);
  });
});

describe('a send longer than the claim window', () => {
  let reports: TestDatabase;
  let glific: TestDatabase;
  let store: Db;
  let glificDb: Db;
  let smtp: Smtp;
  let smtpUrl: string;
  let org: { id: number; shortcode: string };

  beforeAll(async () => {
    [reports, glific] = await Promise.all([createTestDatabase('claimwin_store'), createTestDatabase('claimwin_glific')]);
    store = connectStore(reports.url);
    await migrateStore(store);
    const rw = connect({ url: glific.url });
    const fx = await GlificFixture.create(rw);
    const o = await fx.org({ shortcode: 'slow', timezone: 'Asia/Kolkata' });
    await fx.user(o.id, { phone: '919811100001', name: 'A', roles: ['admin'], email: 'a@slow.example.org' });
    await fx.user(o.id, { phone: '919811100002', name: 'B', roles: ['manager'], email: 'b@slow.example.org' });
    await rw.destroy();
    org = { id: o.id, shortcode: 'slow' };
    glificDb = connect({ url: glific.url, readOnly: true });
    smtp = new Smtp();
    smtpUrl = await smtp.listen();
  });
  afterAll(async () => {
    await smtp?.close();
    await store?.destroy();
    await glificDb?.destroy();
    await Promise.all([reports?.drop(), glific?.drop()]);
  });

  it('refreshes its claim, so a second run does not take over the message still being sent', async () => {
    const report: OrgReport = {
      org: { id: org.id, shortcode: 'slow', name: 'Slow Trust', timezone: 'Asia/Kolkata', timezoneIsFallback: false, email: 'slow@example.org', bookmarks: {} },
      dataCutoff: '2026-03-01T18:30:00Z',
      generatedAt: '2026-03-02T00:00:00Z',
      days: [{ date: '2026-03-01', values: { inbound_messages: 10, outbound_messages: 5, active_contacts: 3, new_contacts: 1 }, mostActiveHour: 10, provenance: {}, utcDayImport: false, lateSnapshot: false }],
      months: [],
      ranges: [],
      hourly: [{ date: '2026-03-01', hour: 10, inbound: 10, outbound: 5 }],
    };
    const windowMs = 1500;
    const options = (runId: string) => ({
      reports: [report], kind: 'daily' as const, periods: { slow: '2026-03-01' }, reportsDb: store, glificDb, smtpUrl, outputDir: os.tmpdir(),
      siteUrl: 'https://reports.example.org', from: 'reports@example.org', now: new Date(), runId, staleClaimMs: windowMs, retry: { attempts: 1, baseDelayMs: 1 },
    });
    // The first message takes 4 s to be accepted: longer than the 1.5 s claim window.
    let arrivedFirst!: () => void;
    const arrived = new Promise<void>((r) => (arrivedFirst = r));
    smtp.onMessage = () => {
      smtp.onMessage = undefined;
      smtp.delayMs = 4000;
      arrivedFirst();
    };
    const long = sendDigests(options('long-run'));
    await arrived;
    await new Promise((r) => setTimeout(r, 2500));
    smtp.delayMs = 0;
    // 2.5 s into the first send: an unrefreshed claim (made at its start) would look dead now.
    const second = await sendDigests(options('second-run'));
    const first = await long;
    const counts = new Map<string, number>();
    for (const m of smtp.received) counts.set(m.to, (counts.get(m.to) ?? 0) + 1);
    expect([...counts.values()].every((n) => n === 1), JSON.stringify([...counts])).toBe(true);
    expect([...counts.keys()].sort()).toEqual(['a@slow.example.org', 'b@slow.example.org', 'slow@example.org']);
    // The message still being sent is held by the second run, not taken over. (Under load the first
    // run may also have claimed the next recipient by the time the second run reaches it: held too.)
    const slow = smtp.received[0].to;
    expect(second.outcomes.find((o) => o.recipient === slow)?.status).toBe('held');
    expect(second.outcomes.filter((o) => o.status === 'held').length).toBeGreaterThanOrEqual(1);
    expect([...first.outcomes, ...second.outcomes].filter((o) => o.status === 'sent')).toHaveLength(3);
  });
});
