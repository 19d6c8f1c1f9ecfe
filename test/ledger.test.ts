// The run ledger and the advisory locks (store/runs.ts) as an operator reading `runs` or
// pg_locks sees them: times from the job's clock, one key scheme, dead runs failed only when
// their process is really gone.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pipeline, type Pipeline } from './support/pipeline.ts';
import { connectStore } from '../store/connect.ts';
import { planRun, runJob } from '../jobs/run.ts';
import { silentLog } from '../lib/log.ts';
import { schedulerClaims, waitingClaims } from '../jobs/claims.ts';
import type { PlannedOrg } from '../jobs/run.ts';
import { failDeadRuns, insertRunning, lockOrgWrites, periodHistory, recentRuns, RunLocks, type RunKey } from '../store/runs.ts';

let p: Pipeline;
beforeAll(async () => {
  p = await pipeline('ledger');
  const org = await p.fx.org({ shortcode: 'acme', timezone: 'Asia/Kolkata' });
  const c = await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
  await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
});
afterAll(async () => {
  await p?.close();
});

const advisoryKeys = async () =>
    // A bigint key shows as its high (classid) and low (objid) halves.
  (await p.store.raw(`SELECT ((classid::bigint << 32) | objid::bigint)::text AS key FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 1 AND granted`)).rows.map((r: { key: string }) => r.key);
const hash = async (text: string) => (await p.store.raw(`SELECT hashtextextended(?, 0)::text AS k`, [text])).rows[0].k as string;

describe('the ledger', () => {
  it('takes its times from the job clock: started at the run instant, stored and finished when the clock says', async () => {
    const now = new Date('2026-03-03T01:00:00Z');
    const ticks = [new Date('2026-03-03T01:00:07Z'), new Date('2026-03-03T01:00:09Z')];
    const deps = { glific: p.glific, store: p.store, now, clock: () => ticks.shift()!, log: silentLog, outputDir: p.outputDir, fallbackZone: 'Asia/Kolkata' };
    const req = { job: 'daily' as const, date: '2026-03-02', site: false, email: false };
    const summary = await runJob(req, deps, await planRun(req, deps));
    expect(summary.exitCode).toBe(0);
    expect(summary.finishedAt).toBe('2026-03-03T01:00:09.000Z');
    const row = await p.store('runs').where({ id: summary.orgs[0].runId }).first();
    expect(row).toMatchObject({ status: 'succeeded', started_at: now, stored_at: new Date('2026-03-03T01:00:07Z'), finished_at: new Date('2026-03-03T01:00:09Z'), rows_written: summary.orgs[0].rows });

    const [recent] = await recentRuns(p.store);
    expect(recent).toMatchObject({ shortcode: 'acme', job: 'daily', trigger: 'manual', from: '2026-03-02', to: '2026-03-02', status: 'succeeded', late: false, error: null });
    expect(await periodHistory(p.store, '2026-03-01')).toEqual([{ orgId: recent.orgId, job: 'daily', from: '2026-03-02', to: '2026-03-02', succeeded: true, failures: 0, lastFailedAt: undefined }]);
  });
});

