// The configuration: every environment variable the program reads, its default and its
// validation, in VARIABLES below, and nowhere else. `loadConfig` runs once per process (cli/main.ts)
// and hands the checked Config to every command; a bad value stops the program before anything is
// read or written, as a UsageError (exit 2) naming the variable and what to fix.
//
// The README's configuration table is generated from VARIABLES (test/support/config-table.ts;
// test/config.test.ts fails when they differ). To add a variable: a field in Config, an entry in
// VARIABLES, then `npx tsx test/support/config-table.ts --write`.
import fs from 'node:fs';
import { isIP } from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { UsageError } from './errors.ts';
import { isIanaZone } from '../lib/calendar.ts';
import { DEFAULT_DAILY_CRON, DEFAULT_MONTHLY_CRON, parseCron, type CronSchedule } from './cron.ts';
import { smtpSettings } from './smtp.ts';
import { readRateCard, type RateCard } from './rate-card.ts';

export interface Config {
  glificDatabaseUrl: string | undefined;
  reportsDatabaseUrl: string | undefined;
  outputDir: string;
  siteUrl: string;
  smtpUrl: string | undefined;
  emailFrom: string;
  timezoneFallback: string;
  catchupDays: number;
  /** How often `schedule` looks for owed work and beats its heartbeat, in seconds (divides 60). */
  tickSeconds: number;
  /** statement_timeout for every query on the Glific database. */
  statementTimeoutMs: number;
  dailyCron: CronSchedule;
  monthlyCron: CronSchedule;
  /** Keys serve's login/logout form tokens; unset: a key made once and kept in the store. */
  sessionSecret: string | undefined;
  /** Addresses of the reverse proxies whose X-Forwarded-* serve believes (IPs, CIDRs, `loopback`). */
  trustProxy: string[];
  /** Prices per message category for the estimated cost; null: no money is shown anywhere. */
  rateCard: RateCard | null;
}

export interface Variable<K extends keyof Config = keyof Config> {
  name: string;
  /** For the README table (Markdown). */
  meaning: string;
  /** What applies when it is unset, for the README table (Markdown). */
  default: string;
  /**
   * The value from the raw text (undefined when unset). Throws a UsageError naming the variable.
   * `earlier` holds the variables listed before this one (a default may derive from them).
   */
  read(raw: string | undefined, ctx: { name: string; cwd: string; earlier: Partial<Config> }): Config[K];
}

/** One trusted-proxy entry: an IP, an IP/prefix, or `loopback` (127.0.0.0/8 and ::1). */
function isProxyAddress(entry: string): boolean {
  if (entry === 'loopback') return true;
  const [ip, prefix, extra] = entry.split('/');
  const family = isIP(ip);
  if (!family || extra !== undefined) return false;
  if (prefix === undefined) return true;
  return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
}

function postgresUrl(raw: string | undefined, { name }: { name: string }): string | undefined {
  if (raw === undefined || raw === '') return undefined;
  let u: URL;
  try {
    u = new URL(raw);
  } catch {
    throw new UsageError(`${name} is not a URL: expected postgres://user:password@host:5432/database`);
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new UsageError(`${name} must start with postgres:// or postgresql:// (got ${u.protocol}//…)`);
  }
  return raw;
}

