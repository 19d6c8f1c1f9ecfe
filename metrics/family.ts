// What a metric family is: the unit that defines indicators. A family declares its keys (kind,
// label, Glific source table, `stats` column) and runs ONE set-based computation over the whole
// request whose result columns are named exactly as its keys. metrics/registry.ts lists the
// families; metrics/compute.ts runs them and copies their columns into days by key name.
import type { Knex } from 'knex';
import type { Db } from '../db/connect.ts';
import type { Scope } from '../extract/windows.ts';
import type { ChainOutcome, ChainSeed, StoredChain } from './conversation-windows.ts';

export type Kind = 'event' | 'distinct' | 'snapshot';

/**
 * The Glific table a key is counted from. It decides which days can still be counted raw:
 * Glific purges messages, messages_conversations and flow_contexts, never contacts.
 */
export type SourceTable = 'messages' | 'messages_conversations' | 'flow_contexts' | 'contacts';

/** Glific `stats` columns a day before the raw data may be filled from (METRICS.md §7). */
export type StatsColumn = 'inbound' | 'outbound' | 'hsm' | 'conversations' | 'flows_started' | 'flows_completed';

/** A day's values so far, as a derived key sees them (undefined: not known). */
export type DayValues<K extends string = string> = Readonly<Partial<Record<K, number>>>;

export interface KeyDef<K extends string = string> {
  kind: Kind;
  /** Human label, for pages, charts and mail. */
  label: string;
  /** The Glific `stats` column this key may be imported from for days before the raw data. */
  stats?: StatsColumn;
  /** Only when it is not the family's table. */
  source?: SourceTable;
  /**
   * Event keys: a period sums the days that have a value and is unknown only when none has
   * (a key defined only from some date on, METRICS.md §6). Otherwise one unknown day makes the
   * period's sum unknown.
   */
  sumKnownDays?: boolean;
  /**
   * Counted with the inbound messages of the 24 hours before each message (customer-service
   * windows, METRICS.md §3a): a day is countable only when it starts at least 24 hours after the
   * oldest inbound message Glific holds for the org (or lies within what Glific surely keeps).
   */
  needs24hBefore?: boolean;
  /**
   * A key computed from other keys of the same family and day, after the query's columns were
   * copied; it has no column of its own. The local date lets a rule change with time (pricing).
   * null, undefined or a non-finite number: not known that day.
   */
  derive?(day: DayValues<K>, date: string): number | null | undefined;
}

/** Extra tables of day rows a family may produce besides its keys; kept for its countable days only. */
export interface SideTables {
  /** Messages per local hour (METRICS.md §4). */
  hourly: HourRow[];
  /** error_messages per local day and error code (METRICS.md §3b). */
  errors: ErrorCodeRow[];
  /** The ids behind a distinct key's day value, for unions over any range (lib/id-sets.ts). */
  idSets: IdSetRow[];
}

export interface IdSetRow {
  org_id: number;
  day: string;
  key: string;
  /** Integer ids (contact ids) or text ids (BSP conversation ids). */
  ids: ArrayLike<number> | string[];
}

export interface HourRow {
  org_id: number;
  day: string;
  hour: number;
  inbound: number;
  outbound: number;
}

export interface ErrorCodeRow {
  org_id: number;
  day: string;
  /** '' for a failure without a code. */
  code: string;
  count: number;
}

/** Per-org state a family hands to the store besides values (one entry per org it computed). */
export interface OrgState {
  /** The conversation chain's end state (metrics/conversation-windows.ts). */
  chain: ChainOutcome;
}

export interface ChainStore {
  /** Per org, where the stored chain ends and its state there (null: not kept). */
  load(orgIds: number[]): Promise<Map<number, StoredChain>>;
  /** Per org, the chain's state stored at the end of the given local day (a checkpoint), if any. */
  checkpoints(at: Array<{ orgId: number; day: string }>): Promise<Map<number, ChainSeed>>;
}

export interface FamilyContext {
  glific: Db;
  scope: Scope;
  chains: ChainStore;
  /**
   * One value per request under `key`, made by the first family that asks: a pass over Glific
   * that several families read (the contacts' ordered messages) is made once.
   */
  once<T>(key: string, make: () => Promise<T>): Promise<T>;
}

