// Sessions, kept in the results store (table glific_reports.serve_sessions), and the CSRF tokens
// of the two forms.
//
// The session cookie is a random 256-bit token; the store keeps its SHA-256 with the user and
// organization and the expiry. Every request looks its row up, so a logout (the row deleted) holds
// at once on every `serve` process sharing the store and after any restart, and a stolen copy of
// a logged-out cookie is worthless. Expired rows are purged. Hand-written rather than
// @fastify/session: the whole mechanism is one table and three queries, with the expiry on our
// injectable clock, where the plugin would add two plugins and a connect-style store adapter.
//
// Form tokens are HMACs under one key (REPORTS_SESSION_SECRET, or a key made once and kept in
// glific_reports.serve_keys), so any process can check a form another one served.
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Knex } from 'knex';
import { STORE_SCHEMA } from '../store/connect.ts';
import type { LoginUser } from './login.ts';

export const SESSION_COOKIE = 'glific_reports_session';
export const LOGIN_CSRF_COOKIE = 'glific_reports_login';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

/**
 * The cookie name for a request: over HTTPS the `__Host-` prefix, which browsers accept only with
 * Secure, Path=/ and no Domain — so no sibling subdomain or plain-HTTP page can plant or shadow it.
 */
export function cookieName(base: string, secure: boolean): string {
  return secure ? `__Host-${base}` : base;
}

export interface Session extends LoginUser {
  /** Hex SHA-256 of the cookie token: the row's key, and what the logout token is bound to. */
  id: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]{43}$/;
const SESSIONS = `${STORE_SCHEMA}.serve_sessions`;

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

interface SessionRow {
  id: string;
  user_id: number;
  org_id: number;
  shortcode: string;
  org_name: string;
  user_name: string;
  expires_at: Date;
}

export class SessionStore {
  constructor(private readonly store: Knex) {}

  async issue(user: LoginUser, now: Date): Promise<{ session: Session; cookie: string }> {
    const cookie = randomToken(32);
    const session: Session = { ...user, id: digest(cookie), exp: now.getTime() + SESSION_TTL_MS };
    await this.store.raw(
      `INSERT INTO ${SESSIONS} (id, user_id, org_id, shortcode, org_name, user_name, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
      [session.id, user.userId, user.orgId, user.shortcode, user.orgName, user.userName, now, new Date(session.exp)],
    );
    return { session, cookie };
  }

  /** The session a cookie value names, or undefined when it is malformed, unknown, expired or logged out. */
  async read(cookie: string | undefined, now: Date): Promise<Session | undefined> {
    if (!cookie || !TOKEN_SHAPE.test(cookie)) return undefined;
    const rows = (await this.store.raw(
      `SELECT id, user_id, org_id, shortcode, org_name, user_name, expires_at FROM ${SESSIONS} WHERE id = ? AND expires_at > ?`,
      [digest(cookie), now],
    )).rows as SessionRow[];
    const r = rows[0];
    if (!r) return undefined;
    return {
      id: r.id, userId: r.user_id, orgId: r.org_id, shortcode: r.shortcode, orgName: r.org_name, userName: r.user_name,
      exp: r.expires_at.getTime(),
    };
  }

  async revoke(s: Session): Promise<void> {
    await this.store.raw(`DELETE FROM ${SESSIONS} WHERE id = ?`, [s.id]);
  }

  /** Delete the rows of expired sessions; how many went. */
  async purge(now: Date): Promise<number> {
    return (await this.store.raw(`DELETE FROM ${SESSIONS} WHERE expires_at <= ?`, [now])).rowCount ?? 0;
  }
}

/**
 * The form key shared by every process on this store: made by the first one that asks (a
 * concurrent second insert loses the race and reads the winner's key).
 */
export async function sharedFormKey(store: Knex): Promise<string> {
  await store.raw(`INSERT INTO ${STORE_SCHEMA}.serve_keys (name, value) VALUES ('forms', ?) ON CONFLICT (name) DO NOTHING`, [randomToken(48)]);
  const rows = (await store.raw(`SELECT value FROM ${STORE_SCHEMA}.serve_keys WHERE name = 'forms'`)).rows as Array<{ value: string }>;
  return rows[0].value;
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class FormTokens {
  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the form key must have at least 32 characters');
  }

  private mac(purpose: string, text: string): Buffer {
    return createHmac('sha256', this.secret).update(`${purpose}\n${text}`).digest();
  }

  /** Hidden form field for POST /logout: bound to the session, so another site cannot forge it. */
  logoutToken(s: Session): string {
    return this.mac('logout', s.id).toString('base64url');
  }

  checkLogoutToken(s: Session, token: unknown): boolean {
    return typeof token === 'string' && sameBytes(Buffer.from(token, 'base64url'), this.mac('logout', s.id));
  }

  /** Hidden form field for POST /login, bound to the random login cookie (double submit, signed). */
  loginToken(loginCookie: string): string {
    return this.mac('login', loginCookie).toString('base64url');
  }

  checkLoginToken(loginCookie: string | undefined, token: unknown): boolean {
    if (!loginCookie || typeof token !== 'string') return false;
    return sameBytes(Buffer.from(token, 'base64url'), this.mac('login', loginCookie));
  }
}

/** Cookie header -> name/value pairs (first occurrence wins). */
export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    const value = part.slice(eq + 1).trim();
    if (name && !out.has(name)) out.set(name, value);
  }
  return out;
}

export interface CookieOptions {
  secure: boolean;
  /** Seconds; omitted: a browser-session cookie; 0: delete. */
  maxAge?: number;
}

/** Always Path=/ and never Domain, so the same cookie may carry the `__Host-` prefix over HTTPS. */
export function serializeCookie(base: string, value: string, o: CookieOptions): string {
  const parts = [`${cookieName(base, o.secure)}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax'];
  if (o.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAge))}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
