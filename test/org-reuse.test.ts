// A shortcode reused by a new organization after the old one was deleted: a different
// organization everywhere — results store, recipients, delivery ledger, site folder, `serve`.
// Real `glific-reports` processes, real PostgreSQL, a real SMTP server on loopback. And the
// upgrade of a store whose rows were keyed by shortcode.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { connect, type Db } from '../db/connect.ts';
import { FIXTURE_PASSWORD, GlificFixture } from '../demo/glific/fixture.ts';
import { connectStore } from '../store/connect.ts';
import { MIGRATIONS, migrationSource } from '../store/migrations/index.ts';
import { createServeApp } from '../serve/app.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';
import { cli } from './support/cli.ts';
import { CaptureSmtp } from './support/smtp.ts';



/** Log in through the form and read a page, as a browser would. */
async function page(app: FastifyInstance, phone: string, url: string): Promise<{ status: number; body: string }> {
  const form = await app.inject({ method: 'GET', url: '/login' });
  const csrf = /name="csrf" value="([^"]+)"/.exec(form.body)![1];
  const loginCookie = form.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
  const login = await app.inject({ method: 'POST', url: '/login', headers: { cookie: loginCookie, 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ csrf, phone, password: FIXTURE_PASSWORD }).toString() });
  expect(login.statusCode, login.body).toBe(303);
  const session = login.cookies.filter((c) => c.value).map((c) => `${c.name}=${c.value}`).join('; ');
  const r = await app.inject({ method: 'GET', url, headers: { cookie: session } });
  return { status: r.statusCode, body: r.body };
}

