// The HTTP face of `glific-reports serve`: Glific's own users log in with their phone and password
// and read the published site of their organization only. Everything else is 404, including other
// organizations' pages and data, so the server does not confirm which organizations exist.
import { createReadStream } from 'node:fs';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Knex } from 'knex';
import type { Log } from '../lib/log.ts';
import { checkRequestPath, findSiteFile } from './files.ts';
import { createVerifier, maskPhone, normalizePhone, type Verifier } from './login.ts';
import { FORM_EXPIRED, LOGIN_FAILED, loginPage, messagePage, orgIndexPage } from './pages.ts';
import {
  LOGIN_CSRF_COOKIE, SESSION_COOKIE, SESSION_TTL_MS, SessionKeeper, parseCookies, randomToken, serializeCookie, type Session,
} from './session.ts';
import { DEFAULT_IP_RULE, DEFAULT_PHONE_RULE, Throttle, type ThrottleRule } from './throttle.ts';

export type ServeLog = Log;

export interface ServeOptions {
  /** <REPORTS_OUTPUT_DIR>/site */
  siteDir: string;
  /** A read-only connection to the Glific database. */
  glific: Knex;
  /** HMAC key for session cookies and form tokens, at least 32 characters. */
  sessionSecret: string;
  /** Honour X-Forwarded-Proto / X-Forwarded-For (REPORTS_TRUST_PROXY=1). */
  trustProxy?: boolean;
  log?: ServeLog;
  now?: () => Date;
  phoneRule?: ThrottleRule;
  ipRule?: ThrottleRule;
  /** Iterations of the dummy hash verified for unknown phones; Glific's 100,000 by default. */
  dummyIterations?: number;
}

export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
  "frame-ancestors 'none'; form-action 'self'; base-uri 'none'";

function securityHeaders(reply: FastifyReply): void {
  reply.header('content-security-policy', CONTENT_SECURITY_POLICY);
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  reply.header('cross-origin-opener-policy', 'same-origin');
  reply.header('cross-origin-resource-policy', 'same-origin');
  // Every page is either a form or one organization's private data: never cached anywhere.
  reply.header('cache-control', 'no-store');
}

function html(reply: FastifyReply, status: number, body: string): FastifyReply {
  return reply.code(status).type('text/html; charset=utf-8').send(body);
}

function seeOther(reply: FastifyReply, location: string): FastifyReply {
  return reply.code(303).header('location', location).type('text/plain; charset=utf-8').send(`See ${location}\n`);
}

