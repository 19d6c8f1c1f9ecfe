// Each organization's requested local days as UTC bounds, computed by PostgreSQL (the one
// authority on zones here), plus the SQL that scopes every metric query to them.
import type { Db } from '../db/connect.ts';

export interface OrgDays {
  orgId: number;
  tz: string;
  /** First and last local day, both inclusive: 'YYYY-MM-DD'. */
  from: string;
  to: string;
}

export interface OrgWindow extends OrgDays {
  /** UTC instants of start(from) and start(to + 1) (METRICS.md §1). */
  lo: Date;
  hi: Date;
}

/** Bindings shared by every scoped query; `glo`/`ghi` let the planner use messages(inserted_at). */
export interface Scope {
  windows: OrgWindow[];
  bindings: { ids: number[]; tzs: string[]; froms: string[]; tos: string[]; los: string[]; his: string[]; glo: string; ghi: string };
}

/** A UTC instant in the form of Glific's `timestamp without time zone` columns. */
export function utcText(d: Date): string {
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export async function resolveWindows(db: Db, days: OrgDays[]): Promise<Scope> {
  const ids = days.map((d) => d.orgId);
  const tzs = days.map((d) => d.tz);
  const froms = days.map((d) => d.from);
  const tos = days.map((d) => d.to);
  const rows = (
    await db.raw<{ rows: Array<{ org_id: number; lo: Date; hi: Date }> }>(
      `SELECT r.org_id,
              (r.d_from::timestamp AT TIME ZONE r.tz) AT TIME ZONE 'UTC' AS lo,
              ((r.d_to + 1)::timestamp AT TIME ZONE r.tz) AT TIME ZONE 'UTC' AS hi
         FROM unnest(CAST(:ids AS bigint[]), CAST(:tzs AS text[]), CAST(:froms AS date[]), CAST(:tos AS date[])) AS r(org_id, tz, d_from, d_to)`,
      { ids, tzs, froms, tos },
    )
  ).rows;
  const byId = new Map(rows.map((r) => [r.org_id, r]));
  const windows = days.map((d) => ({ ...d, lo: byId.get(d.orgId)!.lo, hi: byId.get(d.orgId)!.hi }));
  const glo = windows.length ? new Date(Math.min(...windows.map((w) => w.lo.getTime()))) : new Date(0);
  const ghi = windows.length ? new Date(Math.max(...windows.map((w) => w.hi.getTime()))) : new Date(0);
  const los = windows.map((w) => utcText(w.lo));
  const his = windows.map((w) => utcText(w.hi));
  return { windows, bindings: { ids, tzs, froms, tos, los, his, glo: utcText(glo), ghi: utcText(ghi) } };
}

/**
 * CTEs every metric query starts with. Both are inlined (NOT MATERIALIZED): a materialized CTE
 * would keep PostgreSQL from scanning messages with parallel workers.
 * - `o`: one row per requested org: org_id, tz, d_from, d_to, lo, hi (lo/hi UTC, half-open, as
 *   resolved once by resolveWindows rather than converted again for every row);
 * - `sys`: the system contacts of those orgs (METRICS.md §2): the org's own contact and the
 *   simulator contacts, whose traffic never counts.
 */
export const SCOPE_CTES = `
  o AS NOT MATERIALIZED (
    SELECT * FROM unnest(CAST(:ids AS bigint[]), CAST(:tzs AS text[]), CAST(:froms AS date[]), CAST(:tos AS date[]),
                         CAST(:los AS timestamp[]), CAST(:his AS timestamp[])) AS r(org_id, tz, d_from, d_to, lo, hi)
  ),
  sys AS NOT MATERIALIZED (
    SELECT c.id FROM contacts c JOIN o ON c.organization_id = o.org_id WHERE c.phone LIKE '9876543210%'
    UNION
    SELECT g.contact_id FROM organizations g JOIN o ON g.id = o.org_id WHERE g.contact_id IS NOT NULL
  )`;

/** The local wall-clock time of a Glific UTC timestamp column in the org's zone. */
export function local(column: string): string {
  return `(${column} AT TIME ZONE 'UTC' AT TIME ZONE o.tz)`;
}

/**
 * The UTC quarter hour a Glific timestamp column falls in. Grouping by it first and converting
 * each quarter with local() costs one zone conversion per quarter instead of one per row, and is
 * exact: every UTC offset and clock change of the tz database since 2012 falls on a quarter hour
 * (docs/METRICS-DECISIONS.md 24), so a quarter lies in one local hour and day, and the windows'
 * bounds (o.lo, o.hi: local midnights) are quarter bounds. Needs PostgreSQL 14 (date_bin).
 */
export function quarter(column: string): string {
  return `date_bin('15 minutes', ${column}, TIMESTAMP '2000-01-01')`;
}
