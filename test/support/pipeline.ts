// A Glific database built with the fixture builder, the results store beside it (schema
// glific_reports, as in production by default) and the job wired to both.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect, connectGlific, type Db } from '../../db/connect.ts';
import { GlificFixture } from '../../demo/glific/fixture.ts';
import { connectStore, migrateStore } from '../../store/connect.ts';
import { planRun, runJob, type RunRequest, type RunSummary } from '../../jobs/run.ts';
import { silentLog } from '../../lib/log.ts';
import { readOrgReport } from '../../store/read.ts';
import type { OrgReport } from '../../metrics/report.ts';
import { createTestDatabase, type TestDatabase } from './databases.ts';

export interface Pipeline {
  db: TestDatabase;
  admin: Db;
  fx: GlificFixture;
  glific: Db;
  store: Db;
  outputDir: string;
  run(req: RunRequest, now: string | Date): Promise<RunSummary>;
  report(shortcode: string, now?: string | Date): Promise<OrgReport>;
  close(): Promise<void>;
}

export async function pipeline(label: string, opts: { glificUrl?: (db: TestDatabase) => Promise<string> } = {}): Promise<Pipeline> {
  const db = await createTestDatabase(label);
  const admin = connect({ url: db.url });
  const fx = await GlificFixture.create(admin);
  const glific = connectGlific(opts.glificUrl ? await opts.glificUrl(db) : db.url, { statementTimeoutMs: 60_000 });
  const store = connectStore(db.url);
  await migrateStore(store);
  const outputDir = fs.mkdtempSync(path.join(os.tmpdir(), `gr-${label}-`));
  return {
    db,
    admin,
    fx,
    glific,
    store,
    outputDir,
    async run(req, now) {
      const deps = { glific, store, now: new Date(now), log: silentLog, outputDir, fallbackZone: 'Asia/Kolkata' };
      const plan = await planRun({ site: false, email: false, ...req }, deps);
      return runJob({ site: false, email: false, ...req }, deps, plan);
    },
    async report(shortcode, now = new Date()) {
      const o = await store('orgs').where({ shortcode }).orderBy('updated_at', 'desc').first();
      return readOrgReport(store, Number(o.org_id), new Date(now));
    },
    async close() {
      await glific.destroy();
      await store.destroy();
      await admin.destroy();
      await db.drop();
      fs.rmSync(outputDir, { recursive: true, force: true });
    },
  };
}

/** A day's values as a plain object, for compact assertions. */
export function dayValues(r: OrgReport, date: string): Record<string, number | null> {
  const d = r.days.find((x) => x.date === date);
  if (!d) throw new Error(`no day ${date} in the report of ${r.org.shortcode}`);
  return { ...d.values, most_active_hour: d.mostActiveHour } as Record<string, number | null>;
}