export async function createServeApp(o: ServeOptions): Promise<FastifyInstance> {
  const log: ServeLog = o.log ?? (() => undefined);
  const now = o.now ?? (() => new Date());
  const sessions = new SessionKeeper(o.sessionSecret);
  const verifier: Verifier = createVerifier(o.glific, { dummyIterations: o.dummyIterations });
  const byPhone = new Throttle(o.phoneRule ?? DEFAULT_PHONE_RULE);
  const byIp = new Throttle(o.ipRule ?? DEFAULT_IP_RULE);

  const app = Fastify({
    logger: false,
    // One hop: the client address is the last X-Forwarded-For entry (the one our proxy added),
    // so a client cannot pick its own rate-limit bucket by sending the header itself.
    trustProxy: o.trustProxy ? (_address: string, hop: number) => hop < 1 : false,
    bodyLimit: 16 * 1024,
    return503OnClosing: true,
    routerOptions: { maxParamLength: 1024 },
    frameworkErrors(_err, _req, rawReply) {
      const reply = rawReply as unknown as FastifyReply;
      securityHeaders(reply);
      reply.code(400).type('text/plain; charset=utf-8').send('Bad request\n');
    },
  });

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.addHook('onSend', async (_req, reply, payload) => {
    securityHeaders(reply);
    return payload;
  });

  app.setErrorHandler((err: { statusCode?: number }, req: FastifyRequest, reply: FastifyReply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) log('serve.error', { method: req.method, error: String((err as Error)?.message ?? err) });
    reply.code(status).type('text/plain; charset=utf-8').send(status === 500 ? 'Internal error\n' : 'Bad request\n');
  });

  app.setNotFoundHandler((_req, reply) => {
    html(reply, 404, messagePage('Not found', 'There is no such page.'));
  });

  const secure = (req: FastifyRequest) => req.protocol === 'https';
  const cookies = (req: FastifyRequest) => parseCookies(req.headers.cookie);
  const sessionOf = (req: FastifyRequest): Session | undefined => sessions.read(cookies(req).get(SESSION_COOKIE), now());
  const endSessionCookie = (req: FastifyRequest, reply: FastifyReply) =>
    reply.header('set-cookie', serializeCookie(SESSION_COOKIE, '', { secure: secure(req), maxAge: 0 }));

  /** The login form's cookie: made once per browser session so several tabs keep working. */
  function loginCookie(req: FastifyRequest, reply: FastifyReply): string {
    const existing = cookies(req).get(LOGIN_CSRF_COOKIE);
    if (existing && /^[A-Za-z0-9_-]{32}$/.test(existing)) return existing;
    const fresh = randomToken(24);
    reply.header('set-cookie', serializeCookie(LOGIN_CSRF_COOKIE, fresh, { secure: secure(req), path: '/login' }));
    return fresh;
  }

  function showLogin(req: FastifyRequest, reply: FastifyReply, status: number, extra: { phone?: string; error?: string } = {}) {
    const token = sessions.loginToken(loginCookie(req, reply));
    return html(reply, status, loginPage({ csrfToken: token, ...extra }));
  }

  app.get('/login', async (req, reply) => {
    const s = sessionOf(req);
    if (s) return seeOther(reply, `/${s.shortcode}/`);
    return showLogin(req, reply, 200);
  });

  app.post('/login', async (req, reply) => {
    const body = (req.body ?? {}) as Record<string, unknown>;
    const phoneText = typeof body.phone === 'string' ? body.phone.slice(0, 40) : '';
    if (!sessions.checkLoginToken(cookies(req).get(LOGIN_CSRF_COOKIE), body.csrf)) {
      log('serve.login_refused', { reason: 'csrf', ip: req.ip });
      return showLogin(req, reply, 403, { phone: phoneText, error: FORM_EXPIRED });
    }
    const t = now().getTime();
    const phone = normalizePhone(body.phone);
    const phoneKey = phone ?? 'malformed';
    const wait = Math.max(byIp.blocked(req.ip, t) ?? 0, byPhone.blocked(phoneKey, t) ?? 0);
    if (wait > 0) {
      log('serve.login_throttled', { ip: req.ip, phone: phone ? maskPhone(phone) : undefined, retryAfter: wait });
      reply.header('retry-after', String(wait));
      return html(reply, 429, messagePage('Too many attempts', `Too many login attempts. Try again in ${Math.ceil(wait / 60)} minutes.`));
    }
    byIp.hit(req.ip, t);
    byPhone.hit(phoneKey, t);
    let result;
    try {
      result = await verifier.check(body.phone, body.password);
    } catch (err) {
      log('serve.login_error', { error: (err as Error).message });
      return html(reply, 503, messagePage('Login unavailable', 'Logging in is not possible right now. Please try again later.'));
    }
    if (!result.ok) {
      const fields = { reason: result.reason, ip: req.ip, phone: phone ? maskPhone(phone) : undefined };
      if (result.reason === 'legacy_hash') {
        log('serve.login_refused', { ...fields, hint: 'this user\'s password hash is in the pre-2023 standard Base64 encoding, which Glific no longer verifies either; convert it (Glific PasswordMigration) or reset the password' });
      } else {
        log('serve.login_refused', fields);
      }
      return showLogin(req, reply, 401, { phone: phoneText, error: LOGIN_FAILED });
    }
    byPhone.clear(phoneKey);
    const { cookie, session } = sessions.issue(result.user, now());
    log('serve.login', { org: session.shortcode, user: session.userId, ip: req.ip });
    reply.header('set-cookie', [
      serializeCookie(SESSION_COOKIE, cookie, { secure: secure(req), maxAge: SESSION_TTL_MS / 1000 }),
      serializeCookie(LOGIN_CSRF_COOKIE, '', { secure: secure(req), path: '/login', maxAge: 0 }),
    ]);
    return seeOther(reply, `/${session.shortcode}/`);
  });

  app.post('/logout', async (req, reply) => {
    const s = sessionOf(req);
    if (!s) {
      endSessionCookie(req, reply);
      return seeOther(reply, '/login');
    }
    const body = (req.body ?? {}) as Record<string, unknown>;
    if (!sessions.checkLogoutToken(s, body.csrf)) {
      log('serve.logout_refused', { reason: 'csrf', org: s.shortcode, ip: req.ip });
      return html(reply, 403, messagePage('Not logged out', 'The request could not be verified. Use the Log out button on the reports page.'));
    }
    sessions.revoke(s, now());
    log('serve.logout', { org: s.shortcode, user: s.userId });
    endSessionCookie(req, reply);
    return seeOther(reply, '/login');
  });

  const index = async (req: FastifyRequest, reply: FastifyReply) => {
    const s = sessionOf(req);
    if (!s) return seeOther(reply, '/login');
    return html(reply, 200, orgIndexPage({ shortcode: s.shortcode, orgName: s.orgName, userName: s.userName, logoutToken: sessions.logoutToken(s) }));
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
    const s = sessionOf(req);
    if (!s) {
      // Data files are fetched by scripts and spreadsheets, which cannot follow a login form.
      const isData = checked.segments[1] === 'data' || /\.(csv|json)$/i.test(checked.segments.at(-1) ?? '');
      if (isData) return reply.code(401).type('text/plain; charset=utf-8').send('Log in first: /login\n');
      return seeOther(reply, '/login');
    }
    const segments = checked.segments;
    if (segments[0] !== s.shortcode) return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    let found = await findSiteFile(o.siteDir, segments);
    if (found.kind === 'directory') {
      if (!checked.trailingSlash) return seeOther(reply, `/${segments.map(encodeURIComponent).join('/')}/`);
      found = await findSiteFile(o.siteDir, [...segments, 'index.html']);
    } else if (checked.trailingSlash) {
      // "page.html/" would resolve the page's relative links against the wrong directory.
      found = { kind: 'missing' };
    }
    if (found.kind !== 'file') return html(reply, 404, messagePage('Not found', 'There is no such page.'));
    return reply.code(200).type(found.type).header('content-length', String(found.size)).send(createReadStream(found.file));
  });

  return app;
}
