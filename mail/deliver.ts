// The job's entry to email: for each org, resolve recipients, claim the ledger rows that are
// due, render the digest once, and send one message per recipient (or, without SMTP, write one
// .eml preview per digest). Every recipient of every digest ends in an outcome; nothing is
// dropped without a trace in the result, the log and the ledger. While a run holds claims it
// refreshes them, so that a run longer than the claim window keeps what it is sending.
import type { Knex } from 'knex';
import { hostname } from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { OrgReport } from '../metrics/report.ts';
import type { Log } from '../lib/log.ts';
import { makeDir, narrowMode, writeFileAtomic } from '../lib/output-files.ts';
import { findPeriodRow, type DigestKind } from './digest-model.ts';
import type { Chart } from './charts.ts';
import { bareAddress, renderDigest, safeToken, type RenderedDigest } from './render.ts';
import { digestMessage } from './message.ts';
import { digestRecipients } from './recipients.ts';
import { claimDeliveries, ensureDeliveries, finishDelivery, isDue, readDeliveries, refreshClaims, type Delivery, type DigestKey } from './ledger.ts';
import { DEFAULT_RETRY, realSleep, sendWithRetry, smtpSettings, smtpTransport, type RetryPolicy, type Sleep, type Transport } from './smtp.ts';

export interface SendDigestsOptions {
  reports: OrgReport[];
  kind: 'daily' | 'monthly';
  /** the period per org shortcode: 'YYYY-MM-DD' for daily, 'YYYY-MM' for monthly */
  periods: Record<string, string>;
  reportsDb: Knex;
  /** Glific DB, read-only: to read default recipients */
  glificDb: Knex;
  /** unset: write .eml previews to <outputDir>/mail/<shortcode>/<daily|monthly>-<period>.eml */
  smtpUrl?: string;
  outputDir: string;
  /** REPORTS_SITE_URL */
  siteUrl: string;
  /** REPORTS_EMAIL_FROM */
  from: string;
  resend?: boolean;
  /** Digests sent late (after downtime): shortcode -> when the digest was due (ISO instant). */
  lateSince?: Record<string, string>;
  now: Date;
  log?: Log;
  retry?: { attempts: number; baseDelayMs: number };
  /** Names this run's claims in the ledger; default host-pid-random. */
  runId?: string;
  /**
   * The claim window: a claim not refreshed for this long is taken to be a crashed run's and is
   * taken over (default 30 min). This run refreshes its own claims every third of it.
   */
  staleClaimMs?: number;
  /** The time claims are refreshed with; default `now` plus the time elapsed since the call. */
  clock?: () => Date;
  /** The charts of a digest, e.g. from charts/; default: mail/charts.ts. */
  chartsFor?: (report: OrgReport, kind: DigestKind, period: string) => Chart[];
  renderSvg?: (chart: Chart) => Promise<string>;
  sleep?: Sleep;
}

export interface DigestOutcome {
  /** the organization's Glific id: outcomes are judged per organization (digestsByOrg) */
  orgId: number;
  shortcode: string;
  kind: string;
  period: string;
  recipient: string;
  /**
   * held: another run holds this recipient's claim, so whether it arrives is not known yet —
   * owed, like pending, until the ledger says sent.
   */
  status: 'sent' | 'previewed' | 'skipped' | 'pending' | 'held' | 'failed';
  messageId?: string;
  error?: string;
}

export interface SendDigestsResult {
  outcomes: DigestOutcome[];
  permanentFailures: number;
  pending: number;
  /** recipients whose claim another run holds */
  held: number;
}

export const DEFAULT_STALE_CLAIM_MS = 30 * 60 * 1000;

const PERIOD_FORMAT: Record<DigestKind, RegExp> = { daily: /^\d{4}-\d{2}-\d{2}$/, monthly: /^\d{4}-\d{2}$/ };

/** Where the preview of a digest is written (INTERFACE.md output layout). */
export function previewPath(outputDir: string, shortcode: string, kind: DigestKind, period: string): string {
  return path.join(outputDir, 'mail', safeToken(shortcode), `${kind}-${safeToken(period)}.eml`);
}

