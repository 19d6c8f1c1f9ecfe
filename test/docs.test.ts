// The documentation that travels with the code says what the code does: the metric keys of
// docs/METRICS.md are the keys computed, every link leads somewhere, .env.example lists every
// variable with its default, and the read-only role of docs/GLIFIC.md can run the job.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DAILY_KEYS } from '../metrics/registry.ts';
import { loadConfig } from '../config/env.ts';
import { withDatabase } from '../db/connect.ts';
import { dayValues, pipeline, type Pipeline } from './support/pipeline.ts';
import { sql } from './support/databases.ts';

/**
 * Keys of definition version 2 that docs/METRICS.md defines but the code does not compute yet
 * (the templates, delivery and pricing keys of §3a). Remove each one here when it lands in
 * DAILY_KEYS: the test fails until then, so that the list cannot go stale.
 */
const PENDING_V2_KEYS: string[] = [];

/** Variables documented before the code reads them. */
const PENDING_VARIABLES = ['REPORTS_RATE_CARD'];

const read = (file: string) => fs.readFileSync(file, 'utf8');
const DOCS = ['README.md', ...fs.readdirSync('docs').filter((f) => f.endsWith('.md')).map((f) => path.join('docs', f))];

/** Rows of the Markdown tables whose first header cell is `title`, as arrays of cells. */
function tableRows(markdown: string, title: string): string[][] {
  const rows: string[][] = [];
  let inTable = false;
  for (const line of markdown.split('\n')) {
    if (!line.startsWith('|')) {
      inTable = false;
      continue;
    }
    const cells = line.slice(1, line.endsWith('|') ? -1 : undefined).split(/(?<!\\)\|/).map((c) => c.trim());
    if (!inTable) {
      inTable = cells[0] === title;
      continue;
    }
    if (/^-+$/.test(cells[0])) continue;
    rows.push(cells);
  }
  return rows;
}

const backticked = (cell: string) => [...cell.matchAll(/`([^`]+)`/g)].map((m) => m[1]);

/** GitHub's anchor of a heading. */
const slug = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\p{M}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');

const anchors = (markdown: string) => new Set([...markdown.matchAll(/^#{1,6} (.+)$/gm)].map((m) => slug(m[1])));

describe('docs/METRICS.md', () => {
  const metrics = read('docs/METRICS.md');
  const rows = tableRows(metrics, 'key');
  const documented = rows.map((r) => backticked(r[0])).flat();

  it('defines exactly the keys the code computes, plus the version-2 keys still to come', () => {
    expect(new Set(documented).size, 'a key is defined twice').toBe(documented.length);
    expect([...documented].sort()).toEqual([...DAILY_KEYS, 'most_active_hour', ...PENDING_V2_KEYS].sort());
  });

  it('lists as pending only keys the code does not compute yet', () => {
    expect(PENDING_V2_KEYS.filter((k) => (DAILY_KEYS as readonly string[]).includes(k)), 'computed now: remove from PENDING_V2_KEYS').toEqual([]);
  });

  it('marks every key new in definition version 2', () => {
    for (const key of PENDING_V2_KEYS) {
      const row = rows.find((r) => backticked(r[0]).includes(key))!;
      expect(row.join(' '), key).toContain('(from definition version 2)');
    }
  });
});

describe('links in README.md and docs/', () => {
  it('lead to files of the repository, and to headings that exist', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = read(file);
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue;
        const [rel, anchor] = target.split('#');
        const dest = rel ? path.resolve(path.dirname(file), rel) : path.resolve(file);
        if (path.relative(process.cwd(), dest).startsWith('..') || !fs.existsSync(dest)) {
          broken.push(`${file}: ${target} (no such file in the repository)`);
        } else if (anchor && dest.endsWith('.md') && !anchors(read(dest)).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });
});

describe('.env.example', () => {
  const example = read('.env.example');
  const lines = example.split('\n').map((l) => /^(#\s*)?([A-Z][A-Z0-9_]*)=(.*)$/.exec(l)).filter((m) => m !== null);
  const names = lines.map((m) => m[2]);

  it('lists every variable of docs/INTERFACE.md, and every variable the code reads', () => {
    const documented = tableRows(read('docs/INTERFACE.md'), 'variable').map((r) => backticked(r[0])[0]);
    expect([...names].sort()).toEqual([...documented].sort());

    const sources = (dir: string): string[] =>
      fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return ['node_modules', 'test', 'output', 'dist', '.git'].includes(e.name) ? [] : sources(p);
        return p.endsWith('.ts') ? [p] : [];
      });
    const read_ = new Set(sources('.').flatMap((f) => [...read(f).matchAll(/[.'"`[]((?:REPORTS|GLIFIC|SMTP)_[A-Z0-9_]+)\b/g)].map((m) => m[1])));
    expect([...read_].filter((v) => !names.includes(v)), 'read by the code, missing from .env.example').toEqual([]);
    expect(names.filter((v) => !read_.has(v) && !PENDING_VARIABLES.includes(v)), 'in .env.example, read by no code').toEqual([]);
  });

  it('holds the defaults: used as a .env file as it is, it changes nothing', () => {
    const plain = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-env-'));
    const withFile = fs.mkdtempSync(path.join(os.tmpdir(), 'gr-env-'));
    try {
      fs.copyFileSync('.env.example', path.join(withFile, '.env'));
      const bare: NodeJS.ProcessEnv = {};
      const fromFile: NodeJS.ProcessEnv = {};
      const a = loadConfig(bare, plain);
      const b = loadConfig(fromFile, withFile);
      expect({ ...b, outputDir: path.relative(withFile, b.outputDir), siteUrl: b.siteUrl.replace(withFile, '') }).toEqual({
        ...a,
        outputDir: path.relative(plain, a.outputDir),
        siteUrl: a.siteUrl.replace(plain, ''),
      });
            // Every default written out is the one docs/INTERFACE.md states.
      const defaults = new Map(tableRows(read('docs/INTERFACE.md'), 'variable').map((r) => [backticked(r[0])[0], r[2]]));
      for (const m of lines.filter((l) => !l[1])) expect(defaults.get(m[2]), m[2]).toContain(`\`${m[3]}\``);
    } finally {
      fs.rmSync(plain, { recursive: true, force: true });
      fs.rmSync(withFile, { recursive: true, force: true });
    }
  });
});

