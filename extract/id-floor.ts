// Glific's messages_conversations has no index on inserted_at, only its primary key (and
// organization_id): reading one day of it would scan the whole table. Its rows are inserted as
// billing events arrive and stamped with the time of insertion, so ids grow with inserted_at. A
// binary search over the primary key finds an id below which every row is older than the
// instant minus a safety margin; queries add `id >= floor` next to their exact time filter, so a
// row stamped out of order by less than the margin is still found.
import type { Db } from '../db/connect.ts';
import { utcText } from './windows.ts';

export const ID_FLOOR_MARGIN_MS = 24 * 3600 * 1000;

/** An id such that no row with a smaller id has inserted_at >= instant - margin (0: no bound). */
export async function idFloor(db: Db, table: 'messages_conversations', instant: Date): Promise<number> {
  const target = utcText(new Date(instant.getTime() - ID_FLOOR_MARGIN_MS));
  const ends = (await db.raw<{ rows: Array<{ lo: number | null; hi: number | null }> }>(`SELECT min(id) AS lo, max(id) AS hi FROM ${table}`)).rows[0];
  if (ends.lo === null || ends.hi === null) return 0;
  const firstAtOrAfter = async (id: number) =>
    (await db.raw<{ rows: Array<{ id: number; old: boolean }> }>(`SELECT id, inserted_at < CAST(? AS timestamp) AS old FROM ${table} WHERE id >= ? ORDER BY id LIMIT 1`, [target, id])).rows[0];
  // Invariant: rows at ids below `lo` are older than the target; the row at or after `hi` is not.
  let lo = ends.lo;
  let hi = ends.hi + 1;
  const last = await firstAtOrAfter(ends.hi);
  if (last.old) return ends.hi + 1;
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    const row = await firstAtOrAfter(mid);
    if (row.old) lo = row.id + 1;
    else hi = mid;
  }
  return lo;
}
