// Any range of days, on demand: the page and the one-row CSV of a range a logged-in user asks for,
// computed from the results store only (never Glific): additive keys summed over the stored days,
// snapshots the last day's, the most active hour from the stored hourly rows, distinct keys the
// size of the union of the stored id sets (store/id-sets.ts). The same builder as the published
// range pages (pages/period-page.ts), compared with the period of equal length before.
//
// Answers are cached by (org, range, store version): the version is the org's latest stored run,
// so a run that has written makes every cached answer of that org stale. What every range of a
// version shares is held too: the org's report, and its days' id sets (serve/day-sets.ts), so a
// new range reads only the days not held yet; its charts are drawn in worker threads
// (serve/chart-pool.ts). A user has at most one range in the works and a short queue; beyond
// that they are told to wait (429), and all users together render at
// most a few at a time, so one user's burst cannot hold up the others' pages.
import pLimit from 'p-limit';
import type { Knex } from 'knex';
import { addDays, daysBetween, isValidDay, localDateTime } from '../lib/calendar.ts';
import { formatDate } from '../lib/words.ts';
import type { Log } from '../lib/log.ts';
import type { RateCard } from '../config/rate-card.ts';
import { DAILY_KEYS } from '../metrics/registry.ts';
import { periodRow, previousPeriod, rangePeriod } from '../metrics/period.ts';
import type { OrgReport, PeriodRow } from '../metrics/report.ts';
import { readOrgReport } from '../store/read.ts';
import { createDaySetCache } from './day-sets.ts';
import { createChartPool } from './chart-pool.ts';
import { reportIndex } from '../pages/report-index.ts';
import { buildPeriodPage, periodChartBlocks } from '../pages/period-page.ts';
import { drawAhead, renderPage, renderPageBytes } from '../pages/render.ts';
import { toCsv } from '../publish/exports.ts';

/** Longer ranges are refused as a mistake: ten years of days. */
export const MAX_RANGE_DAYS = 3660;

export interface RangeAnswer {
  status: 200 | 400 | 429;
  type: 'text/html; charset=utf-8' | 'text/csv; charset=utf-8';
  /** A cached answer's body is kept as its UTF-8 bytes (a page's string is several times that). */
  body: string | Buffer;
  /** Why a 400 was given, for the page that says what to fix. */
  problem?: string;
  cached?: boolean;
}

export interface RangeServiceOptions {
  store: Knex;
  now: () => Date;
  log: Log;
  /** Ranges rendered at once, for all users. Default 2 (one per core). */
  concurrency?: number;
  /** Requests of one user waiting behind the one being made; more are answered 429. Default 2. */
  queuePerUser?: number;
  /** Answers kept. Default 200. */
  cacheSize?: number;
  /** Bytes of answers kept (a year's page is ~0.7 MB). Default 32 MiB. */
  cacheBytes?: number;
  /** Worker threads drawing the pages' charts (serve/chart-pool.ts). Default: one less than the cores, at least one. */
  chartThreads?: number;
  /** Bytes of stored day sets held in memory (serve/day-sets.ts). Default 64 MiB. */
  daySetBytes?: number;
  /** The operator's prices: an estimated cost as on published pages. */
  rateCard?: RateCard | null;
}

type Format = 'page' | 'csv';