interface Run {
  opts: SendDigestsOptions;
  runId: string;
  retry: RetryPolicy;
  log: NonNullable<SendDigestsOptions['log']>;
  transport?: Transport;
  /** the claim window */
  windowMs: number;
  /** the time of claims and their refreshes */
  clock: () => Date;
  /** Set once the SMTP server could not be reached even after retries. */
  unreachable?: string;
}

export async function sendDigests(opts: SendDigestsOptions): Promise<SendDigestsResult> {
  const started = performance.now();
  const run: Run = {
    opts,
    runId: opts.runId ?? `${hostname()}-${process.pid}-${randomBytes(4).toString('hex')}`.slice(0, 64),
    retry: opts.retry ?? DEFAULT_RETRY,
    log: opts.log ?? (() => {}),
    windowMs: opts.staleClaimMs ?? DEFAULT_STALE_CLAIM_MS,
    clock: opts.clock ?? (() => new Date(opts.now.getTime() + (performance.now() - started))),
  };
  if (opts.smtpUrl) {
    const smtp = smtpSettings(opts.smtpUrl);
    run.log('mail.transport', { host: smtp.transportOptions.host, port: smtp.transportOptions.port, security: smtp.security });
    for (const warning of smtp.warnings) run.log('mail.smtp_warning', { warning });
    run.transport = smtpTransport(smtp.transportOptions);
  }
  const outcomes: DigestOutcome[] = [];
  let refreshing: Promise<unknown> = Promise.resolve();
  const refresher = setInterval(() => {
    refreshing = refreshClaims(opts.reportsDb, run.runId, run.clock()).catch((err) => run.log('mail.claims_not_refreshed', { error: (err as Error).message }));
  }, Math.max(50, Math.floor(run.windowMs / 3)));
  refresher.unref();
  try {
    for (const report of opts.reports) {
      const shortcode = report.org.shortcode;
      const period = opts.periods[shortcode];
      const base = { orgId: report.org.id, shortcode, kind: opts.kind, period: period ?? '' };
      try {
        outcomes.push(...(await digestForOrg(run, report, period)));
      } catch (err) {
        const error = err instanceof Error ? err.message : String(err);
        run.log('mail.digest_failed', { ...base, error });
        outcomes.push({ ...base, recipient: '', status: 'failed', error });
      }
    }
  } finally {
    clearInterval(refresher);
    await refreshing;
    run.transport?.close();
  }
  return {
    outcomes,
    permanentFailures: outcomes.filter((o) => o.status === 'failed').length,
    pending: outcomes.filter((o) => o.status === 'pending').length,
    held: outcomes.filter((o) => o.status === 'held').length,
  };
}

