// The stored id sets behind distinct keys (migration 008): written with the day's values, read
// back as the size of a union over any range of days (lib/id-sets.ts).
import type { Knex } from 'knex';
import { countable, type OrgComputation } from '../metrics/compute.ts';
import { SOURCE_OF } from '../metrics/registry.ts';
import { insertRows } from './insert-rows.ts';
import { encodeInts, MAX_INT_ID, unionSize } from '../lib/id-sets.ts';
import { eachDate } from '../lib/calendar.ts';

export const SET_KEYS = ['active_contacts', 'conversations'] as const;
export type SetKey = (typeof SET_KEYS)[number];

/**
 * Replace the sets of the org's countable days: every countable day gets one, empty when nothing
 * was counted, so a union knows the day was counted. A day whose value is not known (or whose ids
 * do not fit a bitmap) gets none.
 */
export async function writeDaySets(trx: Knex.Transaction, c: OrgComputation, runId: number, now: Date): Promise<void> {
  const orgId = c.window.orgId;
  const byDay = new Map(c.tables.idSets.map((s) => [`${s.key}|${s.day}`, s.ids]));
  // Every key's days in one DELETE and one INSERT: most of a day's write is round trips.
  const replaced: Array<{ key: SetKey; day: string }> = [];
  const rows: unknown[][] = [];
  for (const key of SET_KEYS) {
    for (const d of c.days) {
      if (!countable(SOURCE_OF[key], d.day, c.countableFrom) || d.values[key] === undefined) continue;
      replaced.push({ key, day: d.day });
      const ids = byDay.get(`${key}|${d.day}`) ?? [];
      let ints: Uint8Array | null = null;
      let texts: string[] | null = null;
      if (Array.isArray(ids) && ids.length && typeof ids[0] === 'string') texts = ids as string[];
      else {
        const numbers = ids as ArrayLike<number>;
        if (Array.prototype.some.call(numbers, (n: number) => !(n >= 0 && n <= MAX_INT_ID))) continue;
        ints = await encodeInts(numbers);
      }
      rows.push([orgId, d.day, key, ints ? Buffer.from(ints) : null, texts, ids.length, runId, now]);
    }
  }
  if (!replaced.length) return;
  await trx.raw(`DELETE FROM id_sets WHERE org_id = ? AND (metric, day) IN (SELECT * FROM unnest(?::text[], ?::date[]))`, [
    orgId,
    replaced.map((r) => r.key),
    replaced.map((r) => r.day),
  ]);
  await insertRows(trx, (values) => `INSERT INTO id_sets (org_id, day, metric, ints, texts, size, run_id, computed_at) VALUES ${values}`, rows, {
    row: '(?, ?, ?, ?, ?::text[], ?, ?, ?)',
    chunk: 200,
  });
}

/** One day's stored set: a bitmap of integer ids or the text ids. */
export interface DaySet {
  ints: Uint8Array | null;
  texts: string[] | null;
}

/** The stored sets of one key over the days [from, to], by day (a day with no set is absent). */
export async function readDaySets(db: Knex | Knex.Transaction, orgId: number, key: SetKey, from: string, to: string): Promise<Map<string, DaySet>> {
  return (await readKeysDaySets(db, orgId, [key], from, to)).get(key)!;
}

/** readDaySets for several keys in one read, by key. */
async function readKeysDaySets(db: Knex | Knex.Transaction, orgId: number, keys: readonly SetKey[], from: string, to: string): Promise<Map<SetKey, Map<string, DaySet>>> {
  const { rows } = await db.raw<{ rows: Array<{ metric: SetKey; day: string; ints: Buffer | null; texts: string[] | null }> }>(
    `SELECT metric, day::text AS day, ints, texts FROM id_sets WHERE org_id = ? AND metric = ANY(?::text[]) AND day BETWEEN ? AND ?`,
    [orgId, [...keys], from, to],
  );
  const out = new Map(keys.map((k) => [k, new Map<string, DaySet>()]));
  for (const r of rows) out.get(r.metric)!.set(r.day, { ints: r.ints ? new Uint8Array(r.ints) : null, texts: r.texts });
  return out;
}

/** The number of distinct ids over the sets of a range's days; null (not known) when a day has none. */
export async function distinctOfDays(sets: ReadonlyArray<DaySet | undefined>): Promise<number | null> {
  if (sets.some((s) => !s)) return null;
  const all = sets as DaySet[];
  return unionSize(all.filter((s) => s.ints).map((s) => s.ints!), all.filter((s) => s.texts).map((s) => s.texts!));
}

/**
 * Per key, the number of distinct ids over the days [from, to]; null (not known, never 0) when
 * some day of the range has no stored set.
 */
export async function distinctOverRange(db: Knex | Knex.Transaction, orgId: number, from: string, to: string): Promise<Record<SetKey, number | null>> {
  const days = eachDate(from, to);
  // Both keys' sets in one read.
  const byKey = await readKeysDaySets(db, orgId, SET_KEYS, from, to);
  const out = {} as Record<SetKey, number | null>;
  for (const key of SET_KEYS) {
    const sets = byKey.get(key)!;
    out[key] = await distinctOfDays(days.map((d) => sets.get(d)));
  }
  return out;
}