// One entry per Config field (the mapped type makes a missing one a type error), in the order
// they are read and listed in the README.
const DEFINITIONS: { [K in keyof Config]: Variable<K> } = {
  glificDatabaseUrl: {
    name: 'GLIFIC_DATABASE_URL',
    meaning: 'the Glific database (read-only use)',
    default: 'unset: the embedded demo database',
    read: postgresUrl,
  },
  reportsDatabaseUrl: {
    name: 'REPORTS_DATABASE_URL',
    meaning: 'where results, run history and deliveries are stored',
    default: "the Glific database's server and database, schema `glific_reports`",
    read: postgresUrl,
  },
  outputDir: {
    name: 'REPORTS_OUTPUT_DIR',
    meaning: 'where the site and email previews are written',
    default: '`./output`',
    read: (raw, { cwd }) => path.resolve(cwd, raw || 'output'),
  },
  siteUrl: {
    name: 'REPORTS_SITE_URL',
    meaning: 'public base URL of the site, for links in emails',
    default: '`file://` URL of the output dir',
    read: (raw, { earlier }) => (raw || pathToFileURL(path.join(earlier.outputDir!, 'site')).href).replace(/\/+$/, ''),
  },
  smtpUrl: {
    name: 'SMTP_URL',
    meaning: '`smtps://user:pass@host:465` (TLS) or `smtp://user:pass@host:587` (STARTTLS required); certificates verified. Plain text only to a loopback host or with `?tls=none`; `?tls=insecure` skips the certificate check (warned). Anything else exits 2 — rules in [docs/EMAIL.md](docs/EMAIL.md#smtp_url-and-tls)',
    default: 'unset: emails are written as `.eml` previews',
    read: (raw) => {
      // The TLS rules (docs/EMAIL.md): an unsafe or malformed URL stops the program here.
      if (raw) smtpSettings(raw);
      return raw || undefined;
    },
  },
  emailFrom: {
    name: 'REPORTS_EMAIL_FROM',
    meaning: 'sender address',
    default: '`reports@localhost`',
    read: (raw) => raw || 'reports@localhost',
  },
  timezoneFallback: {
    name: 'REPORTS_TIMEZONE_FALLBACK',
    meaning: 'zone for orgs whose timezone is NULL',
    default: '`Asia/Kolkata`',
    read: (raw) => {
      const zone = raw || 'Asia/Kolkata';
      if (!isIanaZone(zone)) throw new UsageError(`REPORTS_TIMEZONE_FALLBACK is not an IANA time zone name: "${zone}" (e.g. Asia/Kolkata)`);
      return zone;
    },
  },
  catchupDays: {
    name: 'REPORTS_CATCHUP_DAYS',
    meaning: 'catch-up window of `schedule`, in days (1 to 366)',
    default: '`14`',
    read: (raw = '14') => {
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 366) {
        throw new UsageError(`REPORTS_CATCHUP_DAYS must be a whole number of days from 1 to 366 (got "${raw}")`);
      }
      return Number(raw);
    },
  },
  tickSeconds: {
    name: 'REPORTS_TICK_SECONDS',
    meaning: "how often `schedule` looks for owed runs and digests and writes its heartbeat, in seconds (a divisor of 60); the health check calls a scheduler without a heartbeat for five of these unhealthy",
    default: '`60`',
    read: (raw = '60') => {
      if (!/^\d+$/.test(raw) || Number(raw) < 1 || 60 % Number(raw) !== 0) {
        throw new UsageError(`REPORTS_TICK_SECONDS must be a whole number of seconds that divides 60: 1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30 or 60 (got "${raw}")`);
      }
      return Number(raw);
    },
  },
  statementTimeoutMs: {
    name: 'GLIFIC_STATEMENT_TIMEOUT_MS',
    meaning: 'statement timeout on the Glific database, in milliseconds (`serve` caps it at 10 s)',
    default: '`600000`',
    read: (raw = '600000') => {
      if (!/^\d+$/.test(raw)) throw new UsageError(`GLIFIC_STATEMENT_TIMEOUT_MS must be milliseconds (got "${raw}")`);
      return Number(raw);
    },
  },
  dailyCron: {
    name: 'REPORTS_DAILY_CRON',
    meaning: "when `schedule` runs the daily job, in each org's zone (five cron fields)",
    default: `\`${DEFAULT_DAILY_CRON}\``,
    read: (raw, { name }) => parseCron(raw || DEFAULT_DAILY_CRON, name),
  },
  monthlyCron: {
    name: 'REPORTS_MONTHLY_CRON',
    meaning: "when `schedule` runs the monthly job, in each org's zone (five cron fields)",
    default: `\`${DEFAULT_MONTHLY_CRON}\``,
    read: (raw, { name }) => parseCron(raw || DEFAULT_MONTHLY_CRON, name),
  },
  sessionSecret: {
    name: 'REPORTS_SESSION_SECRET',
    meaning: "key of `serve`'s login and logout form tokens (≥ 32 characters; same on every `serve` process, or unset on all)",
    default: 'a key made once and kept in the store',
    read: (raw) => {
      if (raw && raw.length < 32) throw new UsageError(`REPORTS_SESSION_SECRET must have at least 32 characters (got ${raw.length})`);
      return raw || undefined;
    },
  },
  trustProxy: {
    name: 'REPORTS_TRUST_PROXY',
    meaning: 'addresses of the reverse proxies in front of `serve`, comma-separated IPs or CIDRs (e.g. `127.0.0.1,10.0.0.0/8`) or `loopback`; only connections from them may set X-Forwarded-Proto/-For. `1` is refused',
    default: 'unset: trust no proxy',
    read: (raw) => {
      const text = (raw ?? '').trim();
      if (text === '1' || text.toLowerCase() === 'true') {
        // It used to mean "trust whoever connects", which let any client pick its own address.
        throw new UsageError('REPORTS_TRUST_PROXY no longer accepts "1": list the addresses of your reverse proxies, comma-separated IPs or CIDRs (e.g. REPORTS_TRUST_PROXY=127.0.0.1 for a proxy on this host, or 10.0.0.0/8)');
      }
      const list = text ? text.split(',').map((e) => e.trim()).filter(Boolean) : [];
      const bad = list.filter((e) => !isProxyAddress(e));
      if (bad.length > 0) {
        throw new UsageError(`REPORTS_TRUST_PROXY must list IP addresses or CIDR ranges, comma-separated, e.g. 127.0.0.1,10.0.0.0/8 (not understood: ${bad.map((b) => `"${b}"`).join(', ')})`);
      }
      return list;
    },
  },
  rateCard: {
    name: 'REPORTS_RATE_CARD',
    meaning: 'a CSV file of WhatsApp prices per message category (`category,currency,price,from`; see docs/INTERFACE.md); pages and digests then show an estimated cost next to billable messages. A malformed file stops the program (exit 2) naming the line',
    default: 'unset: no money is shown',
    read: (raw, { cwd }) => (raw && raw.trim() ? readRateCard(path.resolve(cwd, raw.trim())) : null),
  },
};

/** Every variable with the Config field it sets. */
export const VARIABLES: ReadonlyArray<Variable & { key: keyof Config }> = Object.entries(DEFINITIONS).map(([key, v]) => ({ ...(v as Variable), key: key as keyof Config }));

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

/** The configuration from these variables alone (no `.env` file). */
export function readConfig(env: NodeJS.ProcessEnv, cwd = process.cwd()): Config {
  const config: Partial<Config> = {};
  for (const v of VARIABLES) {
    (config as Record<string, unknown>)[v.key] = v.read(env[v.name], { name: v.name, cwd, earlier: config });
  }
  return config as Config;
}

/** The configuration of this process: the environment, completed by `<cwd>/.env`. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  readDotEnv(path.join(cwd, '.env'), env);
  return readConfig(env, cwd);
}
