// The command as an operator or a script meets it: exit codes, one-line errors, and bad input
// that changes nothing; the data files of INTERFACE.md.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, type Db } from '../db/connect.ts';
import { GlificFixture, failedSend, refusedSend } from '../demo/glific/fixture.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';
import { cli } from './support/cli.ts';
import { DAILY_KEYS, DEFINITION_VERSION } from '../metrics/registry.ts';


describe('glific-reports run', () => {
  let db: TestDatabase;
  let admin: Db;
  let env: Record<string, string>;
  let out: string;
  beforeAll(async () => {
    db = await createTestDatabase('cli');
    admin = connect({ url: db.url });
    const fx = await GlificFixture.create(admin);
    const org = await fx.org({ shortcode: 'acme', name: 'Acme, "the" NGO', timezone: 'Asia/Kolkata' });
    const c = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
    await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-03-02 10:05:00' });
    // Two failed sends on 3 March (15:30 local): a WhatsApp code and a refusal without one.
    await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-03-03 10:00:00', ...failedSend(131049) });
    await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-03-03 10:00:00', ...refusedSend('Invalid Destination') });
    await fx.org({ shortcode: 'sleepy', isActive: false, status: 'inactive' });
    // A trial org with data: never reported, even when named (METRICS.md §2).
    const trial = await fx.org({ shortcode: 'trial1', isTrialOrg: true, timezone: 'Asia/Kolkata' });
    const tc = await fx.contact(trial.id, { insertedAt: '2026-03-01 00:00:00' });
    await fx.message(trial.id, { contactId: tc, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
    out = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-cli-'));
    env = { GLIFIC_DATABASE_URL: db.url, REPORTS_OUTPUT_DIR: out };
  });
  afterAll(async () => {
    await admin?.destroy();
    await db?.drop();
    fs.rmSync(out, { recursive: true, force: true });
  });

  const storeExists = async () => (await sql(db.url, `SELECT 1 FROM pg_namespace WHERE nspname = 'glific_reports'`)).rowCount === 1;

  it.each([
    [['run', 'range', '--from', '2026-02-30', '--to', '2026-03-02'], /--from must be a real calendar day/],
    [['run', 'range', '--from', '2026-3-1', '--to', '2026-03-02'], /--from must be a real calendar day/],
    [['run', 'range', '--from', '2026-03-05', '--to', '2026-03-02'], /--from 2026-03-05 is after --to 2026-03-02/],
    [['run', 'range', '--from', '2026-03-01', '--to', '2999-01-01'], /--to 2999-01-01 is in the future/],
    [['run', 'range', '--from', '2026-03-01'], /needs both --from/],
    [['run', 'daily', '--date', '2026-13-01'], /--date must be a real calendar day/],
    [['run', 'monthly', '--month', '2026-3'], /--month must be YYYY-MM/],
    [['run', 'daily', '--org', 'nope', '--org', 'acme'], /unknown organization shortcode: nope/],
    [['run', 'daily', '--org', 'trial1'], /trial1 is a trial organization \(organizations.is_trial_org\): trial orgs are never reported/],
    [['run', 'daily', '--bogus'], /unknown option '--bogus'/],
    [['run', 'weekly'], /run needs a job/],
  ])('%j: exit 2, says what to fix, changes nothing', async (args, message) => {
    const r = await cli(args as string[], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
    expect(r.stderr.startsWith('glific-reports: ')).toBe(true);
    expect(await storeExists()).toBe(false);
    expect(fs.readdirSync(out)).toEqual([]);
  });

  it('an unreachable database: exit 2 naming it, without the password', async () => {
    const r = await cli(['run', 'daily'], { ...env, GLIFIC_DATABASE_URL: 'postgres://u:secretpw@127.0.0.1:1/x' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/cannot connect to GLIFIC_DATABASE_URL/);
    expect(r.stderr).not.toContain('secretpw');
  });

  it('a malformed rate card: exit 2 naming the file and line, nothing written', async () => {
    const card = path.join(out, '..', `rates-${path.basename(out)}.csv`);
    fs.writeFileSync(card, 'category,currency,price,from\nmarketing,INR,0.86,2025-07-01\nutility,INR,cheap,2025-07-01\n');
    try {
      const r = await cli(['run', 'daily', '--date', '2026-03-02'], { ...env, REPORTS_RATE_CARD: card });
      expect(r.code).toBe(2);
      expect(r.stderr).toBe(`glific-reports: REPORTS_RATE_CARD ${card} line 3: price "cheap" must be a decimal number such as 0.8631 (at most 6 decimals, no currency sign)\n`);
      expect(await storeExists()).toBe(false);
      expect(fs.readdirSync(out)).toEqual([]);
    } finally {
      fs.rmSync(card, { force: true });
    }
  });

  it('a bad configuration value: exit 2', async () => {
    const r = await cli(['run', 'daily'], { ...env, REPORTS_CATCHUP_DAYS: 'soon' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/REPORTS_CATCHUP_DAYS/);
  });

  it('runs a range, prints a JSON summary and writes the data files', async () => {
    const r = await cli(['run', 'range', '--from', '2026-03-01', '--to', '2026-03-03', '--no-site', '--no-email', '--json'], env);
    expect(r.stderr).not.toMatch(/failed/);
    expect(r.code).toBe(0);
    // Off a terminal the log is for a collector: every stderr line one JSON object.
    const logLines = r.stderr.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(logLines.length).toBeGreaterThan(3);
    for (const l of logLines) expect(l).toEqual(expect.objectContaining({ time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/), level: 'info', event: expect.any(String) }));
    expect(logLines).toContainEqual(expect.objectContaining({ event: 'org.stored', org: 'acme', from: '2026-03-01', to: '2026-03-03' }));
    const summary = JSON.parse(r.stdout);
    expect(summary.orgs).toEqual([expect.objectContaining({ shortcode: 'acme', status: 'succeeded', from: '2026-03-01', to: '2026-03-03' })]);
    const data = path.join(out, 'site', 'acme', 'data');
    const daily = fs.readFileSync(path.join(data, 'daily.csv'), 'utf8');
    const lines = daily.split('\r\n');
    expect(lines[0]).toBe(['date', ...DAILY_KEYS, 'most_active_hour'].join(','));
    expect(lines).toHaveLength(5); // header, 3 days, final empty string after the last CRLF
    const row = Object.fromEntries(lines[0].split(',').map((k, i) => [k, lines[2].split(',')[i]]));
    expect(row).toMatchObject({ date: '2026-03-02', inbound_messages: '1', outbound_messages: '1', conversation_windows: '1', most_active_hour: '15' });
    expect(fs.readFileSync(path.join(data, 'hourly.csv'), 'utf8')).toBe('date,hour,inbound,outbound\r\n2026-03-02,15,1,1\r\n2026-03-03,15,0,2\r\n');
    // Failed messages by code (METRICS.md §3b): the empty code first, days without failures left out.
    expect(fs.readFileSync(path.join(data, 'errors.csv'), 'utf8')).toBe('date,code,count\r\n2026-03-03,,1\r\n2026-03-03,131049,1\r\n');
    // no month is complete yet
    expect(fs.readFileSync(path.join(data, 'monthly.csv'), 'utf8').split('\r\n')).toHaveLength(2);
    const json = JSON.parse(fs.readFileSync(path.join(data, 'metrics.json'), 'utf8'));
    expect(json.organization).toMatchObject({ shortcode: 'acme', name: 'Acme, "the" NGO', timezone: 'Asia/Kolkata' });
    expect(json.daily[1].provenance.inbound_messages).toMatchObject({ source: 'raw', definitionVersion: DEFINITION_VERSION });
    expect(json.daily[1].provenance.total_contacts).toMatchObject({ source: 'snapshot', late: true });
    // 1 March lies before the oldest message Glific holds, months ago: not known, not "none failed".
    expect(json.daily.map((d: { error_codes: unknown }) => d.error_codes)).toEqual([null, [], [{ code: '', count: 1 }, { code: '131049', count: 1 }]]);
    expect(json.daily[2].values.error_messages).toBe(2);
  });

  it('recipients: operators add and remove addresses per org and digest kind, without code', async () => {
    expect((await cli(['recipients', 'show', '--org', 'acme'], env)).stdout).toBe('acme@example.org  (organization)\n');
    expect((await cli(['recipients', 'add', '--org', 'acme', '--email', 'Programme.Lead@example.org', '--kind', 'monthly'], env)).code).toBe(0);
    expect((await cli(['recipients', 'remove', '--org', 'acme', '--email', 'acme@example.org', '--kind', 'daily', '--note', 'bounces'], env)).code).toBe(0);
    const daily = JSON.parse((await cli(['recipients', 'show', '--org', 'acme', '--kind', 'daily', '--json'], env)).stdout);
    expect(daily.recipients).toEqual([]);
    const monthly = JSON.parse((await cli(['recipients', 'show', '--org', 'acme', '--kind', 'monthly', '--json'], env)).stdout);
    expect(monthly.recipients.map((r: { email: string }) => r.email).sort()).toEqual(['acme@example.org', 'programme.lead@example.org']);
    expect((await cli(['recipients', 'list'], env)).stdout).toMatch(/acme\s+daily\s+remove\s+acme@example.org  # bounces/);
    expect((await cli(['recipients', 'clear', '--org', 'acme', '--email', 'acme@example.org', '--kind', 'daily'], env)).code).toBe(0);
    expect((await cli(['recipients', 'show', '--org', 'acme'], env)).stdout).toBe('acme@example.org  (organization)\n');
  });

  it.each([
    [['recipients', 'add', '--org', 'acme', '--email', 'not-an-address'], /--email is not a valid address/],
    [['recipients', 'add', '--org', 'nope', '--email', 'a@example.org'], /unknown organization shortcode: nope/],
    [['recipients', 'add', '--org', 'acme', '--email', 'a@example.org', '--kind', 'weekly'], /--kind must be daily, monthly or all/],
    [['recipients', 'add', '--email', 'a@example.org'], /needs --org/],
  ])('recipients %j: exit 2', async (args, message) => {
    const r = await cli(args as string[], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message as RegExp);
  });

  it('status lists the runs', async () => {
    const r = await cli(['status', '--json'], env);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).runs[0]).toMatchObject({ org: 'acme', job: 'range', status: 'succeeded' });
  });
});
