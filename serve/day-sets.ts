// The stored id sets of organizations' days, held in memory for the range pages `serve` makes: a
// range's distinct counts are unions of its days' sets, and ranges asked one after another share
// most of their days (and the period before each), so only days not held yet are read from the
// store. A set belongs to a store version (the org's latest stored run): a new run lets go of the org's
// older sets. Bounded by bytes; the least recently used days go first.
import type { Knex } from 'knex';
import { eachDate } from '../lib/calendar.ts';
import { distinctOfDays, readDaySets, SET_KEYS, type DaySet, type SetKey } from '../store/id-sets.ts';

/** Default bound: a year of 10k-id days of two orgs and a bit (a 10k-of-200k bitmap is ~20 kB). */
export const DEFAULT_DAY_SET_BYTES = 64 * 1024 * 1024;

interface Held {
  set: DaySet;
  bytes: number;
}

// A held day's own bytes, and what a Map entry and its objects cost besides, roughly.
function sizeOf(s: DaySet): number {
  let n = 128 + (s.ints?.byteLength ?? 0);
  for (const t of s.texts ?? []) n += 16 + 2 * t.length;
  return n;
}

export function createDaySetCache(o: { store: Knex; maxBytes?: number }) {
  const maxBytes = o.maxBytes ?? DEFAULT_DAY_SET_BYTES;
  // Insertion order is recency order: a day used again is moved to the end.
  const held = new Map<string, Held>();
  const versions = new Map<number, string>();
  let bytes = 0;

  function drop(k: string): void {
    const h = held.get(k);
    if (!h) return;
    held.delete(k);
    bytes -= h.bytes;
  }

  function touch(k: string, h: Held): void {
    held.delete(k);
    held.set(k, h);
  }

  function keep(k: string, set: DaySet): void {
    drop(k);
    const h = { set, bytes: sizeOf(set) };
    if (h.bytes > maxBytes) return;
    held.set(k, h);
    bytes += h.bytes;
    for (const oldest of held.keys()) {
      if (bytes <= maxBytes) break;
      drop(oldest);
    }
  }

  /** A new version of the org's results: its older sets will not be asked for again. */
  function onVersion(orgId: number, version: string): void {
    const had = versions.get(orgId);
    if (had === version) return;
    versions.set(orgId, version);
    if (had === undefined) return;
    const prefix = `${orgId}|`;
    for (const k of [...held.keys()]) if (k.startsWith(prefix)) drop(k);
  }

  return {
    /** As store/id-sets.ts distinctOverRange, for the org's results at `version`. */
    async distinctOverRange(orgId: number, version: string, from: string, to: string): Promise<Record<SetKey, number | null>> {
      onVersion(orgId, version);
      const days = eachDate(from, to);
      const out = {} as Record<SetKey, number | null>;
      for (const key of SET_KEYS) {
        const at = (day: string) => `${orgId}|${version}|${key}|${day}`;
        // Taken before any await: a day let go meanwhile by another request is still counted.
        const sets = new Map<string, DaySet>();
        const missing: string[] = [];
        for (const d of days) {
          const h = held.get(at(d));
          if (h) {
            touch(at(d), h);
            sets.set(d, h.set);
          } else missing.push(d);
        }
        if (missing.length) {
          for (const [day, set] of await readDaySets(o.store, orgId, key, missing[0], missing[missing.length - 1])) {
            if (sets.has(day)) continue;
            keep(at(day), set);
            sets.set(day, set);
          }
        }
        out[key] = await distinctOfDays(days.map((d) => sets.get(d)));
      }
      return out;
    },
    /** Bytes held now, for tests and logs. */
    get bytes(): number {
      return bytes;
    },
  };
}

export type DaySetCache = ReturnType<typeof createDaySetCache>;
