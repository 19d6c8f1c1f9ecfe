// The configuration as an operator meets it: one table in the README that says every variable
// and its default, the defaults applied when a variable is unset, and a bad value refused with
// exit 2 and a message naming the variable, by every command.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig, readConfig, VARIABLES } from '../config/env.ts';
import { UsageError } from '../config/errors.ts';
import { configTable, readmeTable } from './support/config-table.ts';
import { isProduction, ROOT, sourceFiles } from './support/import-graph.ts';

const namesIn = (table: string) => [...table.matchAll(/^\| `([A-Z0-9_]+)` \|/gm)].map((m) => m[1]);

describe('the README configuration table', () => {
  it('lists exactly the variables of config/env.ts', () => {
    const table = readmeTable();
    expect(table, 'README.md lost its configuration table markers').toBeDefined();
    expect(namesIn(table!).sort()).toEqual(VARIABLES.map((v) => v.name).sort());
  });

  it('is the one generated from config/env.ts (npx tsx test/support/config-table.ts --write)', () => {
    expect(readmeTable()).toBe(configTable());
  });

  it('is the only place production code reads the environment: config/env.ts, handed io.env by cli/main.ts', () => {
    const readers = sourceFiles()
      .filter(isProduction)
      .filter((f) => /process\.env|\bio\.env\b/.test(fs.readFileSync(path.join(ROOT, f), 'utf8')));
    // db/embedded.ts hands the inherited environment on to initdb and postgres (with the C
    // locale); it reads no setting of ours from it.
    expect(readers).toEqual(['cli/main.ts', 'config/env.ts', 'db/embedded.ts']);
    expect(fs.readFileSync(path.join(ROOT, 'db/embedded.ts'), 'utf8').match(/process\.env.{0,2}/g)).toEqual(['process.env, ']);
    expect(fs.readFileSync(path.join(ROOT, 'cli/main.ts'), 'utf8').match(/process\.env|\bio\.env\b.{0,2}/g)).toEqual(['io.env);']);
  });
});

