// SMTP_URL → the options of the nodemailer transport, under rules that keep the digests (which
// carry an org's numbers) and the SMTP password off the network in clear text:
//   smtps://host[:465]        TLS from the first byte, certificate verified
//   smtp://host[:587]         STARTTLS required, certificate verified
//   ?tls=insecure             TLS still required, certificate NOT verified (self-signed relays); warned
//   ?tls=none                 no TLS at all; warned unless the host is loopback
//   ?tls=required             the default for a remote host; also makes a loopback host require TLS
//   smtp://<loopback host>    STARTTLS if the server offers it, certificate not verified: the
//                             traffic never leaves the machine, and plain text would be accepted too
// Pure (no I/O, no nodemailer), so the configuration can check it before anything starts.
import { BlockList, isIP } from 'node:net';
import { UsageError } from './errors.ts';

export type TlsParam = 'required' | 'insecure' | 'none';

export interface SmtpTransportOptions {
  host: string;
  port: number;
  /** TLS from the first byte (smtps://) */
  secure: boolean;
  /** refuse to go on unless STARTTLS succeeds */
  requireTLS: boolean;
  /** never try STARTTLS */
  ignoreTLS: boolean;
  auth?: { user: string; pass: string };
  tls: { rejectUnauthorized: boolean };
}

export interface SmtpSettings {
  transportOptions: SmtpTransportOptions;
  /** To log when mail is sent: an operator's explicit opt-out of part of the protection. */
  warnings: string[];
  /** How mail will travel, for logs: e.g. "STARTTLS required, certificate verified". */
  security: string;
}

const TLS_VALUES: TlsParam[] = ['required', 'insecure', 'none'];
const FORM = 'smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465 (TLS)';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** 127.0.0.0/8, ::1 (also as IPv4-mapped addresses) and the name localhost. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '').toLowerCase();
  if (h === 'localhost') return true;
  const family = isIP(h);
  return family !== 0 && LOOPBACK.check(h, family === 4 ? 'ipv4' : 'ipv6');
}

/** Validates SMTP_URL; throws UsageError (exit 2) saying what to fix. Never echoes the password. */
export function smtpSettings(smtpUrl: string): SmtpSettings {
  const bad = (what: string) => new UsageError(`SMTP_URL ${what}`);
  let u: URL;
  try {
    u = new URL(smtpUrl);
  } catch {
    throw bad(`is not a URL: expected ${FORM}`);
  }
  if (u.protocol !== 'smtp:' && u.protocol !== 'smtps:') throw bad(`must start with smtp:// or smtps:// (got ${u.protocol}//…): expected ${FORM}`);
  const host = u.hostname.replace(/^\[(.*)\]$/, '$1');
  if (!host) throw bad(`names no host: expected ${FORM}`);
  const where = `${u.protocol}//${u.host}`;

  let tls: TlsParam | undefined;
  for (const [key, value] of u.searchParams) {
    if (key !== 'tls') {
      // nodemailer's own switches (ignoreTLS=true, secure=false, tls.rejectUnauthorized=false …)
      // would turn the protection off without saying so: only tls= may.
      throw bad(
        /tls|secure|ssl/i.test(key)
          ? `sets ${key} (${where}): encryption is chosen with tls=required (the default), tls=insecure (no certificate check) or tls=none (unencrypted; to a host that is not loopback only on purpose)`
          : `has an unknown parameter "${key}" (${where}): the only parameter is tls=required|insecure|none`,
      );
    }
    if (tls !== undefined) throw bad(`gives tls twice (${where})`);
    if (!TLS_VALUES.includes(value as TlsParam)) throw bad(`has tls=${value} (${where}): use tls=required, tls=insecure or tls=none`);
    tls = value as TlsParam;
  }

  const secure = u.protocol === 'smtps:';
  const port = u.port ? Number(u.port) : secure ? 465 : 587;
  if (!secure && port === 465 && tls !== 'none') {
    throw bad(`uses port 465, which expects TLS from the first byte: write smtps://${u.host}`);
  }
  if (secure && tls === 'none') throw bad(`asks for smtps:// (TLS) and tls=none at once: for an unencrypted connection write smtp://…?tls=none`);

  const loopback = isLoopbackHost(host);
  const user = decodeURIComponent(u.username);
  const auth = user ? { user, pass: decodeURIComponent(u.password) } : undefined;
  const warnings: string[] = [];
  const o: SmtpTransportOptions = { host, port, secure, requireTLS: false, ignoreTLS: false, tls: { rejectUnauthorized: true }, ...(auth ? { auth } : {}) };

  if (tls === 'none') {
    o.ignoreTLS = true;
    if (!loopback) warnings.push(`SMTP_URL has tls=none: digests${auth ? ' and the SMTP password' : ''} go to ${host} unencrypted`);
    return { transportOptions: o, warnings, security: 'no TLS (tls=none)' };
  }
  if (tls === 'insecure') {
    o.tls.rejectUnauthorized = false;
    warnings.push(`SMTP_URL has tls=insecure: the certificate of ${host} is not verified, so anyone on the path could pose as it`);
  }
  if (secure) return { transportOptions: o, warnings, security: `TLS, certificate ${o.tls.rejectUnauthorized ? 'verified' : 'not verified'}` };
  if (loopback && tls === undefined) {
    o.tls.rejectUnauthorized = false;
    return { transportOptions: o, warnings, security: 'loopback: STARTTLS if offered, certificate not verified' };
  }
  o.requireTLS = true;
  return { transportOptions: o, warnings, security: `STARTTLS required, certificate ${o.tls.rejectUnauthorized ? 'verified' : 'not verified'}` };
}