describe('the read-only role of docs/GLIFIC.md', () => {
  const grantBlock = (file: string) => {
    const block = [...read(file).matchAll(/```sql\n([\s\S]*?)```/g)].map((m) => m[1]).find((b) => b.includes('GRANT'));
    expect(block, `${file} has the grants`).toBeDefined();
    return block!;
  };
  const role = `gr_docs_${Math.random().toString(36).slice(2, 8)}`;
  let p: Pipeline;

  beforeAll(async () => {
    p = await pipeline('docsrole', {
      glificUrl: async (db) => {
        // The documented statements as they are, with this test's role, password and database.
        const statements = grantBlock('docs/GLIFIC.md')
          .replaceAll('glific_reports', role)
          .replace('DATABASE glific ', `DATABASE "${db.name}" `)
          .replace("'change-me'", "'docs-secret'")
          .split(';')
          .map((s) => s.trim())
          .filter(Boolean);
        for (const s of statements) await sql(db.url, s);
        const u = new URL(withDatabase(db.url, db.name));
        u.username = role;
        u.password = 'docs-secret';
        return u.toString();
      },
    });
    const org = await p.fx.org({ shortcode: 'docs', timezone: 'Asia/Kolkata' });
    const c = await p.fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    await p.fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-02 10:00:00' });
  });
  afterAll(async () => {
    await p?.close();
    await sql(p.db.url.replace(/\/[^/]*$/, '/postgres'), `DROP ROLE IF EXISTS ${role}`).catch(() => {});
  });

  it('is the one the README shows', () => {
    expect(grantBlock('README.md')).toBe(grantBlock('docs/GLIFIC.md'));
  });

  it('can run the job, and cannot write', async () => {
    const s = await p.run({ job: 'range', from: '2026-03-01', to: '2026-03-03' }, '2026-03-10T00:00:00Z');
    expect(s.orgs).toMatchObject([{ shortcode: 'docs', status: 'succeeded' }]);
    expect(dayValues(await p.report('docs'), '2026-03-02').inbound_messages).toBe(1);
    await expect(p.glific.raw(`UPDATE organizations SET name = 'x'`)).rejects.toThrow(/read-only|permission denied/);
  });
});
