// Configuration from the environment (and a `.env` file), INTERFACE.md "Configuration".
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors.ts';
import { isIanaZone } from '../lib/calendar.ts';
import { smtpSettings } from '../mail/smtp-settings.ts';

export interface Config {
  glificDatabaseUrl: string | undefined;
  reportsDatabaseUrl: string | undefined;
  outputDir: string;
  siteUrl: string;
  smtpUrl: string | undefined;
  emailFrom: string;
  timezoneFallback: string;
  catchupDays: number;
  /** statement_timeout for every query on the Glific database. */
  statementTimeoutMs: number;
}

/** Parse KEY=VALUE lines; existing environment variables win over the file. */
export function readDotEnv(file: string, env: NodeJS.ProcessEnv): void {
  if (!fs.existsSync(file)) return;
  for (const raw of fs.readFileSync(file, 'utf8').split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) continue;
    let value = m[2];
    if (/^(['"]).*\1$/.test(value)) value = value.slice(1, -1);
    if (env[m[1]] === undefined) env[m[1]] = value;
  }
}

function checkPgUrl(name: string, value: string | undefined): string | undefined {
  if (value === undefined || value === '') return undefined;
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new UsageError(`${name} is not a URL: expected postgres://user:password@host:5432/database`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`${name} must start with postgres:// or postgresql:// (got ${u.protocol}//…)`);
  }
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  readDotEnv(path.join(cwd, '.env'), env);
  const outputDir = path.resolve(cwd, env.REPORTS_OUTPUT_DIR || 'output');
  const smtpUrl = env.SMTP_URL || undefined;
  if (smtpUrl) smtpSettings(smtpUrl);
  const catchup = env.REPORTS_CATCHUP_DAYS ?? '14';
  if (!/^\d+$/.test(catchup) || Number(catchup) < 1 || Number(catchup) > 366) {
    throw new UsageError(`REPORTS_CATCHUP_DAYS must be a whole number of days from 1 to 366 (got "${catchup}")`);
  }
  const fallback = env.REPORTS_TIMEZONE_FALLBACK || 'Asia/Kolkata';
  if (!isIanaZone(fallback)) {
    throw new UsageError(`REPORTS_TIMEZONE_FALLBACK is not an IANA time zone name: "${fallback}" (e.g. Asia/Kolkata)`);
  }
  const timeout = env.GLIFIC_STATEMENT_TIMEOUT_MS ?? '600000';
  if (!/^\d+$/.test(timeout)) throw new UsageError(`GLIFIC_STATEMENT_TIMEOUT_MS must be milliseconds (got "${timeout}")`);
  return {
    glificDatabaseUrl: checkPgUrl('GLIFIC_DATABASE_URL', env.GLIFIC_DATABASE_URL),
    reportsDatabaseUrl: checkPgUrl('REPORTS_DATABASE_URL', env.REPORTS_DATABASE_URL),
    outputDir,
    siteUrl: (env.REPORTS_SITE_URL || pathToFileURL(path.join(outputDir, 'site')).href).replace(/\/+$/, ''),
    smtpUrl,
    emailFrom: env.REPORTS_EMAIL_FROM || 'reports@localhost',
    timezoneFallback: fallback,
    catchupDays: Number(catchup),
    statementTimeoutMs: Number(timeout),
  };
}
