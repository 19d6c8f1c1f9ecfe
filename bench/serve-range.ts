// The served range page, measured against a running `serve` as a browser meets it: one org with
// 365 computed days and 10k active contacts a day out of 200k (its stored id sets), a logged-in
// session, and 365-day ranges never asked before (no cache), then the same ones again (cached).
//   npx tsx bench/serve-range.ts <glific database URL> [requests]
// Prints one JSON line: p50/p95/max of uncached and cached answers, in ms, and the server's peak RSS.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { withDatabase, connect } from '../db/connect.ts';
import { connectStore, migrateStore } from '../store/connect.ts';
import { addDays, eachDate } from '../lib/calendar.ts';
import { DAILY_KEYS, KEYS } from '../metrics/registry.ts';
import { encodeInts } from '../lib/id-sets.ts';
import { DEMO_ADMIN_PHONE, DEMO_PASSWORD } from '../demo/glific/generate.ts';

const [glificUrl, n = '20'] = process.argv.slice(2);
const REQUESTS = Number(n);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const LAST = '2026-10-31';
const DAYS = eachDate(addDays(LAST, -(365 + REQUESTS + 365)), LAST); // room for the ranges and the periods before them

// A results store of its own beside the Glific database.
const storeName = 'bench_serve_store';
const admin = new pg.Client({ connectionString: withDatabase(glificUrl, 'postgres') });
await admin.connect();
await admin.query(`DROP DATABASE IF EXISTS ${storeName} WITH (FORCE)`);
await admin.query(`CREATE DATABASE ${storeName} TEMPLATE template0`);
await admin.end();
const storeUrl = withDatabase(glificUrl, storeName);
const glific = connect({ url: glificUrl, pool: 1 });
const org = (await glific.raw(`SELECT id, shortcode, name, coalesce(timezone, 'Asia/Kolkata') AS tz FROM organizations WHERE is_active AND NOT coalesce(is_trial_org, false) ORDER BY id LIMIT 1`)).rows[0];
await glific.destroy();
const store = connectStore(storeUrl);
await migrateStore(store);
await store('orgs').insert({ org_id: org.id, shortcode: org.shortcode, name: org.name, timezone: org.tz });
const run = (await store('runs').insert({ job: 'range', org_id: org.id, shortcode: org.shortcode, period_from: DAYS[0], period_to: LAST, status: 'succeeded' }).returning('id'))[0].id;
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32);
const now = new Date();
for (let i = 0; i < DAYS.length; i += 30) {
  const chunk = DAYS.slice(i, i + 30);
  const values = chunk.flatMap((day) => DAILY_KEYS.map((k) => ({ org_id: org.id, day, metric: k, value: k === 'active_contacts' ? 10_000 : Math.floor(rnd() * 5000), source: KEYS[k].kind === 'snapshot' ? 'snapshot' : 'raw', computed_at: now, late: false, run_id: run, definition_version: 2 })));
  await store('daily_values').insert(values);
  await store('hourly_values').insert(chunk.flatMap((day) => Array.from({ length: 24 }, (_, hour) => ({ org_id: org.id, day, hour, inbound: Math.floor(rnd() * 900), outbound: Math.floor(rnd() * 900), run_id: run }))));
  const sets = [];
  for (const day of chunk) {
    const ids = new Set<number>();
    while (ids.size < 10_000) ids.add(1 + Math.floor(rnd() * 200_000));
    sets.push({ org_id: org.id, day, metric: 'active_contacts', ints: Buffer.from(await encodeInts([...ids])), size: 10_000, run_id: run, computed_at: now });
    sets.push({ org_id: org.id, day, metric: 'conversations', texts: ['fep-1', `fep-${day}`], size: 2, run_id: run, computed_at: now });
  }
  await store('id_sets').insert(sets);
}
await store.destroy();

// serve, as an operator starts it
const out = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-serve-'));
fs.mkdirSync(path.join(out, 'site'));
const port = 20000 + Math.floor(Math.random() * 20000);
const child = spawn(process.execPath, [path.join(ROOT, 'bin/glific-reports.js'), 'serve', '--port', String(port), '--host', '127.0.0.1'], {
  env: { PATH: process.env.PATH!, HOME: os.tmpdir(), GLIFIC_DATABASE_URL: glificUrl, REPORTS_DATABASE_URL: storeUrl, REPORTS_OUTPUT_DIR: out },
  stdio: ['ignore', 'ignore', 'pipe'],
});
let stderr = '';
child.stderr!.on('data', (d) => (stderr += d));
const base = `http://127.0.0.1:${port}`;
for (let i = 0; ; i++) {
  try {
    await fetch(`${base}/login`);
    break;
  } catch {
    if (i > 100) throw new Error(`serve did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
// A running server: the one an operator started a while ago has drawn its warm-up pages.
for (let i = 0; !stderr.includes('serve.charts_warm'); i++) {
  if (i > 300) throw new Error(`serve did not warm its chart threads: ${stderr.slice(-2000)}`);
  await new Promise((r) => setTimeout(r, 100));
}
try {
  const form = await fetch(`${base}/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())![1];
  const formCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const phone = DEMO_ADMIN_PHONE(1);
  const login = await fetch(`${base}/login`, { method: 'POST', redirect: 'manual', headers: { cookie: formCookie, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ csrf, phone, password: DEMO_PASSWORD }) });
  if (login.status !== 303) throw new Error(`login failed: ${login.status}`);
  const cookie = login.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const ask = async (to: string) => {
    const t0 = performance.now();
    const r = await fetch(`${base}/${org.shortcode}/range?from=${addDays(to, -364)}&to=${to}`, { headers: { cookie } });
    const body = await r.text();
    if (r.status !== 200 || !body.includes('Active contacts')) throw new Error(`range answered ${r.status}`);
    return performance.now() - t0;
  };
  await ask(addDays(LAST, -REQUESTS - 1)); // warm-up: the first page compiles the chart shapes
  const ends = Array.from({ length: REQUESTS }, (_, i) => addDays(LAST, -i));
  const cold: number[] = [];
  for (const e of ends) cold.push(await ask(e));
  const warm: number[] = [];
  for (const e of ends) warm.push(await ask(e));
  const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)];
  // The server's peak resident memory (all its threads), where /proc tells it.
  const status = fs.existsSync(`/proc/${child.pid}/status`) ? fs.readFileSync(`/proc/${child.pid}/status`, 'utf8') : '';
  const peakKb = /VmHWM:\s+(\d+) kB/.exec(status)?.[1];
  console.log(JSON.stringify({ org: org.shortcode, days: 365, activePerDay: 10_000, requests: REQUESTS, uncachedP50: pct(cold, 0.5), uncachedP95: pct(cold, 0.95), uncachedMax: Math.max(...cold), cachedP95: pct(warm, 0.95), peakRssMb: peakKb ? Math.round(Number(peakKb) / 1024) : null }));
} finally {
  child.kill('SIGTERM');
  await new Promise((r) => child.on('close', r));
  fs.rmSync(out, { recursive: true, force: true });
}