describe('the advisory locks', () => {
  const key: RunKey = { orgId: 7, job: 'daily', from: '2026-03-01', to: '2026-03-01' };

  it('a run lock is the hash of "glific-reports run <org> <job> <from> <to>", held by one process at a time', async () => {
    const other = connectStore(p.db.url);
    const mine = await RunLocks.open(p.store);
    const theirs = await RunLocks.open(other);
    try {
      expect(await mine.tryTake(key)).toBe(true);
      // The same text as before the ledger moved here: processes of both versions exclude each other.
      expect(await advisoryKeys()).toContain((await hash('glific-reports run 7 daily 2026-03-01 2026-03-01')));
      expect(await theirs.tryTake(key)).toBe(false);
      await mine.release(key);
      expect(await theirs.tryTake(key)).toBe(true);
    } finally {
      await mine.close();
      await theirs.close();
      await other.destroy();
    }
  });

  it('takes several run locks in one go only when it gets them all, and a manual run then waits for the one held, in org order', async () => {
    const other = connectStore(p.db.url);
    const mine = await RunLocks.open(p.store);
    const theirs = await RunLocks.open(other);
    const k = (orgId: number): RunKey => ({ ...key, orgId });
    try {
      expect(await mine.tryTakeAll([k(1), k(2)])).toBe(true);
      expect(await advisoryKeys()).toEqual(expect.arrayContaining([await hash('glific-reports run 1 daily 2026-03-01 2026-03-01'), await hash('glific-reports run 2 daily 2026-03-01 2026-03-01')]));
      // 2 is held: none kept, 3 is free again
      expect(await theirs.tryTakeAll([k(2), k(3)])).toBe(false);
      expect(await mine.tryTake(k(3))).toBe(true);
      await mine.releaseAll([k(1), k(2), k(3)]);
      expect(await theirs.tryTakeAll([k(1), k(2), k(3)])).toBe(true);
      await theirs.releaseAll([k(1), k(3)]);

      // a manual run over orgs 1 and 2 takes 1 and waits for 2 until the other process lets go
      const plan = [2, 1].map((id) => ({ org: { id, shortcode: `o${id}` }, from: key.from, to: key.to }) as unknown as PlannedOrg);
      const claims = waitingClaims(mine);
      let got = false;
      const acquired = claims.acquire(plan, 'daily').then(() => (got = true));
      await new Promise((r) => setTimeout(r, 300));
      expect(got).toBe(false);
      expect(await theirs.tryTake(k(1))).toBe(false);
      await theirs.release(k(2));
      await acquired;
      await claims.release();
      expect(await theirs.tryTakeAll([k(1), k(2)])).toBe(true);
    } finally {
      await mine.close();
      await theirs.close();
      await other.destroy();
    }
  });

  it('a scheduled run goes ahead with the orgs it can lock and whose period is not done, failing the rows of dead processes', async () => {
    const day = { job: 'daily' as const, from: '2026-02-10', to: '2026-02-10' };
    const k = (orgId: number): RunKey => ({ ...day, orgId });
    const at = new Date('2026-02-11T03:00:00Z');
    // 11: another process runs it; 12: done already; 13: a row left `running` by a process that died; 14: nothing yet
    const done = await insertRunning(p.store, { ...k(12), trigger: 'schedule', shortcode: 'o12', startedAt: at, late: false });
    await p.store('runs').where({ id: done }).update({ status: 'succeeded' });
    const orphan = await insertRunning(p.store, { ...k(13), trigger: 'schedule', shortcode: 'o13', startedAt: at, late: false });
    const other = connectStore(p.db.url);
    const theirs = await RunLocks.open(other);
    const mine = await RunLocks.open(p.store);
    const logged: Array<[string, Record<string, unknown>]> = [];
    try {
      await theirs.take(k(11));
      const plan = [11, 12, 13, 14].map((id) => ({ org: { id, shortcode: `o${id}` }, from: day.from, to: day.to }) as unknown as PlannedOrg);
      const claims = schedulerClaims(p.store, mine, (event, fields) => logged.push([event, fields ?? {}]), at);
      expect((await claims.acquire(plan, 'daily')).map((x) => x.org.id)).toEqual([13, 14]);
      expect(logged).toEqual([
        ['run.skipped', { org: 'o11', job: 'daily', from: day.from, to: day.to, why: 'another process is running it' }],
        ['run.skipped', { org: 'o12', job: 'daily', from: day.from, to: day.to, why: 'already done' }],
      ]);
      expect(await p.store('runs').where({ id: orphan }).first()).toMatchObject({ status: 'failed', finished_at: at, error: expect.stringMatching(/stopped before it finished/) });
      expect((await p.store('runs').where({ id: done }).first()).status).toBe('succeeded');
      // held: the two it goes ahead with; given back: the done one
      expect(await theirs.tryTakeEach([k(12), k(13), k(14)])).toEqual([true, false, false]);
      await claims.release();
      expect(await theirs.tryTakeEach([k(13), k(14)])).toEqual([true, true]);
    } finally {
      await mine.close();
      await theirs.close();
      await other.destroy();
    }
  });

  it('fails a running row only when its lock is free (its process is gone)', async () => {
    const at = new Date('2026-03-05T00:00:00Z');
    const id = await insertRunning(p.store, { ...key, trigger: 'schedule', shortcode: 'gone', startedAt: at, late: false });
    const other = connectStore(p.db.url);
    const alive = await RunLocks.open(other);
    const mine = await RunLocks.open(p.store);
    try {
      await alive.take(key);
      expect(await failDeadRuns(p.store, mine, at)).toEqual([]);
      expect((await p.store('runs').where({ id }).first()).status).toBe('running');
      await alive.close(); // the process ends: PostgreSQL lets its locks go
      expect(await failDeadRuns(p.store, mine, at)).toEqual([{ id, shortcode: 'gone', job: 'daily', from: '2026-03-01', to: '2026-03-01' }]);
      expect(await p.store('runs').where({ id }).first()).toMatchObject({ status: 'failed', finished_at: at, error: expect.stringMatching(/stopped before it finished/) });
    } finally {
      await mine.close();
      await other.destroy();
    }
  });

  it("an org's writes wait for another transaction writing the same org", async () => {
    const order: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const first = p.store.transaction(async (trx) => {
      await lockOrgWrites(trx, 42);
      order.push('first locked');
      await held;
      order.push('first done');
    });
    await expect.poll(() => order.length).toBe(1);
    const keys = await advisoryKeys();
    expect(keys).toContain((await hash('glific-reports org-write 42')));
    const second = p.store.transaction(async (trx) => {
      await lockOrgWrites(trx, 42);
      order.push('second locked');
    });
    await new Promise((r) => setTimeout(r, 300));
    release();
    await Promise.all([first, second]);
    expect(order).toEqual(['first locked', 'first done', 'second locked']);
  });
});
