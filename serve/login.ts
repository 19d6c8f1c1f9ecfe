// Checking a phone and password against Glific's own users table (read-only).
//
// Phones: Glific stores digits only (SCHEMA.md §8.4), so `+91 98765-43210` and `(91) 9876543210`
// are reduced to their digits before the lookup.
//
// Who may log in: a user whose roles include staff, manager, admin or glific_admin, in an active,
// not deleted, not trial organization. Glific's public registration creates users with role `none` in any
// organization, so anyone with WhatsApp can have a Glific password; those users are refused.
//
// Cost: every attempt runs exactly ONE PBKDF2, whatever the phone. One phone can be a user in
// many organizations (the platform's "SaaS Admin" is in every one), and checking each of its
// hashes would let one anonymous request cost N hashes. So the users with that phone are ordered
// — those who may log in first, then by organization id — and only the first one's hash is
// checked: a phone that is a user in several organizations logs into the lowest-id one where it
// may log in, with that account's password. When nobody with that phone may log in, the first
// user's own hash is checked (so the operator's log can say "right password, but role none");
// when the phone is unknown or malformed, or that hash is unusable (legacy encoding, NULL), a
// dummy hash with Glific's iteration count. Every refusal therefore looks and lasts the same.
//
// The hashes run in libuv's threadpool, at most `hashConcurrency` at a time (default 2 of the
// pool's 4 threads), so a burst of logins neither blocks the event loop nor starves the file
// reads that serve pages, which use the same pool.
import type { Knex } from 'knex';
import pLimit from 'p-limit';
import { hashPassword, isLegacyHash, isVerifiableHash, verifyPasswordAsync } from './password.ts';
import { isSafeShortcode } from '../pages/links.ts';

/** users.roles values that may read reports (INTERFACE.md). */
export const LOGIN_ROLES = ['staff', 'manager', 'admin', 'glific_admin'] as const;

export interface LoginUser {
  userId: number;
  userName: string;
  orgId: number;
  shortcode: string;
  orgName: string;
}

export type RefusalReason = 'bad_phone' | 'unknown_phone' | 'bad_password' | 'legacy_hash' | 'org_inactive' | 'role_not_allowed' | 'bad_shortcode';

export type LoginResult =
  | { ok: true; user: LoginUser }
  | { ok: false; reason: RefusalReason };

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
  org_ok: boolean;
  role_ok: boolean;
}

/** Rows looked at per attempt: enough to step over odd shortcodes or unusable hashes, never N. */
const CANDIDATES = 8;

export interface VerifierOptions {
  /** Iterations of the dummy hash; Glific's 100,000 by default. */
  dummyIterations?: number;
  /** PBKDF2 computations running at once (threadpool threads taken); default 2. */
  hashConcurrency?: number;
}

export function createVerifier(glific: Knex, opts: VerifierOptions = {}): Verifier {
  const dummy = hashPassword('not a password: timing only', { iterations: opts.dummyIterations ?? 100_000 });
  const limit = pLimit(Math.max(1, opts.hashConcurrency ?? 2));
  /** The attempt's one PBKDF2. */
  const verify = (password: string, stored: string | null) =>
    limit(() => verifyPasswordAsync(password, isVerifiableHash(stored) ? stored : dummy));

  return {
    async check(phoneInput, passwordInput) {
      const password = typeof passwordInput === 'string' && passwordInput.length <= 1024 ? passwordInput : '';
      const phone = normalizePhone(phoneInput);
      if (!phone || !password) {
        await verify(password, null);
        return { ok: false, reason: 'bad_phone' };
      }
      const rows = (await glific.raw(
        `SELECT u.id AS user_id, u.name AS user_name, u.password_hash, o.id AS org_id, o.shortcode, o.name AS org_name,
                COALESCE(o.status::text = 'active' AND o.deleted_at IS NULL AND o.is_trial_org IS NOT TRUE, false) AS org_ok,
                COALESCE(u.roles::text[] && ?::text[], false) AS role_ok
           FROM users u JOIN organizations o ON o.id = u.organization_id
          WHERE u.phone = ?
          ORDER BY (COALESCE(o.status::text = 'active' AND o.deleted_at IS NULL AND o.is_trial_org IS NOT TRUE, false)
                    AND COALESCE(u.roles::text[] && ?::text[], false)) DESC, o.id
          LIMIT ${CANDIDATES}`,
        [[...LOGIN_ROLES], phone, [...LOGIN_ROLES]],
      )).rows as UserRow[];
      if (rows.length === 0) {
        await verify(password, null);
        return { ok: false, reason: 'unknown_phone' };
      }
      const allowed = rows.filter((r) => r.org_ok && r.role_ok && isSafeShortcode(r.shortcode));
      const chosen = allowed.find((r) => isVerifiableHash(r.password_hash)) ?? allowed[0] ?? rows[0];
      const verified = await verify(password, chosen.password_hash);
      if (!verified) {
        const legacy = typeof chosen.password_hash === 'string' && isLegacyHash(chosen.password_hash);
        return { ok: false, reason: legacy ? 'legacy_hash' : 'bad_password' };
      }
      if (!chosen.org_ok) return { ok: false, reason: 'org_inactive' };
      if (!chosen.role_ok) return { ok: false, reason: 'role_not_allowed' };
      // A shortcode that cannot be a URL segment: its site could not be served anyway.
      if (!isSafeShortcode(chosen.shortcode)) return { ok: false, reason: 'bad_shortcode' };
      return {
        ok: true,
        user: { userId: chosen.user_id, userName: chosen.user_name ?? '', orgId: chosen.org_id, shortcode: chosen.shortcode, orgName: chosen.org_name },
      };
    },
  };
}
