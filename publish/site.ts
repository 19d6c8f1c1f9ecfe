// Publishing the report site: build every page of the given orgs into a fresh directory next to
// the live site, reusing (hard-linking) pages whose inputs did not change, then swap it in. A
// folder whose owner changed (a new organization with a deleted one's shortcode) is built afresh:
// nothing of the old owner's pages or data files is carried into it.
import { randomBytes } from 'node:crypto';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { OrgReport } from '../metrics/report.ts';
import type { Log } from '../lib/log.ts';
import type { PageModel } from '../pages/model.ts';
import { buildOrgPages } from '../pages/org-pages.ts';
import { buildSiteIndex } from '../pages/site-index.ts';
import { isSafeShortcode } from '../pages/links.ts';
import { renderPage, templateVersion } from '../pages/render.ts';
import { writeDataFiles } from './exports.ts';
import { emptyManifest, folderOwner, pageHash, readManifest, writeManifest, type Manifest } from './manifest.ts';
import { copyTree, exists, isDirectory, linkOrCopy, linkTree, recoverSwap, swapIn } from './tree.ts';
import { acquireLock, siteLockPath, type LockOptions } from './lock.ts';
import { DIR_MODE, FILE_MODE, makeDir } from '../lib/output-files.ts';

export interface PublishSiteOptions {
  /** Every org to (re)publish, with ALL its days/months/ranges/hourly history. */
  reports: OrgReport[];
  /** REPORTS_OUTPUT_DIR; the site lives in <outputDir>/site. */
  outputDir: string;
  now: Date;
  log?: Log;
  /** For the global index (default: the reports' orgs and the orgs already on the site). */
  allOrgs?: Array<{ shortcode: string; name: string }>;
  /** Waiting for another publisher (defaults in publish/lock.ts: up to 30 minutes). */
  lock?: Omit<LockOptions, 'log'>;
}

export interface PublishSiteResult {
  siteDir: string;
  pagesWritten: number;
  pagesReused: number;
  orgs: number;
  warnings: string[];
}

const SITE = 'site';

export async function publishSite(opts: PublishSiteOptions): Promise<PublishSiteResult> {
  const log = opts.log ?? (() => undefined);
  const outputDir = path.resolve(opts.outputDir);
  const siteDir = path.join(outputDir, SITE);
  await makeDir(outputDir);
  const lock = await acquireLock(siteLockPath(outputDir), { ...opts.lock, log });
  const buildDir = path.join(outputDir, `.${SITE}-build-${randomBytes(6).toString('hex')}`);
  try {
    await recoverSwap(outputDir, SITE);
    const started = Date.now();
    const warnings: string[] = [];
    const warn = (message: string, fields: Record<string, unknown> = {}) => {
      warnings.push(message);
      log('site.warning', { message, ...fields });
    };
    const previous = await readManifest(siteDir);
    const hadSite = await isDirectory(siteDir);
    // Files linked from a site of an older version may be world-readable: narrowed on the way.
    const narrow = previous?.privateModes !== true;
    const tv = templateVersion();
    const next: Manifest = emptyManifest();
    let written = 0;
    let reused = 0;

    await mkdir(buildDir, { mode: DIR_MODE });

    // Which orgs this run publishes: valid, distinct shortcodes only (they become directories).
    const reports: OrgReport[] = [];
    const seen = new Set<string>();
    for (const r of opts.reports) {
      const sc = r.org.shortcode;
      if (!isSafeShortcode(sc)) {
        warn(`org ${r.org.id}: shortcode ${JSON.stringify(sc)} cannot be a directory name; not published`, { org: r.org.id });
        continue;
      }
      if (seen.has(sc)) {
        warn(`org ${sc}: given twice; the first report is published`, { org: sc });
        continue;
      }
      seen.add(sc);
      reports.push(r);
    }
    // Folders that change owner: rendered and filled afresh, never reused from the old owner.
    const replaced = new Set<string>();
    for (const r of reports) {
      const owner = folderOwner(previous, r.org.shortcode);
      if (owner !== undefined && owner !== r.org.id) {
        replaced.add(r.org.shortcode);
        log('site.owner_changed', { org: r.org.shortcode, from: owner, to: r.org.id });
      }
    }

    // Every other org's directory (pages and data files) is carried over untouched.
    const carried: string[] = [];
    if (hadSite) {
      for (const e of await readdir(siteDir, { withFileTypes: true })) {
        if (!e.isDirectory() || e.name.startsWith('.') || seen.has(e.name)) continue;
        await linkTree(path.join(siteDir, e.name), path.join(buildDir, e.name), narrow);
        carried.push(e.name);
        for (const [p, h] of Object.entries(previous?.pages ?? {})) if (p.startsWith(`${e.name}/`)) next.pages[p] = h;
        if (previous?.orgs[e.name]) next.orgs[e.name] = previous.orgs[e.name];
      }
    }

    const emit = async (page: PageModel) => {
      const hash = pageHash(page, tv);
      const target = path.join(buildDir, page.path);
      await makeDir(path.dirname(target));
      const before = path.join(siteDir, page.path);
      if (previous?.pages[page.path] === hash && !replaced.has(page.path.split('/')[0]) && (await exists(before))) {
        await linkOrCopy(before, target, narrow);
        reused++;
      } else {
        await writeFile(target, await renderPage(page), { mode: FILE_MODE });
        written++;
      }
      next.pages[page.path] = hash;
    };

    for (const report of reports) {
      const sc = report.org.shortcode;
      const orgDir = path.join(buildDir, sc);
      await makeDir(orgDir);
      // Data files are copied, not linked: their writer may rewrite them in place.
      const prevData = path.join(siteDir, sc, 'data');
      if (!replaced.has(sc) && (await isDirectory(prevData))) await copyTree(prevData, path.join(orgDir, 'data'));
      await writeDataFiles(report, orgDir);
      const dataFiles = await readdir(path.join(orgDir, 'data')).catch(() => [] as string[]);
      const { pages, warnings: w } = buildOrgPages({ report, now: opts.now, dataFiles });
      for (const m of w) warn(m, { org: sc });
      for (const page of pages) await emit(page);
      next.orgs[sc] = { name: report.org.name, id: report.org.id };
      log('site.org_built', { org: sc, pages: pages.length });
    }

    // The global index lists orgs that have a directory in the new site.
    const present = new Set([...carried, ...reports.map((r) => r.org.shortcode)]);
    const listed = new Map<string, string>();
    for (const o of opts.allOrgs ?? []) if (present.has(o.shortcode)) listed.set(o.shortcode, o.name);
    for (const sc of present) if (!listed.has(sc)) listed.set(sc, next.orgs[sc]?.name ?? sc);
    await emit(buildSiteIndex([...listed].map(([shortcode, name]) => ({ shortcode, name }))));

    await writeManifest(buildDir, next);
    await lock.check();
    await swapIn(buildDir, siteDir, path.join(outputDir, `.${SITE}-old-${randomBytes(6).toString('hex')}`));
    const result: PublishSiteResult = { siteDir, pagesWritten: written, pagesReused: reused, orgs: reports.length, warnings };
    log('site.published', { siteDir, pagesWritten: written, pagesReused: reused, orgs: reports.length, carried: carried.length, ms: Date.now() - started });
    return result;
  } catch (e) {
    await rm(buildDir, { recursive: true, force: true });
    log('site.failed', { error: (e as Error).message });
    throw e;
  } finally {
    await lock.release();
  }
}
