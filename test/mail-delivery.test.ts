// Delivery as the operator relies on it: a real SMTP server on loopback, the real results store
// with its migrations, and a Glific database holding the org and its users.
import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Knex } from 'knex';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import { connect } from '../db/connect.ts';
import { migrationSource } from '../store/migrations/index.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import type { DayRow, OrgReport } from '../metrics/report.ts';
import { sendDigests, previewPath, type SendDigestsOptions } from '../mail/deliver.ts';
import { readDeliveries } from '../mail/ledger.ts';
import { addRecipient, removeRecipient, listRecipients, clearRecipient, digestRecipients } from '../mail/recipients.ts';
import { publishSite } from '../publish/site.ts';
import { fixtureReport } from './support/site-fixtures.ts';

let reportsTdb: TestDatabase;
let glificTdb: TestDatabase;
let reportsDb: Knex;
let glificDb: Knex;
let glificRw: Knex;
let acme: { id: number; shortcode: string };
let outputDir: string;

// ---- a real SMTP server whose answers each test scripts --------------------------------------
interface Received {
  to: string[];
  subject: string;
  raw: string;
}
let received: Received[] = [];
/** Per recipient: replies to give to RCPT TO before accepting ('421', '550', …). */
let rcptScript = new Map<string, string[]>();
let dataDelayMs = 0;
let server: SMTPServer;
let smtpUrl: string;

function smtpError(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function startSmtp(): Promise<void> {
  server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, cb) {
      const script = rcptScript.get(address.address.toLowerCase());
      const next = script?.shift();
      if (next === '421') return cb(smtpError(421, 'Try again later'));
      if (next === '450') return cb(smtpError(450, 'Mailbox busy'));
      if (next === '550') return cb(smtpError(550, 'No such user here'));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = await simpleParser(raw);
        if (dataDelayMs) await new Promise((r) => setTimeout(r, dataDelayMs));
        received.push({ to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()), subject: parsed.subject ?? '', raw });
        cb();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as AddressInfo).port;
  smtpUrl = `smtp://127.0.0.1:${port}`;
}

