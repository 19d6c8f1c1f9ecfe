// Glific's password hash format (SCHEMA.md §8.2): `$pbkdf2-sha512$<iterations>$<salt>$<hash>`,
// PBKDF2-HMAC-SHA512, 16-byte salt, 64-byte key, salt and hash in Pow's adapted Base64 (standard
// alphabet with `+` -> `.`, no `=` padding). The iteration count travels in the string, so a hash
// made with few iterations (fast fixtures) verifies like a production one.
import { pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

const PREFIX = 'pbkdf2-sha512';
const KEY_LENGTH = 64;
const ADAPTED_B64 = /^[A-Za-z0-9./]+$/;

function encode(buf: Buffer): string {
  return buf.toString('base64').replace(/\+/g, '.').replace(/=+$/, '');
}

function decode(text: string): Buffer {
  return Buffer.from(text.replace(/\./g, '+'), 'base64');
}

export interface HashOptions {
  /** Glific writes 100,000; fixtures may use fewer to load fast. */
  iterations?: number;
  /** 16 random bytes unless given (tests pin it). */
  salt?: Buffer;
}

export function hashPassword(password: string, opts: HashOptions = {}): string {
  const iterations = opts.iterations ?? 100_000;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`invalid PBKDF2 iteration count ${iterations}`);
  const salt = opts.salt ?? randomBytes(16);
  const key = pbkdf2Sync(password, salt, iterations, KEY_LENGTH, 'sha512');
  return `$${PREFIX}$${iterations}$${encode(salt)}$${encode(key)}`;
}

/**
 * A pre-April-2023 hash in standard Base64 (`+` or `=` present). Glific's current code cannot
 * verify it, so neither do we: accepting it would let in a user Glific itself refuses.
 */
export function isLegacyHash(stored: string): boolean {
  return stored.startsWith(`$${PREFIX}$`) && /[+=]/.test(stored);
}

export function verifyPassword(password: string, stored: string | null | undefined): boolean {
  if (typeof stored !== 'string' || isLegacyHash(stored)) return false;
  const parts = stored.split('$');
  // ['', 'pbkdf2-sha512', iterations, salt, hash]
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== PREFIX) return false;
  const [, , iterText, saltText, hashText] = parts;
  if (!/^[1-9][0-9]{0,8}$/.test(iterText)) return false;
  if (!ADAPTED_B64.test(saltText) || !ADAPTED_B64.test(hashText)) return false;
  const expected = decode(hashText);
  if (expected.length !== KEY_LENGTH) return false;
  const actual = pbkdf2Sync(password, decode(saltText), Number(iterText), KEY_LENGTH, 'sha512');
  return timingSafeEqual(actual, expected);
}
