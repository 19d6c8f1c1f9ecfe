// The schedulers' heartbeats (table `scheduler_heartbeats`, one row per host and pid): a running
// `schedule` rewrites its row every tick interval, whether or not a run is in hand, and records
// how each tick ended. `status` judges from them whether the scheduler can work (docs/OPERATIONS.md,
// Health check). Every time written here comes from the caller's clock.
import os from 'node:os';
import type { Db } from '../db/connect.ts';

export interface Heartbeat {
  host: string;
  pid: number;
  startedAt: Date;
  beatAt: Date;
  lastTickAt: Date | null;
  lastOkAt: Date | null;
  error: string | null;
  /** how often this scheduler beats; it is stale after STALE_BEATS of them without one */
  tickSeconds: number;
}

/** A heartbeat older than this many tick intervals belongs to a scheduler that cannot work. */
export const STALE_BEATS = 5;

const TABLE = 'scheduler_heartbeats';
const me = () => ({ host: os.hostname(), pid: process.pid });

/** This process is alive and its store answers. */
export async function beat(store: Db, o: { startedAt: Date; at: Date; tickSeconds: number }): Promise<void> {
  await store(TABLE)
    .insert({ ...me(), started_at: o.startedAt, beat_at: o.at, tick_seconds: o.tickSeconds })
    .onConflict(['host', 'pid'])
    .merge({ beat_at: o.at, tick_seconds: o.tickSeconds });
}

/** How a tick ended: `error` is why it could not do its work, undefined when it could. */
export async function tickEnded(store: Db, o: { startedAt: Date; at: Date; tickSeconds: number; error?: string }): Promise<void> {
  const row = { beat_at: o.at, last_tick_at: o.at, error: o.error?.slice(0, 2000) ?? null, tick_seconds: o.tickSeconds, ...(o.error ? {} : { last_ok_at: o.at }) };
  await store(TABLE)
    .insert({ ...me(), started_at: o.startedAt, ...row })
    .onConflict(['host', 'pid'])
    .merge(row);
}

/** At a clean stop; and rows of this host that stopped beating long ago (dead processes). */
export async function removeBeat(store: Db, o: { staleBefore?: Date } = {}): Promise<void> {
  await store(TABLE).where(me()).del();
  if (o.staleBefore) await store(TABLE).where({ host: os.hostname() }).andWhere('beat_at', '<', o.staleBefore).del();
}

/**
 * The heartbeat `status` judges: the newest of a scheduler on this host (the health check runs in
 * the scheduler's container), else the newest of any; undefined when no scheduler has beaten.
 */
export async function currentHeartbeat(store: Db): Promise<Heartbeat | undefined> {
  const r =
    (await store(TABLE).where({ host: os.hostname() }).orderBy('beat_at', 'desc').first()) ??
    (await store(TABLE).orderBy('beat_at', 'desc').first());
  if (!r) return undefined;
  return {
    host: r.host,
    pid: Number(r.pid),
    startedAt: r.started_at,
    beatAt: r.beat_at,
    lastTickAt: r.last_tick_at ?? null,
    lastOkAt: r.last_ok_at ?? null,
    error: r.error ?? null,
    tickSeconds: Number(r.tick_seconds),
  };
}

export interface Health {
  healthy: boolean;
  /** why not, or what was seen */
  reason: string;
  heartbeat?: Heartbeat;
}

/** The scheduler's health as of `now`, from its heartbeat (pure). */
export function judgeHealth(hb: Heartbeat | undefined, now: Date): Health {
  if (!hb) return { healthy: true, reason: 'no scheduler heartbeat in the store (no `schedule` process has run here)' };
  const age = Math.round((now.getTime() - hb.beatAt.getTime()) / 1000);
  const limit = STALE_BEATS * hb.tickSeconds;
  if (age > limit) return { healthy: false, reason: `the scheduler on ${hb.host} (pid ${hb.pid}) has not beaten for ${age} s (limit ${limit} s): it is stopped, hung, or cannot reach the store`, heartbeat: hb };
  if (hb.error) return { healthy: false, reason: `the last tick of the scheduler on ${hb.host} (pid ${hb.pid}) could not work: ${hb.error}`, heartbeat: hb };
  return { healthy: true, reason: `the scheduler on ${hb.host} (pid ${hb.pid}) beat ${age} s ago`, heartbeat: hb };
}
