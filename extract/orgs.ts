// Which organizations a run reports on, and in which zone (METRICS.md §1–2).
import type { Db } from '../db/connect.ts';
import { UsageError } from '../config/errors.ts';

export interface OrgInfo {
  id: number;
  shortcode: string;
  name: string;
  /** The IANA zone used, after the NULL fallback. */
  timezone: string;
  /** True when organizations.timezone was NULL and the fallback zone was used. */
  timezoneIsFallback: boolean;
  email: string | null;
  /** organizations.setting -> 'bookmarks' as stored (name -> URL); untrusted. */
  bookmarks: Record<string, string>;
}

export interface GlificOrg extends OrgInfo {
  /** Set when the org cannot be reported on (an invalid zone): its run fails, others go on. */
  problem?: string;
}

interface OrgRow {
  id: number;
  shortcode: string;
  name: string;
  timezone: string | null;
  email: string | null;
  bookmarks: unknown;
  zone_known: boolean;
  is_trial_org: boolean | null;
}

/**
 * The reportable organizations, or exactly the named ones (`--org`). A shortcode names the
 * organization that has it now: a deleted one (`deleted_at`) whose shortcode was reused is
 * another organization and is never picked by it. An unknown shortcode is a usage error. Zones
 * are checked against PostgreSQL's own zone list, since PostgreSQL does the bucketing.
 */
export async function listOrgs(glific: Db, opts: { shortcodes?: string[]; fallbackZone: string }): Promise<GlificOrg[]> {
  const named = opts.shortcodes && opts.shortcodes.length > 0 ? [...new Set(opts.shortcodes)] : null;
  const rows = (
    await glific.raw<{ rows: OrgRow[] }>(
      `SELECT o.id, o.shortcode, o.name, o.timezone, o.email,
              coalesce(o.setting -> 'bookmarks', '{}'::jsonb) AS bookmarks,
              -- pg_timezone_names reads the zone files on every call: IN makes it one hashed scan
              (o.timezone IS NULL OR o.timezone IN (SELECT name FROM pg_timezone_names)) AS zone_known,
              o.is_trial_org
         FROM organizations o
        WHERE ${named ? 'o.shortcode = ANY(?::text[]) AND o.deleted_at IS NULL' : 'o.is_active IS TRUE AND o.is_suspended IS NOT TRUE AND o.deleted_at IS NULL AND o.is_trial_org IS NOT TRUE'}
        ORDER BY o.id`,
      named ? [named] : [],
    )
  ).rows;
  if (named) {
    const found = new Set(rows.map((r) => r.shortcode));
    const missing = named.filter((s) => !found.has(s));
    if (missing.length) {
      throw new UsageError(`unknown organization shortcode${missing.length > 1 ? 's' : ''}: ${missing.join(', ')} (check --org against organizations.shortcode)`);
    }
    // A trial org is handed to one unrelated user after another and wiped in between: its
    // history would mix tenants, so it is never reported, even when named (METRICS.md §2).
    const trial = rows.filter((r) => r.is_trial_org === true).map((r) => r.shortcode);
    if (trial.length) {
      throw new UsageError(`${trial.join(', ')} ${trial.length > 1 ? 'are trial organizations' : 'is a trial organization'} (organizations.is_trial_org): trial orgs are never reported; remove ${trial.length > 1 ? 'them' : 'it'} from --org`);
    }
  }
  return rows.map((r) => {
    const bookmarks: Record<string, string> = {};
    if (r.bookmarks && typeof r.bookmarks === 'object' && !Array.isArray(r.bookmarks)) {
      for (const [k, v] of Object.entries(r.bookmarks as Record<string, unknown>)) if (typeof v === 'string') bookmarks[k] = v;
    }
    const org: GlificOrg = {
      id: r.id,
      shortcode: r.shortcode,
      name: r.name,
      timezone: r.timezone ?? opts.fallbackZone,
      timezoneIsFallback: r.timezone === null,
      email: r.email,
      bookmarks,
    };
    if (!r.zone_known) org.problem = `organizations.timezone "${r.timezone}" of ${r.shortcode} is not a valid IANA zone name; set it to one like Asia/Kolkata`;
    return org;
  });
}
