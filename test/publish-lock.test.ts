// The output directory's lock as an operator meets it: a lock left behind by an unclean stop does
// not stop publishing (nor the digests behind it), while a live publish in another process makes
// the next one wait. Real files, real processes, real signals.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { publishSite } from '../publish/site.ts';
import { acquireLock, judgeLock, selfIdentity, siteLockPath, type LockHolder } from '../publish/lock.ts';
import type { OrgReport } from '../metrics/report.ts';
import { fixtureReport } from './support/site-fixtures.ts';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { planRun, runJob } from '../jobs/run.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const NOW = new Date('2025-01-06T10:00:00Z');
const small = (): OrgReport => fixtureReport({ shortcode: 'small', name: 'Small NGO', from: '2025-01-01', to: '2025-01-05' });

const dirs: string[] = [];
function outDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'publock-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Logged = Array<[string, Record<string, unknown>]>;
const recorder = (logged: Logged) => (event: string, fields: Record<string, unknown> = {}) => logged.push([event, fields]);
const events = (logged: Logged, name: string) => logged.filter(([e]) => e === name).map(([, f]) => f);

/** Watches a promise without awaiting it. */
function track<T>(p: Promise<T>) {
  const s: { done: boolean; value?: T; error?: unknown } = { done: false };
  p.then(
    (v) => Object.assign(s, { done: true, value: v }),
    (e) => Object.assign(s, { done: true, error: e }),
  );
  return s;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(cond: () => boolean, ms = 90_000) {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await sleep(20);
  }
}

/** Another process holding the lock of `outputDir`. */
async function holder(outputDir: string): Promise<{ child: ChildProcess; pid: number; exited: Promise<unknown> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'test/support/hold-lock.ts'), siteLockPath(outputDir)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise((r) => child.once('exit', r));
  const pid = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d) => {
      out += d;
      const m = /held (\d+)/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return { child, pid, exited };
}

function writeLock(outputDir: string, holderText: string, ageMs = 0) {
  const p = siteLockPath(outputDir);
  writeFileSync(p, holderText);
  if (ageMs) {
    const t = new Date(Date.now() - ageMs);
    utimesSync(p, t, t);
  }
  return p;
}
const record = (over: Partial<LockHolder>): string => JSON.stringify({ ...selfIdentity(), since: '2025-01-01T00:00:00.000Z', token: 'earlier', ...over });

describe('a lock whose holder is gone', () => {
  it('is taken over when it names this very pid with another start time (a restarted container’s pid 1)', async () => {
    const out = outDir();
    const me = selfIdentity();
    expect(me.startTime, 'this test needs /proc').not.toBeNull();
    writeLock(out, record({ startTime: String(Number(me.startTime) + 12_345) }));
    const logged: Logged = [];
    const r = await publishSite({ reports: [small()], outputDir: out, now: NOW, log: recorder(logged), lock: { waitMs: 5_000, pollMs: 50 } });
    expect(r.orgs).toBe(1);
    expect(events(logged, 'lock.waiting')).toEqual([]);
    expect(events(logged, 'lock.taken_over')).toEqual([expect.objectContaining({ why: expect.stringMatching(new RegExp(`pid ${process.pid} now belongs to another process`)) })]);
    expect(existsSync(siteLockPath(out))).toBe(false);
  });

  it('is taken over when an older version left just this pid in it', async () => {
    const out = outDir();
    writeLock(out, String(process.pid));
    const logged: Logged = [];
    await publishSite({ reports: [small()], outputDir: out, now: NOW, log: recorder(logged), lock: { waitMs: 5_000, pollMs: 50 } });
    expect(events(logged, 'lock.taken_over')).toHaveLength(1);
    expect(existsSync(path.join(out, 'site/small/index.html'))).toBe(true);
  });

  it('is taken over when it comes from an earlier boot of this host', async () => {
    const out = outDir();
    writeLock(out, record({ bootId: '00000000-0000-0000-0000-000000000000' }));
    const lock = await acquireLock(siteLockPath(out), { waitMs: 2_000, pollMs: 50 });
    await lock.release();
  });

  it('from a host it cannot check, is taken over only once its heartbeat has stopped', async () => {
    const out = outDir();
    const foreign = record({ host: 'other-host', bootId: 'other-boot', pidNs: 'pid:[1]', pid: 1, startTime: '5' });
    writeLock(out, foreign);
    await expect(acquireLock(siteLockPath(out), { waitMs: 300, pollMs: 50, staleMs: 60_000 })).rejects.toThrow(/another publish holds .*pid 1 on other-host.*its heartbeat is recent/);
    expect(readFileSync(siteLockPath(out), 'utf8')).toBe(foreign);
    writeLock(out, foreign, 2 * 60_000);
    const logged: Logged = [];
    const lock = await acquireLock(siteLockPath(out), { waitMs: 300, pollMs: 50, staleMs: 60_000, log: recorder(logged) });
    expect(events(logged, 'lock.taken_over')[0].why).toMatch(/no heartbeat for 120 s/);
    await lock.release();
  });

  it('from another pid namespace on this host and boot (another container), is judged by its heartbeat', () => {
    const other = record({ pidNs: 'pid:[4026000001]', pid: 1, startTime: '77' });
    const now = Date.now();
    expect(judgeLock(other, now - 10_000, now)).toEqual({ alive: true, why: 'its heartbeat is recent' });
    expect(judgeLock(other, now - 130_000, now)).toEqual({ alive: false, why: 'no heartbeat for 130 s' });
  });

  it('goes to one waiter at a time when several find it at once', async () => {
    const out = outDir();
    writeLock(out, record({ startTime: '1' }));
    let inside = 0;
    let most = 0;
    const one = async () => {
      const lock = await acquireLock(siteLockPath(out), { waitMs: 20_000, pollMs: 10 });
      inside++;
      most = Math.max(most, inside);
      await sleep(100);
      inside--;
      await lock.release();
    };
    await Promise.all([one(), one(), one(), one()]);
    expect(most).toBe(1);
    expect(readdirSync(out)).toEqual([]);
  });
});

