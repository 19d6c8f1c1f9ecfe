// The production build as the Docker image lays it out: `npm run build` (tsconfig.build.json)
// compiles the production folders only, and dist/ + bin/ + templates/ + the packages run the
// job with no source, demo, test or bench file beside them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { connect } from '../db/connect.ts';
import { GlificFixture } from '../demo/glific/fixture.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { isProduction, LAYERS, OUTSIDE, ROOT, sourceFiles } from './support/import-graph.ts';

let app: string;
let db: TestDatabase;
let out: string;

function cli(args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(app, 'bin/glific-reports.js'), ...args], { env: { PATH: process.env.PATH!, HOME: os.tmpdir(), ...env }, cwd: app });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

const filesUnder = (dir: string): string[] => (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map((f) => f.split(path.sep).join('/'));

beforeAll(async () => {
  app = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-build-'));
  execFileSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.build.json'), '--outDir', path.join(app, 'dist')], { cwd: ROOT, stdio: 'pipe' });
  // The runtime stage of the Dockerfile: dist/, bin/, templates/, package.json and the packages.
  fs.cpSync(path.join(ROOT, 'bin'), path.join(app, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(ROOT, 'package.json'), path.join(app, 'package.json'));
  fs.symlinkSync(path.join(ROOT, 'templates'), path.join(app, 'templates'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(app, 'node_modules'));

  db = await createTestDatabase('build');
  const admin = connect({ url: db.url });
  const fx = await GlificFixture.create(admin);
  const org = await fx.org({ shortcode: 'acme', timezone: 'Asia/Kolkata' });
  const c = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
  await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
  await admin.destroy();
  out = path.join(app, 'output');
}, 120_000);

afterAll(async () => {
  await db?.drop();
  if (app) fs.rmSync(app, { recursive: true, force: true });
});

describe('the production build', () => {
  it('holds the production modules and nothing from demo/, test/ or bench/', () => {
    const built = filesUnder(path.join(app, 'dist'));
    const tops = new Set(built.map((f) => f.split('/')[0]));
    for (const dir of OUTSIDE) expect(tops.has(dir), `dist/${dir}`).toBe(false);
    expect([...tops].filter((t) => !LAYERS.flat().includes(t))).toEqual([]);
    // One .js per production .ts, no more, no less.
    const expected = sourceFiles().filter(isProduction).map((f) => f.replace(/\.ts$/, '.js'));
    expect(built.filter((f) => f.endsWith('.js')).sort()).toEqual(expected.sort());
  });

  it('says the demo is not part of it (exit 2)', async () => {
    const r = await cli(['demo'], { REPORTS_OUTPUT_DIR: out });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/^glific-reports: the demo is not part of this installation/);
  });

  it('runs the daily job, publishes the site and reports its status', async () => {
    const env = { GLIFIC_DATABASE_URL: db.url, REPORTS_OUTPUT_DIR: out };
    const r = await cli(['run', 'daily', '--date', '2026-03-02', '--no-email'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^run daily \(manual\): succeeded\n {2}ok {3}acme {13}2026-03-02/);
    expect(fs.existsSync(path.join(out, 'site', 'acme', 'daily', '2026-03-02.html'))).toBe(true);
    const s = await cli(['status'], env);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toMatch(/acme +daily +2026-03-02 +succeeded +manual/);
  });
});