describe('values', () => {
  const cwd = path.join(os.tmpdir(), 'gr-config-cwd');

  it('unset: the defaults the table states', () => {
    const c = readConfig({}, cwd);
    expect(c).toMatchObject({
      glificDatabaseUrl: undefined,
      reportsDatabaseUrl: undefined,
      outputDir: path.join(cwd, 'output'),
      siteUrl: `file://${path.join(cwd, 'output', 'site')}`,
      smtpUrl: undefined,
      emailFrom: 'reports@localhost',
      timezoneFallback: 'Asia/Kolkata',
      catchupDays: 14,
      tickSeconds: 60,
      statementTimeoutMs: 600000,
      sessionSecret: undefined,
      trustProxy: [],
    });
    expect(c.dailyCron.expr).toBe('30 2 * * *');
    expect(c.monthlyCron.expr).toBe('0 3 1 * *');
    expect(Object.keys(c).sort()).toEqual(VARIABLES.map((v) => v.key).sort());
  });

  it('set: as given, relative paths from the working directory, the site URL without a trailing slash', () => {
    const c = readConfig(
      {
        GLIFIC_DATABASE_URL: 'postgres://ro@replica:5432/glific',
        REPORTS_DATABASE_URL: 'postgresql://rw@db/reports',
        REPORTS_OUTPUT_DIR: 'out',
        REPORTS_SITE_URL: 'https://reports.example.org//',
        SMTP_URL: 'smtps://u:p@mail.example.org:465',
        REPORTS_EMAIL_FROM: 'ngo@example.org',
        REPORTS_TIMEZONE_FALLBACK: 'America/New_York',
        REPORTS_CATCHUP_DAYS: '3',
        GLIFIC_STATEMENT_TIMEOUT_MS: '5000',
        REPORTS_DAILY_CRON: '15 4 * * 1-5',
        REPORTS_SESSION_SECRET: 'x'.repeat(32),
        REPORTS_TRUST_PROXY: '127.0.0.1,10.0.0.0/8',
      },
      cwd,
    );
    expect(c).toMatchObject({
      glificDatabaseUrl: 'postgres://ro@replica:5432/glific',
      reportsDatabaseUrl: 'postgresql://rw@db/reports',
      outputDir: path.join(cwd, 'out'),
      siteUrl: 'https://reports.example.org',
      smtpUrl: 'smtps://u:p@mail.example.org:465',
      emailFrom: 'ngo@example.org',
      timezoneFallback: 'America/New_York',
      catchupDays: 3,
      statementTimeoutMs: 5000,
      sessionSecret: 'x'.repeat(32),
      trustProxy: ['127.0.0.1', '10.0.0.0/8'],
    });
    expect(c.dailyCron.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    // The file URL default follows the output directory.
    expect(readConfig({ REPORTS_OUTPUT_DIR: '/srv/reports' }, cwd).siteUrl).toBe('file:///srv/reports/site');
    // Proxies are named by address; anything else stops the program.
    expect(() => readConfig({ REPORTS_TRUST_PROXY: 'yes' }, cwd)).toThrow(/REPORTS_TRUST_PROXY/);
  });

  it.each([
    ['GLIFIC_DATABASE_URL', 'mysql://x@y/z', /GLIFIC_DATABASE_URL must start with postgres:\/\/ or postgresql:\/\//],
    ['REPORTS_DATABASE_URL', 'not a url', /REPORTS_DATABASE_URL is not a URL: expected postgres:\/\//],
    ['SMTP_URL', 'mail.example.org:25', /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
    ['REPORTS_TIMEZONE_FALLBACK', 'India', /REPORTS_TIMEZONE_FALLBACK is not an IANA time zone name: "India"/],
    ['REPORTS_CATCHUP_DAYS', '0', /REPORTS_CATCHUP_DAYS must be a whole number of days from 1 to 366 \(got "0"\)/],
    ['REPORTS_CATCHUP_DAYS', '', /REPORTS_CATCHUP_DAYS must be a whole number/],
    ['REPORTS_TICK_SECONDS', '7', /REPORTS_TICK_SECONDS must be a whole number of seconds that divides 60: .* \(got "7"\)/],
    ['GLIFIC_STATEMENT_TIMEOUT_MS', '10s', /GLIFIC_STATEMENT_TIMEOUT_MS must be milliseconds \(got "10s"\)/],
    ['REPORTS_DAILY_CRON', '30 2 * *', /REPORTS_DAILY_CRON "30 2 \* \*" does not have five fields/],
    ['REPORTS_MONTHLY_CRON', '0 3 L W *', /REPORTS_MONTHLY_CRON "0 3 L W \*"/],
    ['REPORTS_SESSION_SECRET', 'short', /REPORTS_SESSION_SECRET must have at least 32 characters \(got 5\)/],
  ])('%s=%j is a usage error naming it', (name, value, message) => {
    expect(() => readConfig({ [name]: value }, cwd)).toThrow(UsageError);
    expect(() => readConfig({ [name]: value }, cwd)).toThrow(message);
  });

  it('a .env file in the working directory fills in what the environment does not set', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-dotenv-'));
    try {
      fs.writeFileSync(path.join(dir, '.env'), '# local\nREPORTS_EMAIL_FROM="dotenv@example.org"\nexport REPORTS_CATCHUP_DAYS=5\n');
      const c = loadConfig({ REPORTS_CATCHUP_DAYS: '7' }, dir);
      expect(c.emailFrom).toBe('dotenv@example.org');
      expect(c.catchupDays).toBe(7);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command', () => {
  const cli = (args: string[], env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, 'bin/glific-reports.js'), ...args], { env: { PATH: process.env.PATH!, HOME: os.tmpdir(), ...env }, cwd: os.tmpdir() });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d) => (stdout += d));
      child.stderr.on('data', (d) => (stderr += d));
      child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    });

  it('any command refuses a bad value with exit 2 and one line, before touching a database', async () => {
    // The database URLs point nowhere: the configuration is refused before any connection.
    const env = { GLIFIC_DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none', REPORTS_SESSION_SECRET: 'too short' };
    for (const args of [['run', 'daily'], ['status'], ['schedule', '--once']]) {
      const r = await cli(args, env);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toBe('glific-reports: REPORTS_SESSION_SECRET must have at least 32 characters (got 9)\n');
      expect(r.stdout).toBe('');
    }
  });
});
