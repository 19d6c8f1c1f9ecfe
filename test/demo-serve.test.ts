// `npm run demo:serve` on a fresh checkout: it makes the demo first, serves it on 127.0.0.1 (on
// a free port when 8080 is taken), prints the address and logins that work, and Ctrl-C leaves
// nothing running.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { SESSION_COOKIE } from '../serve/session.ts';
import { startDemoServe, type DemoServe } from './support/demo-serve.ts';

let demo: DemoServe;
let held: net.Server | undefined;

beforeAll(async () => {
  // Port 8080 taken (here, or by anything else on the machine): the demo takes a free port.
  held = await new Promise<net.Server | undefined>((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(undefined));
    srv.listen(8080, '127.0.0.1', () => resolve(srv));
  });
  demo = await startDemoServe(['--days', '3']);
}, 600_000);

afterAll(async () => {
  await demo?.cleanup();
  held?.close();
});

/** The login form's cookie and token, then the login itself: the session cookie, or none. */
async function logIn(base: string, phone: string, password: string): Promise<{ status: number; location: string | null; session?: string }> {
  const form = await fetch(`${base}/login`);
  const csrf = /name="csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const formCookie = form.headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: formCookie, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ csrf, phone, password }).toString(),
  });
  const session = res.headers.getSetCookie().map((c) => c.split(';')[0]).find((c) => c.startsWith(`${SESSION_COOKIE}=`));
  return { status: res.status, location: res.headers.get('location'), session };
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port });
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

describe('demo --serve as a real process', () => {
  it('made the demo first, and prints a 127.0.0.1 address and a working login per demo organization', async () => {
    expect(demo.stdout()).toMatch(/There is no demo yet: making it first/);
    expect(new URL(demo.url).hostname).toBe('127.0.0.1');
    expect(Number(new URL(demo.url).port)).not.toBe(8080);
    // The three active demo organizations; the inactive and the suspended one cannot be read.
    expect(demo.logins.map((l) => l.shortcode)).toEqual(['ngo1', 'ngo2', 'ngo3']);
    expect(await accepts(demo.pgPort)).toBe(true);
  });

  it('logs in over HTTP with the printed phone and password and serves that organization only', async () => {
    const { shortcode, phone, password } = demo.logins[0];
    const r = await logIn(demo.url, phone, password);
    expect(r.status).toBe(303);
    expect(r.location).toBe(`/${shortcode}/`);
    const page = await fetch(`${demo.url}/${shortcode}/`, { headers: { cookie: r.session! } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toMatch(/<title>Akshar Shiksha Trust/);
    expect(html).toMatch(/href="daily\/\d{4}-\d{2}-\d{2}\.html"/);
    const other = await fetch(`${demo.url}/${demo.logins[1].shortcode}/`, { headers: { cookie: r.session! }, redirect: 'manual' });
    expect(other.status).toBe(404);
    expect((await logIn(demo.url, phone, 'not the password')).session).toBeUndefined();
  });

  it('Ctrl-C (SIGINT) stops the server and the embedded PostgreSQL and exits 0', async () => {
    demo.child.kill('SIGINT');
    expect(await demo.exited).toBe(0);
    expect(await accepts(Number(new URL(demo.url).port))).toBe(false);
    expect(await accepts(demo.pgPort)).toBe(false);
    expect(demo.stderr()).toMatch(/"event":"serve.stopping","reason":"SIGINT"/);
  });
});
