// The site and digest stages of a run, bound to the configuration. Loaded lazily: a
// `--no-site --no-email` run never loads vega or the mail stack.
import type { Config } from '../config/env.ts';
import type { Log } from '../lib/log.ts';
import type { PublishStep } from '../jobs/run.ts';
import type { Context } from './context.ts';
import { localDay } from '../lib/calendar.ts';

export function publishStep(config: Config, log: Log, now: Date): PublishStep {
  return async (reports) => {
    const { publishSite } = await import('../publish/site.ts');
    const r = await publishSite({ reports, outputDir: config.outputDir, now, log });
    return { ok: true, summary: { dir: r.siteDir, pagesWritten: r.pagesWritten, pagesReused: r.pagesReused, warnings: r.warnings.length } };
  };
}

export function digestStep(config: Config, log: Log, now: Date, ctx: Context): PublishStep {
  return async (reports, req, periods) => {
    const kind = req.job === 'monthly' ? 'monthly' : 'daily';
    // Digests report closed periods only (METRICS.md §1): a run for today sends nothing.
    const due = reports.filter((r) => {
      const p = periods.get(r.org.shortcode);
      return p && p.to < localDay(now, r.org.timezone);
    });
    if (!due.length) return { ok: true, summary: { skipped: 'no closed period' } };
    const { sendDigests, digestsByOrg } = await import('../mail/deliver.ts');
    const result = await sendDigests({
      reports: due,
      kind,
      periods: Object.fromEntries(due.map((r) => [r.org.shortcode, kind === 'monthly' ? periods.get(r.org.shortcode)!.from.slice(0, 7) : periods.get(r.org.shortcode)!.from])),
      reportsDb: ctx.store,
      glificDb: ctx.glific,
      smtpUrl: config.smtpUrl,
      outputDir: config.outputDir,
      siteUrl: config.siteUrl,
      from: config.emailFrom,
      resend: req.resend,
      lateSince: Object.fromEntries(due.flatMap((r) => (periods.get(r.org.shortcode)?.lateSince ? [[r.org.shortcode, periods.get(r.org.shortcode)!.lateSince!]] : []))),
      now,
      log,
    });
    const count = (s: string) => result.outcomes.filter((o) => o.status === s).length;
    // Judged per org: one org's refused address or unreachable digest is that org's alone.
    const orgs = digestsByOrg(result);
    return {
      ok: [...orgs.values()].every((o) => o.state === 'done'),
      summary: { sent: count('sent'), previewed: count('previewed'), skipped: count('skipped'), pending: result.pending, held: result.held, failed: result.permanentFailures },
      orgs,
    };
  };
}
