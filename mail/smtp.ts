// Sending one message over SMTP with retries. What is worth retrying: 4xx replies and
// connection trouble (refused, reset, timeout). A 5xx reply is final for that message.
import nodemailer from 'nodemailer';
import type Mail from 'nodemailer/lib/mailer/index.js';
import { smtpSettings, type SmtpTransportOptions } from '../config/smtp.ts';

export { smtpSettings, isLoopbackHost, type SmtpSettings, type SmtpTransportOptions } from '../config/smtp.ts';

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 500 };

export type SendResult =
  | { ok: true; messageId: string; response: string; attempts: number }
  | {
      ok: false;
      permanent: boolean;
      /** The server could not be reached at all: later messages of this run would fail the same way. */
      unreachable: boolean;
      error: string;
      responseCode?: number;
      attempts: number;
    };

const CONNECTION_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'ENOTFOUND']);
// Errors nodemailer raises before talking to the server about this message: retrying the same
// message cannot help.
const MESSAGE_CODES = new Set(['EENVELOPE', 'EMESSAGE', 'ESTREAM']);

export interface SmtpErrorClass {
  permanent: boolean;
  unreachable: boolean;
  responseCode?: number;
}

// The certificate or TLS errors Node reports on the socket (nodemailer files them under ESOCKET).
const TLS_TROUBLE = /certificate|self[- ]signed|altnames|\bSSL\b|\bTLS\b|handshake/i;

function isTlsFailure(e: { code?: string; message?: string } | undefined): boolean {
  return e?.code === 'ETLS' || (e?.code === 'ESOCKET' && TLS_TROUBLE.test(e.message ?? ''));
}

export function classifySmtpError(err: unknown): SmtpErrorClass {
  const e = err as { responseCode?: number; code?: string; message?: string };
  // A server that refuses STARTTLS answers 5xx, but the refusal is about the connection, not this
  // message: every message of the run would fail alike until the server or SMTP_URL changes.
  if (isTlsFailure(e)) return { permanent: false, unreachable: true };
  const responseCode = typeof e?.responseCode === 'number' ? e.responseCode : undefined;
  if (responseCode !== undefined && responseCode >= 500 && responseCode < 600) return { permanent: true, unreachable: false, responseCode };
  if (responseCode !== undefined && responseCode >= 400 && responseCode < 500) return { permanent: false, unreachable: false, responseCode };
  if (e?.code && CONNECTION_CODES.has(e.code)) return { permanent: false, unreachable: true };
  if (e?.code && MESSAGE_CODES.has(e.code)) return { permanent: true, unreachable: false };
  // Unknown trouble is retried next run rather than dropped: a pending row is reported.
  return { permanent: false, unreachable: false };
}

export function errorText(err: unknown): string {
  const e = err as { message?: string; response?: string; code?: string };
  if (isTlsFailure(e)) {
    return `TLS with the SMTP server failed (${String(e.message).replace(/\s+/g, ' ').trim()}); mail is not sent unencrypted or to an unverified server unless SMTP_URL says so (tls=insecure, tls=none)`;
  }
  return String(e?.response || e?.message || err).replace(/\s+/g, ' ').trim();
}

export function backoffDelay(policy: RetryPolicy, attempt: number): number {
  return policy.baseDelayMs * 2 ** (attempt - 1);
}

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** The transport for SMTP_URL (checked by smtpSettings: TLS unless the operator opted out). */
export function smtpTransport(smtp: string | SmtpTransportOptions) {
  const options = typeof smtp === 'string' ? smtpSettings(smtp).transportOptions : smtp;
  return nodemailer.createTransport({
    ...options,
    // Bounded waits: a hung server must end as a transient failure, not a hung job.
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: 60_000,
  });
}

export type Transport = ReturnType<typeof smtpTransport>;

/** Send, retrying transient failures with exponential backoff (base, 2×base, 4×base …). */
export async function sendWithRetry(
  transport: Transport,
  message: Mail.Options,
  policy: RetryPolicy,
  onRetry: (attempt: number, error: string, delayMs: number) => void = () => {},
  sleep: Sleep = realSleep,
): Promise<SendResult> {
  const attempts = Math.max(1, policy.attempts);
  for (let attempt = 1; ; attempt++) {
    try {
      // One recipient per message: a refused RCPT makes nodemailer throw (EENVELOPE with the
      // server's reply code), so a resolved promise means the server took the message.
      const info = await transport.sendMail(message);
      return { ok: true, messageId: info.messageId, response: String(info.response ?? ''), attempts: attempt };
    } catch (err) {
      const c = classifySmtpError(err);
      const error = errorText(err);
      if (c.permanent || attempt >= attempts) {
        return { ok: false, permanent: c.permanent, unreachable: c.unreachable, error, responseCode: c.responseCode, attempts: attempt };
      }
      const delay = backoffDelay(policy, attempt);
      onRetry(attempt, error, delay);
      await sleep(delay);
    }
  }
}