async function digestForOrg(run: Run, report: OrgReport, period: string | undefined): Promise<DigestOutcome[]> {
  const { opts, log } = run;
  const kind = opts.kind;
  const shortcode = report.org.shortcode;
  if (period === undefined) {
    // The job names the orgs whose period is due; another org's report may ride along.
    log('mail.no_period', { shortcode, kind });
    return [{ orgId: report.org.id, shortcode, kind, period: '', recipient: '', status: 'skipped', error: 'no period given for this organization' }];
  }
  if (!PERIOD_FORMAT[kind].test(period)) {
    throw new Error(`no valid ${kind} period given for ${shortcode}: ${JSON.stringify(period ?? null)}`);
  }
  const base = { orgId: report.org.id, shortcode, kind, period };
  const row = findPeriodRow(report, kind, period);
  if (!row) throw new Error(`the report of ${shortcode} holds no ${kind === 'daily' ? 'day' : 'month'} ${period}: digest not sent`);
  if ('closed' in row && !row.closed) {
    // METRICS.md §1: digests report closed periods only.
    log('mail.period_open', base);
    return [{ ...base, recipient: '', status: 'skipped', error: 'period not closed yet' }];
  }

  const { recipients, excluded } = await digestRecipients(opts.reportsDb, opts.glificDb, report.org, kind);
  for (const x of excluded) log('mail.recipient_excluded', { ...base, recipient: x.email, reason: x.reason });
  const emails = recipients.map((r) => r.email);

  let rendered: RenderedDigest | undefined;
  const render = async () =>
    (rendered ??= await renderDigest(report, kind, period, {
      siteUrl: opts.siteUrl,
      from: opts.from,
      charts: opts.chartsFor?.(report, kind, period),
      renderSvg: opts.renderSvg,
      lateSince: opts.lateSince?.[report.org.shortcode],
    }));

  if (!run.transport) return preview(run, report, period, emails, await render());

  if (emails.length === 0) {
    log('mail.no_recipients', base);
    return [{ ...base, recipient: '', status: 'skipped', error: 'no recipients' }];
  }

  const key: DigestKey = { orgId: report.org.id, org: shortcode, kind, period };
  await ensureDeliveries(opts.reportsDb, key, emails, opts.now);
  const claim = {
    runId: run.runId,
    now: opts.now,
    staleClaimMs: run.windowMs,
    resend: opts.resend ?? false,
    messageIdDomain: bareAddress(opts.from).split('@')[1] ?? 'localhost',
  };
  const outcomes: DigestOutcome[] = [];
  const due: Delivery[] = [];
  for (const d of await readDeliveries(opts.reportsDb, key, emails)) {
    if (isDue(d, claim)) due.push(d);
    else outcomes.push(unclaimedOutcome(base, d)); // what this run does not send, and why
  }
  if (due.length === 0) return outcomes;

  let digest: RenderedDigest;
  try {
    digest = await render();
  } catch (err) {
    const error = `rendering failed: ${err instanceof Error ? err.message : String(err)}`;
    log('mail.render_failed', { ...base, error });
    // Nothing was claimed: the rows stay due for the next run, but this digest failed.
    return [...outcomes, { ...base, recipient: '', status: 'failed', error }];
  }

  // One claim per recipient, right before its message: a crash mid-send leaves only the message
  // in flight claimed (docs/EMAIL.md, the claim window); the others stay due for the next run.
  for (const d of due) {
    const [mine] = await claimDeliveries(opts.reportsDb, key, [d.recipient], { ...claim, claimedAt: run.clock() });
    if (mine) outcomes.push(await deliver(run, digest, key, mine));
    else for (const row of await readDeliveries(opts.reportsDb, key, [d.recipient])) outcomes.push(unclaimedOutcome(base, row)); // another run was quicker
  }
  return outcomes;
}

function unclaimedOutcome(base: Omit<DigestOutcome, 'recipient' | 'status'>, d: Delivery): DigestOutcome {
  const o = { ...base, recipient: d.recipient };
  switch (d.status) {
    case 'sent':
      return { ...o, status: 'skipped', messageId: d.messageId ?? undefined, error: `already sent at ${d.sentAt?.toISOString() ?? '?'}` };
    case 'failed':
      // Not retried without --resend, but still reported: the recipient has not had it.
      return { ...o, status: 'failed', error: `failed earlier and not retried (use resend): ${d.lastError ?? ''}`.trim() };
    case 'sending':
      return { ...o, status: 'held', error: `being sent by another run (${d.claimedBy ?? '?'} since ${d.claimedAt?.toISOString() ?? '?'}); not known yet whether it arrived` };
    default:
      return { ...o, status: 'pending', error: d.lastError ?? undefined };
  }
}

async function deliver(run: Run, digest: RenderedDigest, key: DigestKey, d: Delivery): Promise<DigestOutcome> {
  const { opts, log } = run;
  const base = { orgId: key.orgId, shortcode: key.org, kind: key.kind, period: key.period, recipient: d.recipient };
  if (run.unreachable) {
    const error = `not attempted: SMTP server unreachable earlier in this run (${run.unreachable})`;
    await finishDelivery(opts.reportsDb, d.id, run.runId, { status: 'pending', attempts: 0, now: opts.now, error });
    log('mail.pending', { ...base, error });
    return { ...base, status: 'pending', error };
  }
  // The Message-ID the ledger gave this row: the same on a copy sent again after a crash.
  const message = { ...digestMessage(digest, { from: opts.from, to: [d.recipient], siteUrl: opts.siteUrl, date: opts.now }), ...(d.messageId ? { messageId: d.messageId } : {}) };
  const r = await sendWithRetry(
    run.transport!,
    message,
    run.retry,
    (attempt, error, delayMs) => log('mail.retry', { ...base, attempt, error, delayMs }),
    opts.sleep ?? realSleep,
  );
  if (r.ok) {
    await finishDelivery(opts.reportsDb, d.id, run.runId, { status: 'sent', attempts: r.attempts, now: opts.now, messageId: r.messageId });
    log('mail.sent', { ...base, messageId: r.messageId, attempts: r.attempts });
    return { ...base, status: 'sent', messageId: r.messageId };
  }
  const status = r.permanent ? 'failed' : 'pending';
  await finishDelivery(opts.reportsDb, d.id, run.runId, { status, attempts: r.attempts, now: opts.now, error: r.error, responseCode: r.responseCode });
  if (r.unreachable) run.unreachable = r.error;
  log(r.permanent ? 'mail.failed' : 'mail.pending', { ...base, error: r.error, responseCode: r.responseCode, attempts: r.attempts });
  return { ...base, status, error: r.error };
}