export function createRangeService(o: RangeServiceOptions) {
  const render = pLimit(o.concurrency ?? 2);
  const perUser = new Map<string, ReturnType<typeof pLimit>>();
  const cache = new Map<string, RangeAnswer & { body: Buffer }>();
  const cacheSize = o.cacheSize ?? 200;
  const cacheBytes = o.cacheBytes ?? 32 * 1024 * 1024;
  let cachedBytes = 0;
  const queuePerUser = o.queuePerUser ?? 2;
  const daySets = createDaySetCache({ store: o.store, maxBytes: o.daySetBytes });
  const charts = createChartPool(o.chartThreads);
  let closed = false;

  async function storeVersion(orgId: number): Promise<string> {
    // Runs whose values are committed (stored_at is set in the transaction that writes them):
    // a run still writing does not make a new version before its data is there, and the count
    // moves when an older run stores after a newer one.
    const r = await o.store.raw<{ rows: Array<{ v: string }> }>(
      `SELECT coalesce(max(id), 0) || '.' || count(*) AS v FROM runs WHERE org_id = ? AND stored_at IS NOT NULL`,
      [orgId],
    );
    return r.rows[0]?.v ?? '0.0';
  }

  /** Keeps the answer and returns it as kept: its body as bytes, sent as they are (encoded once). */
  function remember(key: string, a: RangeAnswer): RangeAnswer {
    forget(key);
    const kept = { ...a, body: Buffer.isBuffer(a.body) ? a.body : Buffer.from(a.body) };
    if (kept.body.length > cacheBytes) return kept;
    cache.set(key, kept);
    cachedBytes += kept.body.length;
    while (cache.size > cacheSize || cachedBytes > cacheBytes) forget(cache.keys().next().value!);
    return kept;
  }

  function forget(key: string): void {
    const had = cache.get(key);
    if (!had) return;
    cache.delete(key);
    cachedBytes -= had.body.length;
  }

  /** What is wrong with the dates asked for, in words for the person who typed them; null: nothing. */
  function checkDates(from: unknown, to: unknown): string | null {
    if (typeof from !== 'string' || typeof to !== 'string' || !from || !to) return 'Give both dates: from=YYYY-MM-DD and to=YYYY-MM-DD.';
    for (const [name, v] of [['from', from], ['to', to]] as const) {
      if (!isValidDay(v)) return `"${v.slice(0, 20)}" (${name}) is not a date: write it as YYYY-MM-DD, a day that exists.`;
    }
    if (from > to) return `The range starts (${formatDate(from)}) after it ends (${formatDate(to)}): swap the dates.`;
    if (daysBetween(from, to) + 1 > MAX_RANGE_DAYS) return `That is ${daysBetween(from, to) + 1} days; ask for at most ${MAX_RANGE_DAYS} (ten years).`;
    return null;
  }

  /** The report with the range's row and the row of the period before, their distinct counts from the stored sets. */
  async function withRange(report: OrgReport, orgId: number, version: string, from: string, to: string): Promise<OrgReport> {
    const index = reportIndex(report);
    const today = localDateTime(o.now(), report.org.timezone).date;
    const rows: PeriodRow[] = [];
    for (const p of [rangePeriod(from, to), previousPeriod(rangePeriod(from, to))]) {
      const distinct = await daySets.distinctOverRange(orgId, version, p.from, p.to);
      rows.push(periodRow('range', p.key, p.from, p.to, index.byDate, index.hoursByDate, distinct, today));
    }
    const keys = new Set(rows.map((r) => r.key));
    return { ...report, ranges: [...report.ranges.filter((r) => !keys.has(r.key)), ...rows] };
  }

  // The org's stored report, read once per store version: every range of it is made from it.
  const reports = new Map<number, { version: string; report: Promise<OrgReport> }>();
  function reportOf(orgId: number, version: string): Promise<OrgReport> {
    const had = reports.get(orgId);
    if (had && had.version === version) return had.report;
    const report = readOrgReport(o.store, orgId, o.now()).then((r) => ({ ...r, rateCard: o.rateCard ?? null }));
    report.catch(() => reports.delete(orgId));
    reports.set(orgId, { version, report });
    return report;
  }

  async function make(orgId: number, shortcode: string, from: string, to: string, format: Format, version: string): Promise<RangeAnswer> {
    const known = await o.store('orgs').where({ org_id: orgId }).first();
    if (!known) return bad('No day of this organization has been computed yet.', format);
    const report = await reportOf(orgId, version);
    const days = reportIndex(report).days;
    const first = days[0]?.date;
    const last = days[days.length - 1]?.date;
    if (!first || !last) return bad('No day of this organization has been computed yet.', format);
    if (from < first || to > last) {
      return bad(`The reports hold the days from ${formatDate(first)} to ${formatDate(last)}: choose a range inside them.`, format);
    }
    // The charts depend on the stored days alone: they are drawn while the distinct counts are made.
    const blocks = format === 'page' ? periodChartBlocks(report, { kind: 'range', from, to }) : [];
    const draw = format === 'page' ? drawAhead(blocks, charts.draw) : charts.draw;
    const full = await withRange(report, orgId, version, from, to);
    if (format === 'csv') {
      const row = full.ranges.find((r) => r.from === from && r.to === to)!;
      return {
        status: 200,
        type: 'text/csv; charset=utf-8',
        body: toCsv(['from', 'to', ...DAILY_KEYS, 'most_active_hour'], [[from, to, ...DAILY_KEYS.map((k) => row.values[k] ?? null), row.mostActiveHour]]),
      };
    }
    const page = buildPeriodPage(full, { kind: 'range', from, to }, { now: o.now(), served: true, path: `${shortcode}/range`, charts: blocks });
    return { status: 200, type: 'text/html; charset=utf-8', body: await renderPageBytes(page, draw) };
  }

  function bad(problem: string, format: Format): RangeAnswer {
    return format === 'csv'
      ? { status: 400, type: 'text/csv; charset=utf-8', body: `${problem}\r\n`, problem }
      : { status: 400, type: 'text/html; charset=utf-8', body: '', problem };
  }

  return {
    /** Stops the chart threads (and a warm-up under way). */
    close: () => {
      closed = true;
      return charts.close();
    },
    /**
     * Draws made-up year-long and month-long pages in the chart threads, as at the start of
     * `serve`: they compile the chart shapes and let the engine optimise the drawing code, so the
     * first people to ask for a range do not wait for it (a year's page takes seconds the first
     * time and twice its usual time the few times after). Resolves with the time it took.
     */
    async warm(pages = 4): Promise<number> {
      const t0 = Date.now();
      const report = sampleReport(o.now());
      const last = report.days[report.days.length - 1].date;
      const index = reportIndex(report);
      for (let i = 0; i < pages && !closed; i++) {
        for (const from of [addDays(last, -364 - i), addDays(last, -29 - i)]) {
          if (closed) break;
          const to = addDays(from, daysBetween(from, addDays(last, -i)));
          const rows = [rangePeriod(from, to), previousPeriod(rangePeriod(from, to))].map((p) => periodRow('range', p.key, p.from, p.to, index.byDate, index.hoursByDate, {}, last));
          const page = buildPeriodPage({ ...report, ranges: rows }, { kind: 'range', from, to }, { now: o.now(), served: true, path: `${report.org.shortcode}/range` });
          try {
            await render(() => renderPage(page, charts.draw));
          } catch (err) {
            if (!closed) throw err;
          }
        }
      }
      return Date.now() - t0;
    },
    /**
     * The range page or CSV for a user of the org (`user`: their session, to bound their requests).
     * A 400 carries `problem`; the caller words the page around it.
     */
    async answer(req: { orgId: number; shortcode: string; user: string; from: unknown; to: unknown; format: Format }): Promise<RangeAnswer> {
      const problem = checkDates(req.from, req.to);
      if (problem) return bad(problem, req.format);
      const from = req.from as string;
      const to = req.to as string;
      const key = `${req.orgId}|${from}|${to}|${req.format}`;
      const version = await storeVersion(req.orgId);
      const hit = cache.get(`${key}|${version}`);
      if (hit) return { ...hit, cached: true };
      let mine = perUser.get(req.user);
      if (!mine) perUser.set(req.user, (mine = pLimit(1)));
      if (mine.activeCount + mine.pendingCount > queuePerUser) {
        return { status: 429, type: 'text/html; charset=utf-8', body: '', problem: 'You have several ranges being prepared; wait for them, then ask again.' };
      }
      const t0 = Date.now();
      try {
        let a = await mine(() => render(() => make(req.orgId, req.shortcode, from, to, req.format, version)));
        if (a.status === 200) a = remember(`${key}|${version}`, a);
        o.log('serve.range', { org: req.shortcode, from, to, format: req.format, status: a.status, ms: Date.now() - t0 });
        return a;
      } finally {
        if (mine.activeCount + mine.pendingCount === 0) perUser.delete(req.user);
      }
    },
  };
}

export type RangeService = ReturnType<typeof createRangeService>;

/** Two years of made-up days (every key, every hour) for warm(): drawing needs values, not real ones. */
function sampleReport(now: Date): OrgReport {
  const org = { id: 0, shortcode: 'sample', name: 'Sample', timezone: 'UTC', timezoneIsFallback: false, email: null, bookmarks: {} };
  const last = addDays(localDateTime(now, 'UTC').date, -1);
  let seed = 1;
  const next = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) % n);
  const days: OrgReport['days'] = [];
  const hourly: OrgReport['hourly'] = [];
  for (let i = 729; i >= 0; i--) {
    const date = addDays(last, -i);
    days.push({ date, values: Object.fromEntries(DAILY_KEYS.map((k) => [k, next(5000)])), mostActiveHour: 12, provenance: {}, utcDayImport: false, lateSnapshot: false });
    for (let hour = 0; hour < 24; hour++) hourly.push({ date, hour, inbound: next(900), outbound: next(900) });
  }
  return { org, dataCutoff: null, generatedAt: now.toISOString(), days, months: [], ranges: [], hourly, errorCodes: [] };
}
