// Checking a phone and password against Glific's own users table (read-only).
//
// Phones: Glific stores digits only (SCHEMA.md §8.4), so `+91 98765-43210` and `(91) 9876543210`
// are reduced to their digits before the lookup.
//
// One phone can be a user in several organizations (the platform's "SaaS Admin" is in every org).
// Every matching user's hash is checked; when more than one verifies, the session is for the
// ACTIVE organization with the lowest id. The person proved the password of each of those
// accounts, so taking one of them grants nothing they could not get anyway; a deterministic choice
// is easier to explain than refusing them all. One session always covers exactly one organization.
//
// Every failure looks the same to the client, and every attempt runs at least one PBKDF2 with a
// production iteration count (a dummy hash when the phone is unknown, malformed, or its hash is in
// the refused legacy encoding), so response time does not tell whether a phone exists.
import type { Knex } from 'knex';
import { hashPassword, isLegacyHash, verifyPassword } from './password.ts';
import { isSafeShortcode } from '../pages/links.ts';

export interface LoginUser {
  userId: number;
  userName: string;
  orgId: number;
  shortcode: string;
  orgName: string;
}

export type LoginResult =
  | { ok: true; user: LoginUser }
  | { ok: false; reason: 'bad_phone' | 'unknown_phone' | 'bad_password' | 'legacy_hash' | 'org_inactive' };

/** Digits only, as Glific stores users.phone; undefined when what is left cannot be a phone number. */
export function normalizePhone(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 40) return undefined;
  const stripped = input.replace(/[\s+\-().]/g, '');
  return /^[0-9]{6,15}$/.test(stripped) ? stripped : undefined;
}

/** For logs: enough to recognise a phone, not enough to collect them. */
export function maskPhone(phone: string): string {
  return phone.length <= 4 ? '****' : `${'*'.repeat(phone.length - 4)}${phone.slice(-4)}`;
}

export interface Verifier {
  check(phone: unknown, password: unknown): Promise<LoginResult>;
}

interface UserRow {
  user_id: number;
  user_name: string | null;
  password_hash: string | null;
  org_id: number;
  shortcode: string;
  org_name: string;
  status: string | null;
  deleted_at: Date | null;
}

export function createVerifier(glific: Knex, opts: { dummyIterations?: number } = {}): Verifier {
  const dummy = hashPassword('not a password: timing only', { iterations: opts.dummyIterations ?? 100_000 });
  const burn = (password: string) => void verifyPassword(password, dummy);
  return {
    async check(phoneInput, passwordInput) {
      const password = typeof passwordInput === 'string' && passwordInput.length <= 1024 ? passwordInput : '';
      const phone = normalizePhone(phoneInput);
      if (!phone || !password) {
        burn(password);
        return { ok: false, reason: 'bad_phone' };
      }
      const rows = (await glific.raw(
        `SELECT u.id AS user_id, u.name AS user_name, u.password_hash, o.id AS org_id, o.shortcode, o.name AS org_name,
                o.status::text AS status, o.deleted_at
           FROM users u JOIN organizations o ON o.id = u.organization_id
          WHERE u.phone = ?
          ORDER BY o.id`,
        [phone],
      )).rows as UserRow[];
      if (rows.length === 0) {
        burn(password);
        return { ok: false, reason: 'unknown_phone' };
      }
      const verified: UserRow[] = [];
      let legacy = false;
      for (const r of rows) {
        if (typeof r.password_hash === 'string' && isLegacyHash(r.password_hash)) {
          legacy = true;
          burn(password);
        } else if (verifyPassword(password, r.password_hash)) {
          verified.push(r);
        }
      }
      const usable = verified.find((r) => r.status === 'active' && r.deleted_at === null && isSafeShortcode(r.shortcode));
      if (usable) {
        return {
          ok: true,
          user: { userId: usable.user_id, userName: usable.user_name ?? '', orgId: usable.org_id, shortcode: usable.shortcode, orgName: usable.org_name },
        };
      }
      if (verified.length > 0) return { ok: false, reason: 'org_inactive' };
      return { ok: false, reason: legacy ? 'legacy_hash' : 'bad_password' };
    },
  };
}
