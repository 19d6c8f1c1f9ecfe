// Writing one org's computed values: one transaction per org and run, every value under its
// unique key, so a rerun replaces and never duplicates, and a failure leaves the period as it was.
import type { Knex } from 'knex';
import { DEFINITION_VERSION, DAILY_KEYS, SOURCE_OF, kindOf } from '../metrics/registry.ts';
import { countable, type OrgComputation } from '../metrics/compute.ts';
import { writeCheckpoints } from './chains.ts';
import { insertRows } from './insert-rows.ts';
import { distinctOverRange, SET_KEYS, writeDaySets } from './id-sets.ts';

/** A snapshot captured more than this long after its day ended is marked late (METRICS.md §3). */
export const LATE_SNAPSHOT_MS = 24 * 3600 * 1000;

export interface WriteOptions {
  runId: number;
  now: Date;
  /** Replace snapshot values captured by earlier runs. */
  recapture: boolean;
}

interface ValueRow {
  org_id: number;
  day: string;
  metric: string;
  value: number | null;
  source: string;
  computed_at: Date;
  late: boolean;
  run_id: number;
  definition_version: number;
}

export async function writeOrgComputation(trx: Knex.Transaction, c: OrgComputation, opts: WriteOptions): Promise<number> {
  const orgId = c.window.orgId;
  const rows: ValueRow[] = [];
  for (const d of c.days) {
    for (const key of DAILY_KEYS) {
      const raw = d.values[key];
      const base = { org_id: orgId, day: d.day, metric: key, computed_at: opts.now, run_id: opts.runId, definition_version: DEFINITION_VERSION };
      if (raw !== undefined) {
        const snapshot = kindOf(key) === 'snapshot';
        const late = snapshot && d.dayEnd !== null && opts.now.getTime() - d.dayEnd.getTime() > LATE_SNAPSHOT_MS;
        rows.push({ ...base, value: raw, source: snapshot ? 'snapshot' : 'raw', late });
      } else if (d.imported[key] !== undefined) {
        rows.push({ ...base, value: d.imported[key]!, source: 'glific_stats', late: false });
      }
    }
  }
  // Raw values replace anything. Imported ones never replace a raw or snapshot value. A
  // captured snapshot is kept unless the run asks to recapture it.
  await insertRows(
    trx,
    (values) => `
      INSERT INTO daily_values (org_id, day, metric, value, source, computed_at, late, run_id, definition_version)
      VALUES ${values}
      ON CONFLICT (org_id, day, metric) DO UPDATE
        SET value = EXCLUDED.value, source = EXCLUDED.source, computed_at = EXCLUDED.computed_at,
            late = EXCLUDED.late, run_id = EXCLUDED.run_id, definition_version = EXCLUDED.definition_version
      WHERE NOT (EXCLUDED.source = 'glific_stats' AND daily_values.source <> 'glific_stats')
        AND NOT (EXCLUDED.source = 'snapshot' AND daily_values.source = 'snapshot' AND NOT ${opts.recapture ? 'TRUE' : 'FALSE'})`,
    rows.map((r) => [r.org_id, r.day, r.metric, r.value, r.source, r.computed_at, r.late, r.run_id, r.definition_version]),
  );

  // Hourly rows of the countable days are replaced as a whole: an hour that lost its messages
  // must not keep an old count.
  const hourDays = c.days.filter((d) => countable('messages', d.day, c.countableFrom)).map((d) => d.day);
  if (hourDays.length) {
    await trx.raw(`DELETE FROM hourly_values WHERE org_id = ? AND day = ANY(?::date[])`, [orgId, hourDays]);
    await insertRows(
      trx,
      (values) => `INSERT INTO hourly_values (org_id, day, hour, inbound, outbound, run_id) VALUES ${values}`,
      c.tables.hourly.filter((h) => h.inbound + h.outbound > 0).map((h) => [orgId, h.day, h.hour, h.inbound, h.outbound, opts.runId]),
    );
  }

  await writeErrorCodes(trx, c, opts);
  await writeDaySets(trx, c, opts.runId, opts.now);

  for (const p of c.periods) {
    // A month's or range's distinct counts are the union of its days' stored sets, those of earlier
    // runs included, when every day has one; otherwise what the run could count from Glific.
    const fromSets = await distinctOverRange(trx, orgId, p.spec.from, p.spec.to);
    for (const key of SET_KEYS) if (fromSets[key] !== null) (p.values as Record<string, number>)[key] = fromSets[key]!;
    await insertRows(
      trx,
      (values) => `INSERT INTO period_values (org_id, kind, period_from, period_to, metric, value, source, computed_at, run_id, definition_version)
         VALUES ${values}
         ON CONFLICT (org_id, kind, period_from, period_to, metric) DO UPDATE
           SET value = EXCLUDED.value, source = EXCLUDED.source, computed_at = EXCLUDED.computed_at,
               run_id = EXCLUDED.run_id, definition_version = EXCLUDED.definition_version`,
      Object.entries(p.values).map(([metric, value]) => [orgId, p.spec.kind, p.spec.from, p.spec.to, metric, value, 'raw', opts.now, opts.runId, DEFINITION_VERSION]),
    );
  }

  if (c.chain) await writeChain(trx, c, opts);
  return rows.length;
}