/** A loopback port nobody listens on: connection refused. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

// ---- data ----------------------------------------------------------------------------------
function report(org: { id: number; shortcode: string }, dates: string[]): OrgReport {
  const days: DayRow[] = dates.map((date, i) => ({
    date,
    values: { inbound_messages: 700 + i, outbound_messages: 534, active_contacts: 56, new_contacts: 3 },
    mostActiveHour: 10,
    provenance: {},
    utcDayImport: false,
    lateSnapshot: false,
  }));
  return {
    org: { id: org.id, shortcode: org.shortcode, name: 'Acme Trust', timezone: 'Asia/Kolkata', timezoneIsFallback: false, email: 'acme@example.org', bookmarks: {} },
    dataCutoff: `${dates[dates.length - 1]}T18:30:00Z`,
    generatedAt: '2026-03-02T00:00:00Z',
    days,
    months: [],
    ranges: [],
    hourly: dates.map((date) => ({ date, hour: 10, inbound: 50, outbound: 40 })),
  };
}

const EXPECTED = ['acme@example.org', 'manager@example.org', 'second.admin@example.org'];

function options(period: string, over: Partial<SendDigestsOptions> = {}): SendDigestsOptions {
  return {
    reports: [report(acme, [period])],
    kind: 'daily',
    periods: { acme: period },
    reportsDb,
    glificDb,
    smtpUrl,
    outputDir,
    siteUrl: 'https://reports.example.org',
    from: 'Glific Reports <reports@example.org>',
    now: new Date('2026-03-02T02:00:00Z'),
    retry: { attempts: 4, baseDelayMs: 5 },
    ...over,
  };
}

const sentTo = (subjectPart: string) => received.filter((r) => r.subject.includes(subjectPart)).flatMap((r) => r.to).sort();

beforeAll(async () => {
  [reportsTdb, glificTdb] = await Promise.all([createTestDatabase('mail_reports'), createTestDatabase('mail_glific')]);
  const admin = connect({ url: reportsTdb.url });
  await admin.raw('CREATE SCHEMA IF NOT EXISTS glific_reports');
  await admin.destroy();
  reportsDb = connect({ url: reportsTdb.url, searchPath: 'glific_reports' });
  await reportsDb.migrate.latest({ migrationSource, schemaName: 'glific_reports', tableName: 'knex_migrations' });

  glificRw = connect({ url: glificTdb.url });
  const fx = await GlificFixture.create(glificRw);
  const org = await fx.org({ shortcode: 'acme', name: 'Acme Trust', email: 'acme@example.org' });
  acme = { id: org.id, shortcode: 'acme' };
  await fx.user(org.id, { phone: '919800000001', name: 'Manager', roles: ['manager'], email: 'Manager@Example.org' });
  await fx.user(org.id, { phone: '919800000002', name: 'Second admin', roles: ['staff', 'admin'], email: 'second.admin@example.org' });
  await fx.user(org.id, { phone: '919800000003', name: 'Staff', roles: ['staff'], email: 'staff@example.org' });
  await fx.user(org.id, { phone: '919800000004', name: 'No email admin', roles: ['admin'], email: null });
  await fx.user(org.id, { phone: '919800000005', name: 'Duplicate', roles: ['admin'], email: 'ACME@example.org' });
  const beta = await fx.org({ shortcode: 'beta', name: 'Beta', email: 'beta@example.org' });
  await fx.user(beta.id, { phone: '919800000006', name: 'Beta admin', roles: ['admin'], email: 'beta.admin@example.org' });
  glificDb = connect({ url: glificTdb.url, readOnly: true });

  outputDir = mkdtempSync(path.join(os.tmpdir(), 'mail-delivery-'));
  await startSmtp();
});

afterAll(async () => {
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  await Promise.all([reportsDb?.destroy(), glificDb?.destroy(), glificRw?.destroy()]);
  await Promise.all([reportsTdb?.drop(), glificTdb?.drop()]);
  if (outputDir) rmSync(outputDir, { recursive: true, force: true });
});

beforeEach(() => {
  received = [];
  rcptScript = new Map();
  dataDelayMs = 0;
});

describe('recipients', () => {
  it('defaults to the org email and its admins and managers, deduplicated, scoped to the org', async () => {
    const r = await digestRecipients(reportsDb, glificDb, acme, 'daily');
    expect(r.recipients.map((x) => x.email).sort()).toEqual(EXPECTED);
  });

  it('lets an operator add and remove recipients per kind, and undo that', async () => {
    await addRecipient(reportsDb, { org: acme, kind: 'monthly', email: 'Board@Example.org', note: 'board' });
    await removeRecipient(reportsDb, { org: acme, kind: 'all', email: 'manager@example.org' });
    await expect(addRecipient(reportsDb, { org: acme, kind: 'daily', email: 'nope' })).rejects.toThrow(/not a valid email/);
    const monthly = (await digestRecipients(reportsDb, glificDb, acme, 'monthly')).recipients.map((x) => x.email).sort();
    const daily = (await digestRecipients(reportsDb, glificDb, acme, 'daily')).recipients.map((x) => x.email).sort();
    expect(monthly).toEqual(['acme@example.org', 'board@example.org', 'second.admin@example.org']);
    expect(daily).toEqual(['acme@example.org', 'second.admin@example.org']);
    expect((await listRecipients(reportsDb, { org: acme })).map((o) => `${o.kind}:${o.action}:${o.email}`)).toEqual([
      'all:remove:manager@example.org',
      'monthly:add:board@example.org',
    ]);
    expect(await clearRecipient(reportsDb, { org: acme, kind: 'all', email: 'manager@example.org' })).toBe(true);
    expect(await clearRecipient(reportsDb, { org: acme, kind: 'monthly', email: 'board@example.org' })).toBe(true);
    expect(await listRecipients(reportsDb, { org: acme })).toEqual([]);
  });
});

describe('delivery', () => {
  it('retries a server that answers 421 twice, then delivers exactly once; a rerun sends nothing new', async () => {
    rcptScript.set('manager@example.org', ['421', '421']);
    const first = await sendDigests(options('2026-03-01'));
    expect(first.permanentFailures).toBe(0);
    expect(first.pending).toBe(0);
    expect(first.outcomes.map((o) => `${o.recipient}:${o.status}`).sort()).toEqual(EXPECTED.map((e) => `${e}:sent`));
    expect(sentTo('2026-03-01')).toEqual(EXPECTED);
    const rows = await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period: '2026-03-01' });
    expect(rows.map((r) => [r.recipient, r.status, r.attempts])).toEqual([
      ['acme@example.org', 'sent', 1],
      ['manager@example.org', 'sent', 3],
      ['second.admin@example.org', 'sent', 1],
    ]);
    expect(rows.every((r) => r.messageId && r.sentAt)).toBe(true);
    // one message per recipient, and what arrived is the digest
    const msg = received.find((r) => r.to[0] === 'manager@example.org')!;
    expect(msg.to).toEqual(['manager@example.org']);
    expect(msg.subject).toBe('[Acme Trust] Daily report 2026-03-01: 1,234 messages, 56 active contacts');

    const again = await sendDigests(options('2026-03-01', { now: new Date('2026-03-02T03:00:00Z') }));
    expect(received.length).toBe(3);
    expect(again.outcomes.map((o) => o.status)).toEqual(['skipped', 'skipped', 'skipped']);
    expect(again.permanentFailures).toBe(0);
  });

  it('sends again with resend', async () => {
    const r = await sendDigests(options('2026-03-01', { resend: true, now: new Date('2026-03-03T02:00:00Z') }));
    expect(r.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sentTo('2026-03-01')).toEqual(EXPECTED);
  });

  it('records a 550 as a permanent failure without blocking the others, and keeps reporting it', async () => {
    rcptScript.set('second.admin@example.org', ['550']);
    const r = await sendDigests(options('2026-03-02', { reports: [report(acme, ['2026-03-02'])], periods: { acme: '2026-03-02' } }));
    expect(r.permanentFailures).toBe(1);
    const failed = r.outcomes.find((o) => o.status === 'failed')!;
    expect(failed.recipient).toBe('second.admin@example.org');
    expect(failed.error).toMatch(/550/);
    expect(sentTo('2026-03-02')).toEqual(['acme@example.org', 'manager@example.org']);
    const row = (await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period: '2026-03-02' }, ['second.admin@example.org']))[0];
    expect(row).toMatchObject({ status: 'failed', attempts: 1, lastResponseCode: 550 });
    expect(row.lastError).toMatch(/No such user/);

    // A rerun does not retry it (550 is final) but does not hide it either.
    const again = await sendDigests(options('2026-03-02', { reports: [report(acme, ['2026-03-02'])], periods: { acme: '2026-03-02' }, now: new Date('2026-03-03T05:00:00Z') }));
    expect(again.permanentFailures).toBe(1);
    expect(received.length).toBe(2);
  });

  it('delivers each digest once per recipient when runs go at once', async () => {
    dataDelayMs = 30;
    const period = '2026-03-04';
    const o = options(period, { reports: [report(acme, [period])], periods: { acme: period } });
    const runs = await Promise.all(['run-a', 'run-b', 'run-c'].map((runId) => sendDigests({ ...o, runId })));
    expect(sentTo(period)).toEqual(EXPECTED);
    const outcomes = runs.flatMap((r) => r.outcomes);
    expect(outcomes.filter((x) => x.status === 'sent').map((x) => x.recipient).sort()).toEqual(EXPECTED);
    // the others saw each recipient claimed (held: not known yet whether it arrived) or sent
    expect(outcomes.filter((x) => x.status === 'held' || x.status === 'skipped').length).toBe(6);
    expect(runs.reduce((n, r) => n + r.permanentFailures + r.pending, 0)).toBe(0);
    const rows = await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period });
    expect(rows.map((x) => [x.status, x.attempts])).toEqual([['sent', 1], ['sent', 1], ['sent', 1]]);
  });

  it('leaves a digest pending when the server refuses connections, and the next run delivers it', async () => {
    const period = '2026-03-05';
    const down = `smtp://127.0.0.1:${await closedPort()}`;
    const events: string[] = [];
    const r = await sendDigests(
      options(period, { reports: [report(acme, [period])], periods: { acme: period }, smtpUrl: down, log: (e) => events.push(e) }),
    );
    expect(r.permanentFailures).toBe(0);
    expect(r.pending).toBe(3);
    expect(r.outcomes.every((o) => o.status === 'pending')).toBe(true);
    expect(events.filter((e) => e === 'mail.retry').length).toBe(3); // 4 attempts on the first, then no more hammering
    const rows = await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period });
    expect(rows.every((x) => x.status === 'pending' && x.lastError)).toBe(true);

    const next = await sendDigests(options(period, { reports: [report(acme, [period])], periods: { acme: period }, now: new Date('2026-03-06T02:00:00Z') }));
    expect(next.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sentTo(period)).toEqual(EXPECTED);
  });

  it('retries transient 4xx in the run and leaves the digest pending if they persist', async () => {
    const period = '2026-03-06';
    rcptScript.set('acme@example.org', ['450', '450', '450', '450']);
    const r = await sendDigests(options(period, { reports: [report(acme, [period])], periods: { acme: period } }));
    expect(r.pending).toBe(1);
    expect(r.permanentFailures).toBe(0);
    expect(sentTo(period)).toEqual(['manager@example.org', 'second.admin@example.org']);
    const row = (await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period }, ['acme@example.org']))[0];
    expect(row).toMatchObject({ status: 'pending', attempts: 4, lastResponseCode: 450 });
  });

  it('takes over a claim left by a crashed run once it is stale', async () => {
    const period = '2026-03-07';
    const o = options(period, { reports: [report(acme, [period])], periods: { acme: period } });
    await reportsDb('digest_deliveries').insert(
      EXPECTED.map((recipient) => ({
        org_id: acme.id, org_shortcode: 'acme', kind: 'daily', period, recipient, status: 'sending', claimed_by: 'crashed', claimed_at: new Date('2026-03-02T01:50:00Z'),
        created_at: new Date('2026-03-02T01:50:00Z'), updated_at: new Date('2026-03-02T01:50:00Z'),
      })),
    );
    const fresh = await sendDigests(o); // 10 minutes later: the claim may still be live
    expect(fresh.outcomes.map((x) => x.status)).toEqual(['held', 'held', 'held']);
    expect(fresh.held).toBe(3);
    expect(received.length).toBe(0);
    const later = await sendDigests({ ...o, now: new Date('2026-03-02T03:00:00Z') });
    expect(later.outcomes.map((x) => x.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sentTo(period)).toEqual(EXPECTED);
  });

  it('writes an .eml preview without SMTP, which is not a delivery', async () => {
    const period = '2026-03-08';
    const o = options(period, { reports: [report(acme, [period])], periods: { acme: period }, smtpUrl: undefined });
    const r = await sendDigests(o);
    expect(r.outcomes.map((x) => x.status)).toEqual(['previewed', 'previewed', 'previewed']);
    const file = previewPath(outputDir, 'acme', 'daily', period);
    expect(file).toBe(path.join(outputDir, 'mail', 'acme', `daily-${period}.eml`));
    expect(existsSync(file)).toBe(true);
    const parsed = await simpleParser(readFileSync(file));
    expect((Array.isArray(parsed.to) ? parsed.to : [parsed.to]).flatMap((t) => t!.value.map((v) => v.address)).sort()).toEqual(EXPECTED);
    expect(parsed.attachments.length).toBeGreaterThanOrEqual(3);
    expect(received.length).toBe(0);
    expect((await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period })).map((x) => x.status)).toEqual(['previewed', 'previewed', 'previewed']);

    const real = await sendDigests({ ...o, smtpUrl });
    expect(real.outcomes.map((x) => x.status)).toEqual(['sent', 'sent', 'sent']);
    expect(sentTo(period)).toEqual(EXPECTED);
  });

  it('keeps a digest pending, not failed, when the server does not offer the STARTTLS that SMTP_URL requires', async () => {
    const period = '2026-03-11';
    const logged: Array<[string, Record<string, unknown>]> = [];
    // The test server has STARTTLS switched off; tls=required is what a remote host gets by default.
    const r = await sendDigests(options(period, { smtpUrl: `${smtpUrl}?tls=required`, log: (e, f = {}) => logged.push([e, f]) }));
    expect(received).toEqual([]);
    expect(r.permanentFailures).toBe(0);
    expect(r.outcomes.map((o) => o.status)).toEqual(['pending', 'pending', 'pending']);
    expect(r.outcomes[0].error).toMatch(/^TLS with the SMTP server failed \(Error upgrading connection with STARTTLS.*\); mail is not sent unencrypted/);
    expect(logged.find(([e]) => e === 'mail.transport')?.[1]).toMatchObject({ security: 'STARTTLS required, certificate verified' });
    expect((await readDeliveries(reportsDb, { orgId: acme.id, org: 'acme', kind: 'daily', period })).map((x) => x.status)).toEqual(['pending', 'pending', 'pending']);
    // Once the operator fixes SMTP_URL (here: loopback, where plain text is allowed) the next run delivers.
    const next = await sendDigests(options(period));
    expect(next.outcomes.map((o) => o.status)).toEqual(['sent', 'sent', 'sent']);
  });

  it('writes everything under the output directory for its owner and group only', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'mail-modes-'));
    // A permissive umask (a login shell's), so only the modes the code passes can keep others out.
    const umask = process.umask(0o002);
    try {
      // What an older version left: a world-readable preview directory and site page.
      mkdirSync(path.join(out, 'mail/acme'), { recursive: true, mode: 0o755 });
      mkdirSync(path.join(out, 'site/older'), { recursive: true, mode: 0o755 });
      writeFileSync(path.join(out, 'site/older/index.html'), '<p>older</p>', { mode: 0o644 });
      chmodSync(path.join(out, 'mail'), 0o755);
      chmodSync(path.join(out, 'mail/acme'), 0o755);
      chmodSync(path.join(out, 'site'), 0o755);

      await publishSite({ reports: [fixtureReport({ shortcode: 'acme', name: 'Acme Trust', from: '2026-03-01', to: '2026-03-03' })], outputDir: out, now: new Date('2026-03-04T10:00:00Z') });
      const period = '2026-03-12';
      const r = await sendDigests(options(period, { smtpUrl: undefined, outputDir: out }));
      expect(r.outcomes.map((x) => x.status)).toEqual(['previewed', 'previewed', 'previewed']);

      const modes: Record<string, string> = {};
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          modes[path.relative(out, p)] = (statSync(p).mode & 0o777).toString(8);
          if (e.isDirectory()) walk(p);
        }
      };
      walk(out);
      expect(Object.keys(modes)).toEqual(expect.arrayContaining(['site/acme/data/daily.csv', 'site/acme/daily/2026-03-03.html', 'site/.manifest.json', 'site/older/index.html', `mail/acme/daily-${period}.eml`]));
      const wrong = Object.entries(modes).filter(([p, m]) => m !== (statSync(path.join(out, p)).isDirectory() ? '750' : '640'));
      expect(wrong).toEqual([]);
    } finally {
      process.umask(umask);
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('reports a digest it cannot build instead of dropping it', async () => {
    const missing = await sendDigests(options('2026-03-10', { reports: [report(acme, ['2026-03-09'])] }));
    expect(missing.permanentFailures).toBe(1);
    expect(missing.outcomes[0]).toMatchObject({ status: 'failed', recipient: '' });
    expect(missing.outcomes[0].error).toMatch(/no day 2026-03-10/);
  });
});
