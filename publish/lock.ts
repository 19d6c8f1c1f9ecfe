// One writer at a time per output directory (site publishes and data-file writes), across the
// processes, containers and hosts that may share it.
//
// The lock is a file, <output>/.site.lock, naming its holder by boot id, pid namespace, pid AND
// process start time. A bare pid is not enough: in a container the scheduler is always pid 1,
// so after an unclean stop the restarted pid 1 would find "its own" pid alive forever. Whether
// the holder is gone is decided as exactly as the holder's identity allows:
//   - same kernel boot and pid namespace: the holder is alive iff a process with its pid and
//     its start time (/proc/<pid>/stat field 22) exists. A SIGKILLed, OOM-killed or restarted
//     holder is taken over at once.
//   - same host name, another boot: the machine restarted; taken over at once.
//   - otherwise (another host on a shared volume, another container, no /proc): the holder
//     refreshes the file's mtime every heartbeatMs, and a lock not refreshed for staleMs is
//     taken over. A holder that was frozen past that (a paused container) finds out before it
//     swaps the site in (HeldLock.check) and fails instead of overwriting the other publish.
//     A restarted container gets a new pid namespace: its own old lock is taken over at once
//     when the kernel has reused the namespace's number, else after staleMs. Taking it at once
//     on a namespace mismatch alone would be wrong: containers on the host network share the
//     host's name, so two live ones can both be pid 1 on the same boot.
// Why not a PostgreSQL advisory lock: the publisher and the data-file writer have no database
// handle (tests and the site benchmark run them without one), and the thing being guarded is a
// directory, which two deployments may share while using different results stores. Why not
// proper-lockfile: it decides staleness by mtime alone, so a dead local holder blocks for the
// whole stale period and a live one whose timer stalls is taken over mid-publish; and by default
// it throws from a timer when it detects that, which would kill the scheduler.
import { randomBytes } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { link, open, stat, unlink, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { Log } from '../lib/log.ts';
import { FILE_MODE } from '../lib/output-files.ts';

export interface LockHolder {
  host: string;
  /** /proc/sys/kernel/random/boot_id; null where there is no /proc */
  bootId: string | null;
  /** the pid namespace (/proc/self/ns/pid), so that a pid is only compared within its namespace */
  pidNs: string | null;
  pid: number;
  /** /proc/<pid>/stat field 22 (clock ticks after boot) */
  startTime: string | null;
  since: string;
  /** unique per acquisition: tells this lock from a later one at the same path */
  token: string;
}

export interface LockOptions {
  /** How long to wait for the current holder before failing (default 30 minutes). */
  waitMs?: number;
  /** How often to look again while waiting (default 1 s). */
  pollMs?: number;
  /** How often the holder refreshes the file's mtime (default 15 s). */
  heartbeatMs?: number;
  /** A holder that cannot be checked directly is gone after this long without a heartbeat (default 2 min). */
  staleMs?: number;
  log?: Log;
}

export interface HeldLock {
  /** Throws if the lock file is no longer this holder's (taken over after a stall). */
  check(): Promise<void>;
  release(): Promise<void>;
}

// Two minutes without a heartbeat: eight missed beats, and longer than NFS's default attribute
// cache (60 s), through which another host may see the mtime late.
const DEFAULTS = { waitMs: 30 * 60_000, pollMs: 1_000, heartbeatMs: 15_000, staleMs: 2 * 60_000 };

function readText(p: string): string | null {
  try {
    return readFileSync(p, 'utf8').trim();
  } catch {
    return null;
  }
}

/**
 * Field 22 of /proc/<pid>/stat, or null when there is no such process (or no /proc). A zombie
 * (killed, not yet reaped by its parent) counts as gone: it can hold nothing any more.
 */
export function processStartTime(pid: number): string | null {
  if (!Number.isSafeInteger(pid) || pid <= 0) return null;
  const s = readText(`/proc/${pid}/stat`);
  if (!s) return null;
  // The command name (field 2) is in parentheses and may itself contain spaces and parentheses.
  const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
  if (rest[0] === 'Z' || rest[0] === 'X') return null;
  return rest[22 - 3] ?? null;
}

let self: Omit<LockHolder, 'since' | 'token'> | undefined;

/** Who this process is, as a lock file records it. */
export function selfIdentity(): Omit<LockHolder, 'since' | 'token'> {
  if (!self) {
    let pidNs: string | null = null;
    try {
      pidNs = readlinkSync('/proc/self/ns/pid');
    } catch {
      // No /proc: only the heartbeat can tell.
    }
    self = { host: hostname(), bootId: readText('/proc/sys/kernel/random/boot_id'), pidNs, pid: process.pid, startTime: processStartTime(process.pid) };
  }
  return self;
}

function parseHolder(text: string): LockHolder | null {
  try {
    const h = JSON.parse(text) as LockHolder;
    return h && typeof h === 'object' && typeof h.pid === 'number' && typeof h.host === 'string' ? h : null;
  } catch {
    // Empty: a writer between create and write (or one that crashed there).
    return null;
  }
}

/** The lock of an older version held a bare pid. */
function legacyPid(text: string): number | null {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : null;
}

export interface LockState {
  alive: boolean;
  why: string;
}

/**
 * Whether the holder recorded in a lock file (its text, its mtime) is still there. Pure apart
 * from reading /proc.
 */
export function judgeLock(text: string, mtimeMs: number, now: number, me = selfIdentity(), staleMs = DEFAULTS.staleMs): LockState {
  const legacy = legacyPid(text);
  if (legacy !== null) {
    // This process never writes that format, so its own pid there is an earlier life's (a
    // container's pid 1 before a restart); a pid with no process is gone too.
    if (legacy === me.pid) return { alive: false, why: `an older version's lock naming pid ${legacy}, which is now this process` };
    if (processStartTime(legacy) === null && me.bootId) return { alive: false, why: `process ${legacy} is gone` };
  }
  const holder = parseHolder(text);
  if (holder && holder.bootId && holder.bootId === me.bootId && holder.pidNs && holder.pidNs === me.pidNs) {
    const start = processStartTime(holder.pid);
    if (start === null) return { alive: false, why: `process ${holder.pid} is gone` };
    if (start !== holder.startTime) return { alive: false, why: `pid ${holder.pid} now belongs to another process (started at tick ${start}, not ${holder.startTime})` };
    return { alive: true, why: `process ${holder.pid} is running` };
  }
  if (holder && holder.host === me.host && holder.bootId && me.bootId && holder.bootId !== me.bootId) {
    return { alive: false, why: `${holder.host} has restarted since the lock was taken` };
  }
  if (holder && holder.host === me.host && !me.bootId) {
    // No /proc (not Linux): a pid that does not exist is certainly gone.
    try {
      process.kill(holder.pid, 0);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ESRCH') return { alive: false, why: `process ${holder.pid} is gone` };
    }
  }
  const age = now - mtimeMs;
  return age > staleMs
    ? { alive: false, why: `no heartbeat for ${Math.round(age / 1000)} s` }
    : { alive: true, why: holder ? 'its heartbeat is recent' : 'the lock was written recently' };
}

export function describeHolder(h: LockHolder | null, text = ''): string {
  if (h) return `pid ${h.pid} on ${h.host} since ${h.since}`;
  const legacy = legacyPid(text);
  return legacy !== null ? `pid ${legacy} (an older version's lock)` : 'a holder still writing the lock';
}

interface Seen {
  text: string;
  holder: LockHolder | null;
  ino: number;
  mtimeMs: number;
}

/** The lock file as it is now; text, inode and mtime read through one descriptor (one file). */
async function look(lockPath: string): Promise<Seen | null> {
  let fh: FileHandle;
  try {
    fh = await open(lockPath, 'r');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw e;
  }
  try {
    const st = await fh.stat();
    const text = await fh.readFile('utf8');
    return { text, holder: parseHolder(text), ino: st.ino, mtimeMs: st.mtimeMs };
  } finally {
    await fh.close();
  }
}

/** A take-over guard older than this was left by a process that died while taking over. */
const GUARD_STALE_MS = 10_000;

/**
 * Removes the lock file only if it is still the one that was judged dead. Two waiters may both
 * judge the same dead holder, and one of them may have taken the lock over and created its own
 * by the time the other acts: so one waiter at a time takes over, under a guard file created
 * exclusively (`<lock>.takeover`, held for the few milliseconds of a check and an unlink), and
 * it removes the lock only when it is still the very file judged dead. No live lock is ever
 * moved or removed, even for an instant.
 */
async function removeIfSame(lockPath: string, seen: Seen): Promise<boolean> {
  const guard = `${lockPath}.takeover`;
  let fh: FileHandle;
  try {
    fh = await open(guard, 'wx', FILE_MODE);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    // Another waiter is taking over (try again on the next poll), or one died doing so.
    const st = await stat(guard).catch(() => null);
    if (st && Date.now() - st.mtimeMs > GUARD_STALE_MS) await unlink(guard).catch(() => undefined);
    return false;
  }
  await fh.close();
  try {
    const now = await look(lockPath);
    if (!now || now.ino !== seen.ino || now.text !== seen.text || now.mtimeMs !== seen.mtimeMs) return false;
    await unlink(lockPath);
    return true;
  } finally {
    await unlink(guard).catch(() => undefined);
  }
}

async function tryCreate(lockPath: string, me: ReturnType<typeof selfIdentity>, heartbeatMs: number): Promise<HeldLock | null> {
  const holder: LockHolder = { ...me, since: new Date().toISOString(), token: randomBytes(8).toString('hex') };
  const text = JSON.stringify(holder) + '\n';
  // Written in full under a name of its own, then linked into place: a waiter never sees a lock
  // file without its holder (an empty one would look abandoned and be taken over).
  const fresh = `${lockPath}.new-${holder.token}`;
  const fh = await open(fresh, 'wx', FILE_MODE);
  try {
    await fh.writeFile(text);
    await fh.sync();
    await link(fresh, lockPath);
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(fresh).catch(() => undefined);
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return null;
    throw e;
  }
  await unlink(fresh).catch(() => undefined);
  // The handle stays open: the heartbeat touches this lock's inode, never a successor's.
  const timer = setInterval(() => {
    const t = new Date();
    fh.utimes(t, t).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  const ours = async () => (await look(lockPath))?.text === text;
  let released = false;
  return {
    async check() {
      if (!(await ours())) throw new Error(`the lock ${lockPath} was taken over by another process while this one held it (stalled past the heartbeat?); nothing was swapped in`);
    },
    async release() {
      if (released) return;
      released = true;
      clearInterval(timer);
      if (await ours().catch(() => false)) await unlink(lockPath).catch(() => undefined);
      await fh.close().catch(() => undefined);
    },
  };
}

/** Takes the lock, waiting while a live holder has it and taking over a dead holder's. */
export async function acquireLock(lockPath: string, opts: LockOptions = {}): Promise<HeldLock> {
  const o = { ...DEFAULTS, ...opts };
  const log = opts.log ?? (() => undefined);
  const me = selfIdentity();
  const deadline = Date.now() + o.waitMs;
  let waitLogged = false;
  for (;;) {
    const held = await tryCreate(lockPath, me, o.heartbeatMs);
    if (held) return held;
    const seen = await look(lockPath);
    if (!seen) continue; // released in between: try again at once
    const state = judgeLock(seen.text, seen.mtimeMs, Date.now(), me, o.staleMs);
    if (!state.alive) {
      if (await removeIfSame(lockPath, seen)) log('lock.taken_over', { lock: lockPath, holder: describeHolder(seen.holder, seen.text), why: state.why });
      // else another waiter is taking it over: look again in a moment rather than spin
      else await new Promise((r) => setTimeout(r, Math.min(o.pollMs, 50)));
      continue;
    }
    const left = deadline - Date.now();
    if (left <= 0) {
      throw new Error(`another publish holds ${lockPath} (${describeHolder(seen.holder, seen.text)}: ${state.why}); gave up after waiting ${Math.round(o.waitMs / 1000)} s`);
    }
    if (!waitLogged) {
      log('lock.waiting', { lock: lockPath, holder: describeHolder(seen.holder, seen.text), why: state.why });
      waitLogged = true;
    }
    await new Promise((r) => setTimeout(r, Math.min(o.pollMs, left)));
  }
}

/** Runs fn holding the lock; fn gets the lock to check it is still held before committing. */
export async function withLock<T>(lockPath: string, opts: LockOptions, fn: (lock: HeldLock) => Promise<T>): Promise<T> {
  const lock = await acquireLock(lockPath, opts);
  try {
    return await fn(lock);
  } finally {
    await lock.release();
  }
}

/** The one lock of an output directory: site publishes and data-file writes both take it. */
export function siteLockPath(outputDir: string): string {
  return path.join(outputDir, '.site.lock');
}