/**
 * The error codes of the days counted from messages replace the stored ones as a whole: a code
 * that no longer occurs must not keep an old count. Days not counted keep theirs.
 */
async function writeErrorCodes(trx: Knex.Transaction, c: OrgComputation, opts: WriteOptions): Promise<void> {
  const orgId = c.window.orgId;
  const days = c.days.filter((d) => countable('messages', d.day, c.countableFrom)).map((d) => d.day);
  if (!days.length) return;
  await trx.raw(`DELETE FROM error_values WHERE org_id = ? AND day = ANY(?::date[])`, [orgId, days]);
  await insertRows(
    trx,
    (values) => `INSERT INTO error_values (org_id, day, code, count, run_id, computed_at, definition_version) VALUES ${values}`,
    c.tables.errors.filter((e) => e.count > 0).map((e) => [orgId, e.day, e.code, e.count, opts.runId, opts.now, DEFINITION_VERSION]),
  );
}

/**
 * Store the chain's state at the end of each counted day, and where it now ends (its state there
 * is the last day's). A chain continued from before the requested days (a night was skipped)
 * also counts the days between again: those computed before are corrected too.
 */
async function writeChain(trx: Knex.Transaction, c: OrgComputation, opts: WriteOptions): Promise<void> {
  const orgId = c.window.orgId;
  const chain = c.chain!;
  // Only days whose messages could be counted: the state of a purged day would be missing openings.
  const counted = new Map(
    [...chain.checkpoints]
      .filter(([day]) => countable(SOURCE_OF.conversation_windows, day, c.countableFrom))
      // the latest inbound messages only where the 24 hours before the day were held too
      .map(([day, state]) => [day, { state, inbound: countable('inbound_24h', day, c.countableFrom) ? (chain.inboundCheckpoints.get(day) ?? null) : null }]),
  );
  await writeCheckpoints(trx, orgId, counted, opts.runId, opts.now);
  // A replay of days before where the stored chain ends leaves the stored chain as it is.
  if (chain.plan.keepState) return;
  const requested = new Set(c.days.map((d) => d.day));
  // Only a chain continued from before the requested days (a skipped night) counted other days.
  if (chain.plan.from.getTime() < c.window.lo.getTime()) await correctOtherDays(trx, c, requested, opts);
  await trx.raw(
    `INSERT INTO conversation_chains (org_id, chained_until, updated_at, run_id) VALUES (?, ?, ?, ?)
     ON CONFLICT (org_id) DO UPDATE SET chained_until = EXCLUDED.chained_until, updated_at = EXCLUDED.updated_at, run_id = EXCLUDED.run_id`,
    [orgId, chain.plan.to, opts.now, opts.runId],
  );
}

/** The openings of computed days outside the requested ones that the chain went through again. */
async function correctOtherDays(trx: Knex.Transaction, c: OrgComputation, requested: Set<string>, opts: WriteOptions): Promise<void> {
  const orgId = c.window.orgId;
  const chain = c.chain!;
  const { rows } = await trx.raw<{ rows: Array<{ day: string; first: string | null; last: string }> }>(
    `SELECT d.day::text AS day FROM daily_values d
      WHERE d.org_id = ? AND d.metric = 'conversation_windows' AND d.source = 'raw'
        AND (?::timestamptz IS NULL OR d.day >= (?::timestamptz AT TIME ZONE ?)::date)
        AND d.day < (?::timestamptz AT TIME ZONE ?)::date`,
    [orgId, chain.plan.from, chain.plan.from, c.window.tz, chain.plan.to, c.window.tz],
  );
  for (const r of rows) {
    if (requested.has(r.day) || !countable(SOURCE_OF.conversation_windows, r.day, c.countableFrom)) continue;
    await trx.raw(`UPDATE daily_values SET value = ?, computed_at = ?, run_id = ? WHERE org_id = ? AND day = ? AND metric = 'conversation_windows'`, [
      chain.openings.get(r.day) ?? 0,
      opts.now,
      opts.runId,
      orgId,
      r.day,
    ]);
  }
}

