// Glific's password hash format (SCHEMA.md §8.2): `$pbkdf2-sha512$<iterations>$<salt>$<hash>`,
// PBKDF2-HMAC-SHA512, 16-byte salt, 64-byte key, salt and hash in Pow's adapted Base64 (standard
// alphabet with `+` -> `.`, no `=` padding). The iteration count travels in the string, so a hash
// made with few iterations (fast fixtures) verifies like a production one.
//
// The server verifies with verifyPasswordAsync: PBKDF2 then runs in libuv's threadpool, not on
// the event loop. verifyPassword (synchronous) is for fixtures and tests.
import { pbkdf2, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

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

interface ParsedHash {
  salt: Buffer;
  iterations: number;
  expected: Buffer;
}

function parseHash(stored: string | null | undefined): ParsedHash | undefined {
  if (typeof stored !== 'string' || isLegacyHash(stored)) return undefined;
  const parts = stored.split('$');
  // ['', 'pbkdf2-sha512', iterations, salt, hash]
  if (parts.length !== 5 || parts[0] !== '' || parts[1] !== PREFIX) return undefined;
  const [, , iterText, saltText, hashText] = parts;
  if (!/^[1-9][0-9]{0,8}$/.test(iterText)) return undefined;
  if (!ADAPTED_B64.test(saltText) || !ADAPTED_B64.test(hashText)) return undefined;
  const expected = decode(hashText);
  if (expected.length !== KEY_LENGTH) return undefined;
  return { salt: decode(saltText), iterations: Number(iterText), expected };
}

/** A hash in the current format that PBKDF2 can check (legacy, NULL and malformed ones cannot). */
export function isVerifiableHash(stored: string | null | undefined): boolean {
  return parseHash(stored) !== undefined;
}

export function verifyPassword(password: string, stored: string | null | undefined): boolean {
  const h = parseHash(stored);
  if (!h) return false;
  return timingSafeEqual(pbkdf2Sync(password, h.salt, h.iterations, KEY_LENGTH, 'sha512'), h.expected);
}

/** verifyPassword off the event loop. A malformed hash answers false without any PBKDF2. */
export async function verifyPasswordAsync(password: string, stored: string | null | undefined): Promise<boolean> {
  const h = parseHash(stored);
  if (!h) return false;
  return timingSafeEqual(await pbkdf2Async(password, h.salt, h.iterations, KEY_LENGTH, 'sha512'), h.expected);
}
