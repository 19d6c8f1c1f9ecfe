// The HTTP face of `glific-reports serve`: Glific's staff (roles staff, manager, admin,
// glific_admin) log in with their phone and password and read the published site of their
// organization only — the folder site/<shortcode>/ of their shortcode, and only while the site's
// manifest gives that folder to their organization's id (a shortcode reused after a deletion is
// another organization). Everything else is 404, including other organizations' pages and data,
// so the server does not confirm which organizations exist.
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { SERVED_ONLY_MARK } from '../pages/range-form.ts';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Log } from '../lib/log.ts';
import type { RateCard } from '../config/rate-card.ts';
import { checkRequestPath, findSiteFile } from './files.ts';
import { FolderOwners } from './owners.ts';
import { createRangeService } from './ranges.ts';
import { createVerifier, maskPhone, normalizePhone, type Verifier } from './login.ts';
import { FORM_EXPIRED, LOGIN_FAILED, loginPage, messagePage, orgIndexPage } from './pages.ts';
import {
  FormTokens, LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, SessionStore, cookieName, parseCookies, randomToken, serializeCookie,
  sharedFormKey, type Session,
} from './session.ts';
import { DEFAULT_IP_RULE, DEFAULT_PHONE_RULE, Throttle, addressKey, type ThrottleRule } from './throttle.ts';

export type ServeLog = Log;

export interface ServeTimeouts {
  /** The request line and headers must have arrived within this (Node's headersTimeout). */
  headersMs: number;
  /** The whole request, body included, must have arrived within this (requestTimeout). */
  requestMs: number;
  /** A socket with no traffic at all is closed after this (connectionTimeout). */
  idleMs: number;
  /** An idle kept-alive connection is closed after this (keepAliveTimeout). */
  keepAliveMs: number;
  /** How often Node checks the headers and request timeouts (connectionsCheckingInterval). */
  checkEveryMs: number;
}

export const DEFAULT_TIMEOUTS: ServeTimeouts = { headersMs: 10_000, requestMs: 30_000, idleMs: 30_000, keepAliveMs: 10_000, checkEveryMs: 1_000 };

export interface ServeOptions {
  /** <REPORTS_OUTPUT_DIR>/site */
  siteDir: string;
  /** A read-only connection to the Glific database. */
  glific: Knex;
  /** The results store, migrated: sessions live in glific_reports.serve_sessions. */
  store: Knex;
  /** HMAC key of the form tokens, at least 32 characters; default: the key kept in the store. */
  sessionSecret?: string;
  /**
   * Addresses (IPs, CIDRs, or `loopback`) of the reverse proxies whose X-Forwarded-For and
   * X-Forwarded-Proto are believed (REPORTS_TRUST_PROXY). Empty or absent: none.
   */
  trustProxy?: string[];
  log?: ServeLog;
  now?: () => Date;
  phoneRule?: ThrottleRule;
  ipRule?: ThrottleRule;
  /** Iterations of the dummy hash verified for unknown phones; Glific's 100,000 by default. */
  dummyIterations?: number;
  /** PBKDF2 computations at once (threadpool threads); default 2. */
  hashConcurrency?: number;
  /** Login attempts being checked at once; more are answered 503 at once. Default 64. */
  maxLoginsInFlight?: number;
  timeouts?: Partial<ServeTimeouts>;
  /** The operator's prices, for the estimated cost on range pages made on request (REPORTS_RATE_CARD). */
  rateCard?: RateCard | null;
  /** Once listening, draw a few made-up range pages in the background so the first real ones are quick. */
  warmCharts?: boolean;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

/** Sent over HTTPS only: a browser that saw it uses HTTPS for this host for a year. */
export const HSTS = 'max-age=31536000';

/** Purge expired sessions at most this often per process (and at start). */
const PURGE_EVERY_MS = 10 * 60 * 1000;

function securityHeaders(reply: FastifyReply, secure: boolean): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  // Every page is either a form or one organization's private data: never cached anywhere.
  reply.header('cache-control', 'no-store');
  if (secure) reply.header('strict-transport-security', HSTS);
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).type('text/plain; charset=utf-8').send(`See ${location}\n`);
}

/** The store did not answer: the request is refused with 503, never served without a session check. */
class StoreUnavailable extends Error {
  readonly statusCode = 503;
}

