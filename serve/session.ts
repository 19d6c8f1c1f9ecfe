// Signed session cookies and the CSRF tokens bound to them. A session is a small JSON payload
// plus an HMAC-SHA256 over it; its expiry travels inside the signed part, so a client cannot
// extend it, and the server checks it on every request. Logging out puts the session id on an
// in-memory revocation list until the session would have expired anyway: the list is bounded by
// the number of logouts in 12 hours, and a restart forgets it (a restart with a generated secret
// ends every session; with REPORTS_SESSION_SECRET set, a logged-out cookie stolen before the
// restart would work again until its own expiry — the trade-off for needing no session store).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const SESSION_COOKIE = 'glific_reports_session';
export const LOGIN_CSRF_COOKIE = 'glific_reports_login';
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;

export interface Session {
  /** Random session id: what logout revokes. */
  sid: string;
  userId: number;
  orgId: number;
  shortcode: string;
  orgName: string;
  userName: string;
  /** Expiry, epoch milliseconds. */
  exp: number;
}

export function randomToken(bytes = 24): string {
  return randomBytes(bytes).toString('base64url');
}

function mac(secret: string, purpose: string, text: string): Buffer {
  return createHmac('sha256', secret).update(`${purpose}\n${text}`).digest();
}

function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

export class SessionKeeper {
  private readonly revoked = new Map<string, number>();

  constructor(private readonly secret: string) {
    if (secret.length < 32) throw new Error('the session secret must have at least 32 characters');
  }

  issue(fields: Omit<Session, 'sid' | 'exp'>, now: Date): { session: Session; cookie: string } {
    const session: Session = { sid: randomToken(18), ...fields, exp: now.getTime() + SESSION_TTL_MS };
    const body = Buffer.from(JSON.stringify(session)).toString('base64url');
    return { session, cookie: `${body}.${mac(this.secret, 'session', body).toString('base64url')}` };
  }

  /** The session a cookie value carries, or undefined when it is forged, malformed, expired or logged out. */
  read(cookie: string | undefined, now: Date): Session | undefined {
    if (!cookie || cookie.length > 4096) return undefined;
    const dot = cookie.indexOf('.');
    if (dot <= 0) return undefined;
    const body = cookie.slice(0, dot);
    const sig = Buffer.from(cookie.slice(dot + 1), 'base64url');
    if (!sameBytes(sig, mac(this.secret, 'session', body))) return undefined;
    let s: Session;
    try {
      s = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Session;
    } catch {
      return undefined;
    }
    if (typeof s.sid !== 'string' || typeof s.shortcode !== 'string' || typeof s.exp !== 'number') return undefined;
    if (s.exp <= now.getTime()) return undefined;
    if (this.revoked.has(s.sid)) return undefined;
    return s;
  }

  revoke(s: Session, now: Date): void {
    for (const [sid, exp] of this.revoked) if (exp <= now.getTime()) this.revoked.delete(sid);
    this.revoked.set(s.sid, s.exp);
  }

  /** Hidden form field for POST /logout: bound to the session, so another site cannot forge it. */
  logoutToken(s: Session): string {
    return mac(this.secret, 'logout', s.sid).toString('base64url');
  }

  checkLogoutToken(s: Session, token: unknown): boolean {
    return typeof token === 'string' && sameBytes(Buffer.from(token, 'base64url'), mac(this.secret, 'logout', s.sid));
  }

  /** Hidden form field for POST /login, bound to the random login cookie (double submit, signed). */
  loginToken(loginCookie: string): string {
    return mac(this.secret, 'login', loginCookie).toString('base64url');
  }

  checkLoginToken(loginCookie: string | undefined, token: unknown): boolean {
    if (!loginCookie || typeof token !== 'string') return false;
    return sameBytes(Buffer.from(token, 'base64url'), mac(this.secret, 'login', loginCookie));
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
  path?: string;
  /** Seconds; omitted: a browser-session cookie; 0: delete. */
  maxAge?: number;
}

export function serializeCookie(name: string, value: string, o: CookieOptions): string {
  const parts = [`${name}=${value}`, `Path=${o.path ?? '/'}`, 'HttpOnly', 'SameSite=Lax'];
  if (o.maxAge !== undefined) parts.push(`Max-Age=${Math.max(0, Math.floor(o.maxAge))}`);
  if (o.secure) parts.push('Secure');
  return parts.join('; ');
}