describe('a shortcode reused after its organization was deleted', () => {
  let db: TestDatabase;
  let admin: Db;
  let fx: GlificFixture;
  let out: string;
  const smtp = new CaptureSmtp();
  let env: Record<string, string>;
  const received = smtp.received;

  beforeAll(async () => {
    db = await createTestDatabase('orgreuse');
    admin = connect({ url: db.url });
    fx = await GlificFixture.create(admin);
    const smtpUrl = await smtp.listen();
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-orgreuse-'));
    env = { GLIFIC_DATABASE_URL: db.url, REPORTS_OUTPUT_DIR: out, SMTP_URL: smtpUrl };
  });
  afterAll(async () => {
    await smtp.close();
    await admin?.destroy();
    await db?.drop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  it('the new organization gets nothing of the old one, and its runs succeed', async () => {
    // The old ngo1: two days of data, a recipient added by an operator, digests delivered.
    const old = await fx.org({ shortcode: 'ngo1', name: 'Old Trust', timezone: 'Asia/Kolkata' });
    await fx.user(old.id, { phone: '919700000001', name: 'Old admin', roles: ['admin'], email: 'admin@old.example.org' });
    const oc = await fx.contact(old.id, { insertedAt: '2026-02-01 00:00:00' });
    for (const at of ['2026-02-28 05:00:00', '2026-03-01 05:00:00', '2026-03-01 06:00:00', '2026-03-01 07:00:00']) await fx.message(old.id, { contactId: oc, flow: 'inbound', insertedAt: at });
    expect((await cli(['recipients', 'add', '--org', 'ngo1', '--email', 'board@old.example.org'], env)).code).toBe(0);
    for (const date of ['2026-02-28', '2026-03-01']) {
      const r = await cli(['run', 'daily', '--date', date], env);
      expect(r.code, r.stderr).toBe(0);
    }
    expect(received.filter((m) => m.subject.includes('2026-03-01')).map((m) => m.to).sort()).toEqual(['admin@old.example.org', 'board@old.example.org', 'ngo1@example.org']);
    expect(fs.existsSync(path.join(out, 'site/ngo1/daily/2026-02-28.html'))).toBe(true);

    // Glific deletes it; a new organization takes the shortcode. (Glific's unique index on
    // shortcode would refuse while the old row exists; it is dropped so that both rows can be
    // there, the harder case: the reports must not mix them either way.)
    await admin.raw(`UPDATE organizations SET deleted_at = '2026-03-01 12:00:00', is_active = false WHERE id = ?`, [old.id]);
    await admin.raw('DROP INDEX organizations_shortcode_index');
    const neu = await fx.org({ shortcode: 'ngo1', name: 'New Foundation', timezone: 'Asia/Kolkata' });
    expect(neu.id).not.toBe(old.id);
    await fx.user(neu.id, { phone: '919700000002', name: 'New admin', roles: ['admin'], email: 'admin@new.example.org' });
    const nc = await fx.contact(neu.id, { insertedAt: '2026-02-01 00:00:00' });
    for (const at of ['2026-03-01 05:00:00', '2026-03-01 05:30:00']) await fx.message(neu.id, { contactId: nc, flow: 'outbound', insertedAt: at });

    // Until the new organization's site is published, its users do not see the old folder.
    const glific = connect({ url: db.url, readOnly: true });
    const store = connectStore(db.url);
    const app = await createServeApp({ siteDir: path.join(out, 'site'), glific, store, sessionSecret: 'org-reuse-test-secret-'.padEnd(40, 'x'), dummyIterations: 1000 });
    try {
      const before = await page(app, '919700000002', '/ngo1/');
      expect(before.status).toBe(404);
      expect(before.body).not.toContain('Old Trust');

      // `--org ngo1` is the current organization.
      const run = await cli(['run', 'daily', '--date', '2026-03-01', '--org', 'ngo1', '--json'], env);
      expect(run.code, run.stderr).toBe(0);
      const summary = JSON.parse(run.stdout);
      expect(summary.orgs).toMatchObject([{ shortcode: 'ngo1', status: 'succeeded' }]);

      // Its digest went to its own people (the org email too, which the old one had as well),
      // not to the old organization's added recipient.
      expect(received.filter((m) => m.subject.includes('New Foundation')).map((m) => m.to).sort()).toEqual(['admin@new.example.org', 'ngo1@example.org']);
      const ledger = await store('digest_deliveries').where({ org_id: neu.id }).orderBy('recipient').select('recipient', 'status', 'period');
      expect(ledger).toEqual([
        { recipient: 'admin@new.example.org', status: 'sent', period: '2026-03-01' },
        { recipient: 'ngo1@example.org', status: 'sent', period: '2026-03-01' },
      ]);
      const list = await cli(['recipients', 'list', '--org', 'ngo1', '--json'], env);
      expect(JSON.parse(list.stdout)).toEqual([]);
      const show = await cli(['recipients', 'show', '--org', 'ngo1', '--json'], env);
      expect(JSON.parse(show.stdout).recipients.map((r: { email: string }) => r.email).sort()).toEqual(['admin@new.example.org', 'ngo1@example.org']);

      // The folder was replaced, not carried over: the new org's name, numbers and days only.
      const site = path.join(out, 'site', 'ngo1');
      expect(fs.readFileSync(path.join(site, 'index.html'), 'utf8')).toContain('New Foundation');
      expect(fs.readFileSync(path.join(site, 'index.html'), 'utf8')).not.toContain('Old Trust');
      expect(fs.existsSync(path.join(site, 'daily/2026-02-28.html'))).toBe(false);
      const csv = fs.readFileSync(path.join(site, 'data/daily.csv'), 'utf8').trim().split('\r\n');
      const header = csv[0].split(',');
      expect(csv.map((l) => l.split(',')[0])).toEqual(['date', '2026-03-01']);
      const row = Object.fromEntries(header.map((h, i) => [h, csv[1].split(',')[i]]));
      expect([row.inbound_messages, row.outbound_messages]).toEqual(['0', '2']); // the old org had 3 inbound that day
      expect(JSON.parse(fs.readFileSync(path.join(site, 'data/metrics.json'), 'utf8')).organization.name).toBe('New Foundation');
      const manifest = JSON.parse(fs.readFileSync(path.join(out, 'site', '.manifest.json'), 'utf8'));
      expect(manifest.orgs.ngo1).toEqual({ name: 'New Foundation', id: neu.id });

      // Now its users see it.
      const after = await page(app, '919700000002', '/ngo1/');
      expect(after.status).toBe(200);
      expect(after.body).toContain('New Foundation');

      // The store keeps both organizations apart; status lists them apart.
      expect(await store('orgs').orderBy('org_id').select('org_id', 'shortcode', 'name')).toEqual([
        { org_id: old.id, shortcode: 'ngo1', name: 'Old Trust' },
        { org_id: neu.id, shortcode: 'ngo1', name: 'New Foundation' },
      ]);
      const status = JSON.parse((await cli(['status', '--json'], env)).stdout);
      expect(status.runs.filter((r: { orgId: number }) => r.orgId === neu.id).map((r: { status: string }) => r.status)).toEqual(['succeeded']);
      expect(status.runs.filter((r: { orgId: number }) => r.orgId === old.id)).toHaveLength(2);
    } finally {
      await app.close();
      await glific.destroy();
      await store.destroy();
    }
  });
});

describe('upgrading a store keyed by shortcode', () => {
  let db: TestDatabase;
  let store: Db;
  beforeAll(async () => {
    db = await createTestDatabase('orgids_migration');
    await sql(db.url, 'CREATE SCHEMA glific_reports');
    store = connectStore(db.url);
  });
  afterAll(async () => {
    await store?.destroy();
    await db?.drop();
  });

  it('005 gives existing recipients and deliveries the org id the store knows them by', async () => {
    const upTo = (n: number) => ({ ...migrationSource, getMigrations: async () => MIGRATIONS.slice(0, n) });
    await store.migrate.latest({ migrationSource: upTo(4), schemaName: 'glific_reports', tableName: 'knex_migrations' });
    const at = new Date('2026-03-02T00:00:00Z');
    await store('orgs').insert({ org_id: 7, shortcode: 'ngo1', name: 'Seven', timezone: 'Asia/Kolkata' });
    // ngo2 had id 5 once (runs say so) and nothing else: its deliveries follow the runs.
    await store('runs').insert([
      { job: 'daily', org_id: 5, shortcode: 'ngo2', period_from: '2026-03-01', period_to: '2026-03-01', status: 'succeeded', started_at: at },
      { job: 'daily', org_id: 7, shortcode: 'ngo1', period_from: '2026-03-01', period_to: '2026-03-01', status: 'succeeded', started_at: at },
    ]);
    await store('digest_recipients').insert([
      { org_shortcode: 'ngo1', kind: 'all', email: 'a@x.org', action: 'add' },
      { org_shortcode: 'ngo2', kind: 'all', email: 'b@x.org', action: 'add' },
      { org_shortcode: 'never', kind: 'daily', email: 'c@x.org', action: 'remove' },
    ]);
    await store('digest_deliveries').insert([
      { org_shortcode: 'ngo1', kind: 'daily', period: '2026-03-01', recipient: 'a@x.org', status: 'sent', created_at: at, updated_at: at },
      { org_shortcode: 'ngo2', kind: 'daily', period: '2026-03-01', recipient: 'b@x.org', status: 'failed', created_at: at, updated_at: at },
    ]);
    await store.migrate.latest({ migrationSource, schemaName: 'glific_reports', tableName: 'knex_migrations' });
    expect(await store('digest_recipients').orderBy('email').select('org_shortcode', 'org_id')).toEqual([
      { org_shortcode: 'ngo1', org_id: 7 },
      { org_shortcode: 'ngo2', org_id: 5 },
      { org_shortcode: 'never', org_id: null }, // adopted by whoever has that shortcode when first used
    ]);
    expect(await store('digest_deliveries').orderBy('recipient').select('org_shortcode', 'org_id')).toEqual([
      { org_shortcode: 'ngo1', org_id: 7 },
      { org_shortcode: 'ngo2', org_id: 5 },
    ]);
    // The shortcode no longer has to be unique in the store's copy of the organizations.
    await store('orgs').insert({ org_id: 8, shortcode: 'ngo1', name: 'Eight', timezone: 'Asia/Kolkata' });
  });
});