export async function createServeApp(o: ServeOptions): Promise<FastifyInstance> {
  const log: ServeLog = o.log ?? (() => undefined);
  const now = o.now ?? (() => new Date());
  const sessions = new SessionStore(o.store);
  const owners = new FolderOwners(o.siteDir);
  const ranges = createRangeService({ store: o.store, now: o.now ?? (() => new Date()), log, rateCard: o.rateCard ?? null });
  const forms = new FormTokens(o.sessionSecret ?? (await sharedFormKey(o.store)));
  const verifier: Verifier = createVerifier(o.glific, { dummyIterations: o.dummyIterations, hashConcurrency: o.hashConcurrency });
  const byPhone = new Throttle(o.phoneRule ?? DEFAULT_PHONE_RULE);
  const byIp = new Throttle(o.ipRule ?? DEFAULT_IP_RULE);
  const maxInFlight = o.maxLoginsInFlight ?? 64;
  let inFlight = 0;
  const timeouts = { ...DEFAULT_TIMEOUTS, ...o.timeouts };
  let lastPurge = -Infinity;

  const app = Fastify({
    logger: false,
    // Only the listed proxies: the client address is the nearest X-Forwarded-For entry that is
    // not one of them, and X-Forwarded-Proto counts only when the connection comes from one.
    trustProxy: o.trustProxy && o.trustProxy.length > 0 ? o.trustProxy : false,
    bodyLimit: 16 * 1024,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1024 },
    // A client that trickles its request, or opens connections and sends nothing, is cut off.
    connectionTimeout: timeouts.idleMs,
    keepAliveTimeout: timeouts.keepAliveMs,
    requestTimeout: timeouts.requestMs,
    http: { headersTimeout: timeouts.headersMs, requestTimeout: timeouts.requestMs, connectionsCheckingInterval: timeouts.checkEveryMs },
    frameworkErrors(_err, req, rawReply) {
      const reply = rawReply as unknown as FastifyReply;
      securityHeaders(reply, req.protocol === 'https');
      reply.code(400).type('text/plain; charset=utf-8').send('Bad request\n');
    },
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onSend', async (req, reply, payload) => {
    securityHeaders(reply, secure(req));
    return payload;
  });

  app.setErrorHandler((err: { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof StoreUnavailable) {
      reply.header('retry-after', '30');
      return html(reply, 503, messagePage('Reports unavailable', 'The reports cannot be opened right now. Please try again in a minute.'));
    }
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log('serve.error', { method: req.method, error: String((err as Error)?.message ?? err) });
    reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'Internal error\n' : 'Bad request\n');
  });

  app.setNotFoundHandler((_req, reply) => {
    html(reply, 404, messagePage('Not found', 'There is no such page.'));
  });

  async function purge(): Promise<void> {
    const t = now();
    if (t.getTime() - lastPurge < PURGE_EVERY_MS) return;
    lastPurge = t.getTime();
    try {
      const n = await sessions.purge(t);
      if (n > 0) log('serve.sessions_purged', { count: n });
    } catch (err) {
      log('serve.store_error', { during: 'purge', error: (err as Error).message });
    }
  }
  app.addHook('onReady', purge);
  app.addHook('onClose', async () => ranges.close());
  if (o.warmCharts) {
    app.addHook('onListen', (done) => {
      ranges.warm().then(
        (ms) => log('serve.charts_warmed', { ms }),
        (err: unknown) => log('serve.charts_warm_failed', { error: String((err as Error)?.message ?? err) }),
      );
      done();
    });
  }

  function secure(req: FastifyRequest): boolean {
    return req.protocol === 'https';
  }
  const cookies = (req: FastifyRequest) => parseCookies(req.headers.cookie);
  /** The request's cookie of that name: the `__Host-` one over HTTPS, the plain one otherwise. */
  const cookie = (req: FastifyRequest, base: string) => cookies(req).get(cookieName(base, secure(req)));
  async function sessionOf(req: FastifyRequest): Promise<Session | undefined> {
    try {
      return await sessions.read(cookie(req, SESSION_COOKIE), now());
    } catch (err) {
      log('serve.store_error', { during: 'session', error: (err as Error).message });
      throw new StoreUnavailable('store unavailable');
    }
  }
  const endSessionCookie = (req: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { secure: secure(req), maxAge: 0 }));

  /** The login form's cookie: made once per browser session so several tabs keep working. */
  function loginCookie(req: FastifyRequest, reply: FastifyReply): string {
    const existing = cookie(req, LOGIN_CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const fresh = randomToken(24);
    reply.header('set-cookie', serializeCookie(LOGIN_CSRF_COOKIE, fresh, { secure: secure(req) }));
    return fresh;
  }

  function showLogin(req: FastifyRequest, reply: FastifyReply, status: number, extra: { phone?: string; error?: string } = {}) {
    const token = forms.loginToken(loginCookie(req, reply));
    return html(reply, status, loginPage({ csrfToken: token, ...extra }));
  }

  app.get('/login', async (req, reply) => {
    const s = await sessionOf(req);
    if (s) return seeOther(reply, `/${s.shortcode}/`);
    return showLogin(req, reply, 200);
  });

  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const phoneText = typeof body.phone === 'string' ? body.phone.slice(0, 40) : '';
    if (!forms.checkLoginToken(cookie(req, LOGIN_CSRF_COOKIE), body.csrf)) {
      log('serve.login_refused', { reason: 'csrf', ip: req.ip });
      return showLogin(req, reply, 403, { phone: phoneText, error: FORM_EXPIRED });
    }
    const t = now().getTime();
    const phone = normalizePhone(body.phone);
    const phoneKey = phone ?? 'malformed';
    const ipKey = addressKey(req.ip);
    const wait = Math.max(byIp.blocked(ipKey, t) ?? 0, byPhone.blocked(phoneKey, t) ?? 0);
    if (wait > 0) {
      log('serve.login_throttled', { ip: req.ip, phone: phone ? maskPhone(phone) : undefined, retryAfter: wait });
      reply.header('retry-after', String(wait));
      return html(reply, 429, messagePage('Too many attempts', `Too many failed login attempts. Try again in ${Math.ceil(wait / 60)} minutes.`));
    }
    if (inFlight >= maxInFlight) {
      // Each attempt waits for a PBKDF2 slot; beyond this many the wait itself would be the attack.
      log('serve.login_busy', { ip: req.ip, inFlight });
      reply.header('retry-after', '5');
      return html(reply, 503, messagePage('Login busy', 'Too many people are logging in right now. Please try again in a few seconds.'));
    }
    const ipTicket = byIp.begin(ipKey, t);
    const phoneTicket = byPhone.begin(phoneKey, t);
    let result;
    inFlight++;
    try {
      result = await verifier.check(body.phone, body.password);
    } catch (err) {
      byIp.giveBack(ipTicket);
      byPhone.giveBack(phoneTicket);
      log('serve.login_error', { error: (err as Error).message });
      return html(reply, 503, messagePage('Login unavailable', 'Logging in is not possible right now. Please try again later.'));
    } finally {
      inFlight--;
    }
    if (!result.ok) {
      const fields = { reason: result.reason, ip: req.ip, phone: phone ? maskPhone(phone) : undefined };
      if (result.reason === 'legacy_hash') {
        log('serve.login_refused', { ...fields, hint: 'this user\'s password hash is in the pre-2023 standard Base64 encoding, which Glific no longer verifies either; convert it (Glific PasswordMigration) or reset the password' });
      } else if (result.reason === 'role_not_allowed') {
        log('serve.login_refused', { ...fields, hint: 'the password is right, but the user\'s Glific roles include none of staff, manager, admin, glific_admin' });
      } else {
        log('serve.login_refused', fields);
      }
      return showLogin(req, reply, 401, { phone: phoneText, error: LOGIN_FAILED });
    }
    byIp.giveBack(ipTicket);
    byPhone.clear(phoneKey);
    let issued;
    try {
      issued = await sessions.issue(result.user, now());
    } catch (err) {
      log('serve.store_error', { during: 'login', error: (err as Error).message });
      throw new StoreUnavailable('store unavailable');
    }
    const { cookie: value, session } = issued;
    log('serve.login', { org: session.shortcode, user: session.userId, ip: req.ip });
    void purge();
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, value, { secure: secure(req), maxAge: SESSION_TTL_MS / 1000 }),
      serializeCookie(LOGIN_CSRF_COOKIE, '', { secure: secure(req), maxAge: 0 }),
    ]);
    return seeOther(reply, `/${session.shortcode}/`);
  });

  app.post('/logout', async (req, reply) => {
    const s = await sessionOf(req);
    if (!s) {
      endSessionCookie(req, reply);
      return seeOther(reply, '/login');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!forms.checkLogoutToken(s, body.csrf)) {
      log('serve.logout_refused', { reason: 'csrf', org: s.shortcode, ip: req.ip });
      return html(reply, 403, messagePage('Not logged out', 'The request could not be verified. Use the Log out button on the reports page.'));
    }
    try {
      await sessions.revoke(s);
    } catch (err) {
      log('serve.store_error', { during: 'logout', error: (err as Error).message });
      throw new StoreUnavailable('store unavailable');
    }
    log('serve.logout', { org: s.shortcode, user: s.userId });
    endSessionCookie(req, reply);
    return seeOther(reply, '/login');
  });

  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = await sessionOf(req);
    if (!s) return seeOther(reply, '/login');
    return html(reply, 200, orgIndexPage({ shortcode: s.shortcode, orgName: s.orgName, userName: s.userName, logoutToken: forms.logoutToken(s) }));
  };
  // Browsers ask for it on every page; an empty answer keeps 404s out of their consoles.
  app.get('/favicon.ico', async (_req, reply) => reply.code(204).send());

  app.get('/', index);
  app.get('/index.html', index);

  app.get('/*', async (req, reply) => {
    const checked = checkRequestPath(req.raw.url ?? '');
    if (checked.kind === 'bad') {
      log('serve.path_refused', { ip: req.ip, url: (req.raw.url ?? '').slice(0, 200) });
      return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    }
    const s = await sessionOf(req);
    if (!s) {
      // Data files are fetched by scripts and spreadsheets, which cannot follow a login form.
      const isData = checked.segments[1] === 'data' || /\.(csv|json)$/i.test(checked.segments.at(-1) ?? '');
      if (isData) return reply.code(401).type('text/plain; charset=utf-8').send('Log in first: /login\n');
      return seeOther(reply, '/login');
    }
    const segments = checked.segments;
    if (segments[0] !== s.shortcode) return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    const owner = await owners.ownerOf(s.shortcode);
    if (owner !== undefined && owner !== Number(s.orgId)) {
      log('serve.folder_refused', { org: s.shortcode, orgId: s.orgId, owner, why: 'the folder belongs to another organization with this shortcode' });
      return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    }
    const rangeFormat = segments.length === 2 && segments[1] === 'range' ? 'page' : segments.length === 3 && segments[1] === 'data' && segments[2] === 'range.csv' ? 'csv' : null;
    if (rangeFormat && !checked.trailingSlash) {
      const q = req.query as Record<string, unknown>;
      const a = await ranges.answer({ orgId: Number(s.orgId), shortcode: s.shortcode, user: String(s.userId), from: q.from, to: q.to, format: rangeFormat });
      if (a.status === 429) {
        reply.header('retry-after', '5');
        return html(reply, 429, messagePage('Please wait', a.problem!));
      }
      if (a.status === 400 && rangeFormat === 'page') return html(reply, 400, messagePage('Choose other dates', a.problem!));
      return reply.code(a.status).type(a.type).send(a.body);
    }
    let found = await findSiteFile(o.siteDir, segments);
    if (found.kind === 'directory') {
      if (!checked.trailingSlash) return seeOther(reply, `/${segments.map(encodeURIComponent).join('/')}/`);
      found = await findSiteFile(o.siteDir, [...segments, 'index.html']);
    } else if (checked.trailingSlash) {
      // "page.html/" would resolve the page's relative links against the wrong directory.
      found = { kind: 'missing' };
    }
    if (found.kind !== 'file') return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    if (found.type.startsWith('text/html')) {
      // A published page carries its date-range form hidden (a static site has no /range); here it works.
      const page = (await readFile(found.file, 'utf8')).replace(SERVED_ONLY_MARK, '');
      return reply.code(200).type(found.type).send(page);
    }
    return reply.code(200).type(found.type).header('content-length', String(found.size)).send(createReadStream(found.file));
  });

  return app;
}
