// The data files of INTERFACE.md: site/<shortcode>/data/{daily,monthly,hourly,errors}.csv and
// metrics.json. CSV: RFC 4180, UTF-8, header first, ascending, plain integers, empty = unknown.
import path from 'node:path';
import pLimit from 'p-limit';
import type { Log } from '../lib/log.ts';
import { rm } from 'node:fs/promises';
import { makeDir, narrowMode, writeFileAtomic } from '../lib/output-files.ts';
import { isSafeShortcode } from '../pages/links.ts';
import { siteLockPath, withLock, type LockOptions } from './lock.ts';
import { recoverSwap } from './tree.ts';
import { emptyManifest, folderOwner, readManifest, writeManifest } from './manifest.ts';
import { DAILY_KEYS, DEFINITION_VERSION } from '../metrics/registry.ts';
import { periodErrorCodes } from '../metrics/errors.ts';
import type { OrgReport, Values } from '../metrics/report.ts';

type Cell = string | number | null | undefined;

function cell(v: Cell): string {
  if (v === null || v === undefined) return '';
  // Most cells are counts: no quoting to test for.
  if (typeof v === 'number') return String(v);
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

const line = (r: readonly Cell[]) => r.map(cell).join(',');

export function toCsv(header: string[], rows: Iterable<readonly Cell[]>): string {
  let out = `${line(header)}\r\n`;
  for (const r of rows) out += `${line(r)}\r\n`;
  return out;
}

const valueCells = (v: Values, mostActiveHour: number | null) => [...DAILY_KEYS.map((k) => v[k] ?? null), mostActiveHour];

export function dailyCsv(r: OrgReport): string {
  return toCsv(['date', ...DAILY_KEYS, 'most_active_hour'], r.days.map((d) => [d.date, ...valueCells(d.values, d.mostActiveHour)]));
}

/** Only months all of whose days have been computed. */
export function monthlyCsv(r: OrgReport): string {
  return toCsv(['month', ...DAILY_KEYS, 'most_active_hour'], r.months.filter((m) => m.complete).map((m) => [m.key, ...valueCells(m.values, m.mostActiveHour)]));
}

export function hourlyCsv(r: OrgReport): string {
  // The longest file (24 rows a day), written without a row array each.
  let out = `${line(['date', 'hour', 'inbound', 'outbound'])}\r\n`;
  for (const h of r.hourly) out += `${cell(h.date)},${cell(h.hour)},${cell(h.inbound)},${cell(h.outbound)}\r\n`;
  return out;
}

/**
 * One row per day and code of the days whose codes are known, codes in text order (the empty
 * code, a failure without one, first); a day without failures has no row (METRICS.md §3b).
 */
export function errorsCsv(r: OrgReport): string {
  const rows: Array<[string, string, number]> = [];
  for (const d of r.errorCodes ?? []) {
    for (const c of [...d.codes].sort((a, b) => (a.code < b.code ? -1 : a.code > b.code ? 1 : 0))) if (c.count > 0) rows.push([d.date, c.code, c.count]);
  }
  return toCsv(['date', 'code', 'count'], rows);
}

export function metricsJson(r: OrgReport): string {
  const codes = (from: string, to: string) => periodErrorCodes(r, from, to);
  return (
    JSON.stringify(
      {
        organization: { shortcode: r.org.shortcode, name: r.org.name, timezone: r.org.timezone, timezone_is_fallback: r.org.timezoneIsFallback },
        definition_version: DEFINITION_VERSION,
        generated_at: r.generatedAt,
        data_cutoff: r.dataCutoff,
        notes: {
          source: 'raw: counted from Glific rows; snapshot: state at the end of the day, captured at computed_at; glific_stats: imported from Glific stats (a UTC day, not a local one)',
          late: 'a snapshot captured more than 24 hours after the end of its day: the current state of contacts was used, so it may differ from the state that day',
          error_codes: 'failed messages by error code (code "": none given), counted with error_messages and carrying its provenance; null: not known',
        },
        daily: r.days.map((d) => ({
          date: d.date,
          values: d.values,
          most_active_hour: d.mostActiveHour,
          utc_day_import: d.utcDayImport,
          late_snapshot: d.lateSnapshot,
          provenance: d.provenance,
          error_codes: codes(d.date, d.date),
        })),
        monthly: r.months.map((m) => ({ month: m.key, from: m.from, to: m.to, complete: m.complete, closed: m.closed, values: m.values, most_active_hour: m.mostActiveHour, utc_day_import: m.utcDayImport, late_snapshot: m.lateSnapshot, error_codes: codes(m.from, m.to) })),
        ranges: r.ranges.map((m) => ({ from: m.from, to: m.to, complete: m.complete, closed: m.closed, values: m.values, most_active_hour: m.mostActiveHour, utc_day_import: m.utcDayImport, late_snapshot: m.lateSnapshot, error_codes: codes(m.from, m.to) })),
      },
      null,
      2,
    ) + '\n'
  );
}

export async function writeDataFiles(report: OrgReport, orgDir: string): Promise<void> {
  const dir = path.join(orgDir, 'data');
  await makeDir(dir);
  // Made one after another, written side by side: the file system's round trips overlap.
  const files: Array<[string, () => string]> = [
    ['daily.csv', () => dailyCsv(report)],
    ['monthly.csv', () => monthlyCsv(report)],
    ['hourly.csv', () => hourlyCsv(report)],
    ['errors.csv', () => errorsCsv(report)],
    ['metrics.json', () => metricsJson(report)],
  ];
  await Promise.all(files.map(([name, make]) => writeFileAtomic(path.join(dir, name), make())));
}

/**
 * The data files of a run that does not publish the site (--no-site), written into the live
 * site. They take the site lock, so they never land in a site a concurrent publish is about to
 * swap out (and lose), and a site left half-swapped by a crash is put back first. A folder the
 * manifest gives to another organization (the shortcode was reused) is emptied first, and the
 * manifest records the new owner: nothing of the old one stays beside the new one's files.
 */
export async function writeSiteDataFiles(reports: OrgReport[], outputDir: string, opts: { log?: Log; lock?: Omit<LockOptions, 'log'> } = {}): Promise<void> {
  if (!reports.length) return;
  const out = path.resolve(outputDir);
  await makeDir(out);
  await withLock(siteLockPath(out), { ...opts.lock, log: opts.log }, async () => {
    await recoverSwap(out, 'site');
    const siteDir = path.join(out, 'site');
    const previous = await readManifest(siteDir);
    // A site of an older version may hold files that are not owner-and-group-only yet.
    const manifest = previous ?? { ...emptyManifest(), privateModes: false };
    let owners = false;
    // A few orgs at a time: making the files is CPU, writing them waits on the file system.
    const limit = pLimit(4);
    let wrote = false;
    const writeOrg = async (r: OrgReport) => {
      // A shortcode becomes a directory name: the same rule as the site's.
      if (!isSafeShortcode(r.org.shortcode)) {
        opts.log?.('data.skipped', { org: r.org.id, why: `shortcode ${JSON.stringify(r.org.shortcode)} cannot be a directory name` });
        return;
      }
      const orgDir = path.join(out, 'site', r.org.shortcode);
      const owner = folderOwner(previous, r.org.shortcode);
      if (owner !== undefined && owner !== r.org.id) {
        await rm(orgDir, { recursive: true, force: true });
        for (const p of Object.keys(manifest.pages)) if (p.startsWith(`${r.org.shortcode}/`)) delete manifest.pages[p];
        opts.log?.('site.owner_changed', { org: r.org.shortcode, from: owner, to: r.org.id });
      }
      if (owner !== r.org.id) {
        manifest.orgs[r.org.shortcode] = { name: r.org.name, id: r.org.id };
        owners = true;
      }
      await writeDataFiles(r, orgDir);
      // Directories made by an older version were 0755.
      for (const d of [orgDir, path.join(orgDir, 'data')]) await narrowMode(d);
      wrote = true;
    };
    await Promise.all(reports.map((r) => limit(() => writeOrg(r))));
    if (wrote) await narrowMode(path.join(out, 'site'));
    if (owners) await writeManifest(siteDir, manifest);
  });
}