describe('a lock whose holder is alive', () => {
  it('held by another publish in this same process: the next publish waits, and gives up naming it', async () => {
    const out = outDir();
    const mine = writeLock(out, record({}));
    const text = readFileSync(mine, 'utf8');
    await expect(publishSite({ reports: [small()], outputDir: out, now: NOW, lock: { waitMs: 600, pollMs: 50 } })).rejects.toThrow(
      new RegExp(`another publish holds .*pid ${process.pid} on .*process ${process.pid} is running.*gave up after waiting`),
    );
    expect(readFileSync(mine, 'utf8')).toBe(text);
    expect(existsSync(path.join(out, 'site'))).toBe(false);
  });

  it('held by a live process: a publish waits; once that process is SIGKILLed the publish goes ahead by itself', async () => {
    const out = outDir();
    const h = await holder(out);
    try {
      await expect(publishSite({ reports: [small()], outputDir: out, now: NOW, lock: { waitMs: 500, pollMs: 50 } })).rejects.toThrow(new RegExp(`pid ${h.pid} on`));
      const logged: Logged = [];
      const publish = track(publishSite({ reports: [small()], outputDir: out, now: NOW, log: recorder(logged), lock: { pollMs: 50 } }));
      await until(() => events(logged, 'lock.waiting').length > 0);
      expect(events(logged, 'lock.waiting')[0].holder).toMatch(new RegExp(`^pid ${h.pid} on `));
      await sleep(1_000);
      expect(publish.done).toBe(false);
      expect(existsSync(path.join(out, 'site'))).toBe(false);

      h.child.kill('SIGKILL');
      await h.exited;
      await until(() => publish.done);
      expect(publish.error).toBeUndefined();
      expect(events(logged, 'lock.taken_over')[0].why).toBe(`process ${h.pid} is gone`);
      expect(existsSync(path.join(out, 'site/small/index.html'))).toBe(true);
      expect(existsSync(siteLockPath(out))).toBe(false);
    } finally {
      h.child.kill('SIGKILL');
    }
  });

  it('keeps its heartbeat going and notices when it has lost the lock', async () => {
    const out = outDir();
    const p = siteLockPath(out);
    const lock = await acquireLock(p, { heartbeatMs: 50 });
    const old = new Date(Date.now() - 60_000);
    utimesSync(p, old, old);
    await until(() => statSync(p).mtimeMs > Date.now() - 5_000);
    await lock.check();
    // Another process took it over (this one had stalled past the heartbeat).
    writeLock(out, record({ host: 'other-host', token: 'theirs' }));
    await expect(lock.check()).rejects.toThrow(/was taken over by another process/);
    await lock.release();
    expect(readFileSync(p, 'utf8')).toContain('"theirs"');
  });
});

describe('data files of a run without the site (--no-site)', () => {
  let p: Pipeline;
  beforeAll(async () => {
    p = await pipeline('publock');
    const org = await p.fx.org({ shortcode: 'acme', timezone: 'Asia/Kolkata' });
    const c = await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 06:00:00' });
  });
  afterAll(async () => p?.close());

  it('wait for a publish in progress, then are written, owner and group only', async () => {
    const h = await holder(p.outputDir);
    const daily = path.join(p.outputDir, 'site/acme/data/daily.csv');
    try {
      const logged: Logged = [];
      const deps = { glific: p.glific, store: p.store, now: new Date('2026-03-05T00:00:00Z'), log: recorder(logged), outputDir: p.outputDir, fallbackZone: 'Asia/Kolkata' };
      const req = { job: 'daily' as const, date: '2026-03-02', site: false, email: false };
      const run = track(runJob(req, deps, await planRun(req, deps)));
      await until(() => events(logged, 'lock.waiting').length > 0 || run.done);
      expect(events(logged, 'org.stored')).toHaveLength(1);
      expect(events(logged, 'lock.waiting')[0]?.holder).toMatch(new RegExp(`^pid ${h.pid} on `));
      await sleep(500);
      expect(run.done).toBe(false);
      expect(existsSync(daily)).toBe(false);
      // The publish finishes and lets go of the lock.
      h.child.kill('SIGTERM');
      await h.exited;
      await until(() => run.done);
      expect(run.error).toBeUndefined();
      expect(run.value!.exitCode).toBe(0);
    } finally {
      h.child.kill('SIGKILL');
    }
    expect(readFileSync(daily, 'utf8')).toMatch(/^date,.*\r\n2026-03-02,/);
    expect(statSync(daily).mode & 0o777).toBe(0o640);
    expect(statSync(path.dirname(daily)).mode & 0o777).toBe(0o750);
    expect(existsSync(siteLockPath(p.outputDir))).toBe(false);
  });
});