/** Without SMTP: one .eml per digest, all recipients in To. Not a delivery: the ledger says 'previewed'. */
async function preview(run: Run, report: OrgReport, period: string, emails: string[], digest: RenderedDigest): Promise<DigestOutcome[]> {
  const { opts, log } = run;
  const kind = opts.kind;
  const shortcode = report.org.shortcode;
  const base = { orgId: report.org.id, shortcode, kind, period };
  const message = digestMessage(digest, { from: opts.from, to: emails, siteUrl: opts.siteUrl, date: opts.now });
  const info = await nodemailer.createTransport({ streamTransport: true, buffer: true }).sendMail({
    ...message,
    // A preview with nobody to send to is still worth looking at.
    envelope: { from: opts.from, to: emails.length > 0 ? emails : ['nobody@localhost'] },
  });
  // The preview lists recipients' addresses: owner and group only (lib/output-files.ts).
  const file = previewPath(opts.outputDir, shortcode, kind, period);
  await makeDir(path.dirname(file));
  for (const d of [path.dirname(path.dirname(file)), path.dirname(file)]) await narrowMode(d);
  await writeFileAtomic(file, info.message as Buffer);
  await ensureDeliveries(opts.reportsDb, { orgId: report.org.id, org: shortcode, kind, period }, emails, opts.now, 'previewed');
  log('mail.previewed', { ...base, file, recipients: emails.length });
  if (emails.length === 0) return [{ ...base, recipient: '', status: 'previewed', messageId: info.messageId, error: 'no recipients' }];
  return emails.map((recipient) => ({ ...base, recipient, status: 'previewed' as const, messageId: info.messageId }));
}

/** One organization's digests of a call, as the run ledger sees them (jobs/run.ts OrgStepResult). */
export interface OrgDigestResult {
  /**
   * done: every recipient sent, previewed, skipped or refused for good (a refusal is reported,
   * and reported again, until an operator removes the address — it does not fail the run);
   * owed: some recipient is pending or held by another run; failed: the digest could not be made.
   */
  state: 'done' | 'owed' | 'failed';
  summary: { sent: number; previewed: number; skipped: number; pending: number; held: number; failed: number; failures?: Array<{ recipient: string; error: string }> };
  error?: string;
}

/** The outcomes of a call per organization id: each org is judged on its own digests only. */
export function digestsByOrg(result: SendDigestsResult): Map<number, OrgDigestResult> {
  const out = new Map<number, OrgDigestResult>();
  for (const o of result.outcomes) {
    let r = out.get(o.orgId);
    if (!r) out.set(o.orgId, (r = { state: 'done', summary: { sent: 0, previewed: 0, skipped: 0, pending: 0, held: 0, failed: 0 } }));
    r.summary[o.status]++;
    if (o.status === 'failed') {
      if (o.recipient === '') {
        r.state = 'failed';
        r.error = o.error;
      } else (r.summary.failures ??= []).push({ recipient: o.recipient, error: o.error ?? '' });
    }
    if ((o.status === 'pending' || o.status === 'held') && r.state !== 'failed') {
      r.state = 'owed';
      r.error ??= `${o.recipient}: ${o.error ?? o.status}`;
    }
  }
  return out;
}