/** A row of a family's result: org_id, day (or period), one column per key. */
export type FamilyRow = Record<string, unknown>;

export interface FamilyOutput {
  /** The result's column names, known even when it has no row (pg's `result.fields`). */
  columns: readonly string[];
  /** At most one row per (org_id, day) and per (org_id, period). */
  rows: FamilyRow[];
  tables?: Partial<SideTables>;
  state?: Map<number, Partial<OrgState>>;
}

export interface Family<K extends string = string> {
  /** Also the compute stage name in logs and the progress bar. */
  name: string;
  /** The table its keys are counted from (a key may name another). */
  source: SourceTable;
  /** In CSV column order. */
  keys: { readonly [key in K]: KeyDef<K> };
  /**
   * Distinct counts: each day's row holds the ids behind its values (column `ids`, moved into the
   * idSets side table by takeIdSets), integer or text ids. A month's or range's value is the size
   * of the union of its days' stored sets (store/id-sets.ts), never a sum and never a recount.
   */
  daySets?: 'int' | 'text';
  run(ctx: FamilyContext): Promise<FamilyOutput>;
  /**
   * Its rough share of a long run's time (docs/BENCHMARKS.md): families start longest first, so
   * that the ones running side by side end together; a family that mostly waits for a pass
   * another one makes (FamilyContext.once) comes last. Only the order depends on it.
   */
  cost?: number;
}

/** Columns a family's result may have besides its keys. */
export const ROW_COLUMNS = ['org_id', 'day', 'day_end'] as const;

export function defineFamily<K extends string>(family: Family<K>): Family<K> {
  return family;
}

/** The keys a family's result must hold a column for (derived keys have none). */
export function columnKeys(family: Family): string[] {
  return Object.entries(family.keys as Record<string, KeyDef>)
    .filter(([, def]) => !def.derive)
    .map(([key]) => key);
}

/** A declared key without a column would be stored as a confident 0 on every day: refuse it. */
export function checkColumns(family: Family, columns: readonly string[]): void {
  for (const key of columnKeys(family)) {
    if (!columns.includes(key)) {
      throw new Error(`metric family "${family.name}" declares key "${key}" but its query returned no column "${key}" (columns: ${columns.join(', ')})`);
    }
  }
}

/** Run one query and keep its column names along with its rows. */
export async function query(db: Db, sql: string, bindings: Knex.ValueDict): Promise<Pick<FamilyOutput, 'columns' | 'rows'>> {
  const r = await db.raw<{ rows: FamilyRow[]; fields: Array<{ name: string }> }>(sql, bindings);
  return { columns: r.fields.map((f) => f.name), rows: r.rows };
}

/**
 * Move the day rows' ids (column `ids`) into the family's `idSets` side table: integer ids come as
 * the array's text (countPairs), text ids as an array.
 */
export function takeIdSets(output: { columns: readonly string[]; rows: FamilyRow[] }, key: string, ids: 'int' | 'text'): FamilyOutput {
  const idSets: IdSetRow[] = [];
  for (const r of output.rows) {
    const parsed = ids === 'int' ? parseIntArray((r.ids as string | null) ?? '{}') : ((r.ids as unknown[] | null) ?? []).map(String);
    idSets.push({ org_id: Number(r.org_id), day: r.day as string, key, ids: parsed });
    delete r.ids;
  }
  return { columns: output.columns.filter((c) => c !== 'ids'), rows: output.rows, tables: { idSets } };
}

/**
 * The text of a PostgreSQL integer array ('{1,-2,3}', '{}'), read without a string per element,
 * into an array of exactly its size (a range run holds millions of these ids until it stores them).
 */
export function parseIntArray(text: string): Float64Array {
  let count = 0;
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 44) count++;
  const out = new Float64Array(text.length > 2 ? count + 1 : 0);
  let k = 0;
  let n = 0;
  let sign = 1;
  let digits = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      digits++;
    } else if (c === 45) sign = -1;
    else if (c === 44 || c === 125) {
      if (digits) out[k++] = sign * n;
      n = 0;
      sign = 1;
      digits = 0;
    } else if (c !== 123) throw new Error(`not an integer array: ${text.slice(0, 40)}`);
  }
  if (k !== out.length) throw new Error(`not an integer array: ${text.slice(0, 40)}`);
  return out;
}
