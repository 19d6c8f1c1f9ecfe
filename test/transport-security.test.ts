// How mail and database traffic is protected, as the operator configures it: SMTP_URL's rules
// (TLS unless the operator explicitly opts out), checked against real SMTP servers on loopback
// (no STARTTLS; STARTTLS with a self-signed certificate; TLS from the first byte), the command's
// refusal of an unsafe SMTP_URL, and database URLs whose sslmode must be honoured.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import nodemailer from 'nodemailer';
import { smtpSettings, isLoopbackHost, sendWithRetry, smtpTransport, type SmtpTransportOptions } from '../mail/smtp.ts';
import { UsageError } from '../config/errors.ts';
import { loadConfig } from '../config/env.ts';
import { main } from '../cli/main.ts';
import { checkReachable } from '../cli/context.ts';
import { connect } from '../db/connect.ts';
import { createTestDatabase, sql, type TestDatabase } from './support/databases.ts';

const TLS_DIR = path.resolve(import.meta.dirname, 'support/tls');
// A self-signed certificate for localhost / 127.0.0.1 (test only; valid until 2126).
const CERT = { key: readFileSync(path.join(TLS_DIR, 'self-signed.key')), cert: readFileSync(path.join(TLS_DIR, 'self-signed.crt')) };

describe('SMTP_URL rules', () => {
  const opts = (url: string) => smtpSettings(url).transportOptions;

  it('smtps:// is TLS from the first byte on 465, certificate verified', () => {
    expect(opts('smtps://reports%40ngo.org:p%40ss@mail.example.org')).toEqual({
      host: 'mail.example.org', port: 465, secure: true, requireTLS: false, ignoreTLS: false, tls: { rejectUnauthorized: true }, auth: { user: 'reports@ngo.org', pass: 'p@ss' },
    } satisfies SmtpTransportOptions);
  });

  it('smtp:// to a remote host requires STARTTLS on 587, certificate verified', () => {
    const s = smtpSettings('smtp://u:p@mail.example.org');
    expect(s.transportOptions).toMatchObject({ host: 'mail.example.org', port: 587, secure: false, requireTLS: true, ignoreTLS: false, tls: { rejectUnauthorized: true } });
    expect(s.warnings).toEqual([]);
    expect(opts('smtp://10.0.0.5:25')).toMatchObject({ port: 25, requireTLS: true });
  });

  it('plain text only to a loopback host, or when SMTP_URL says tls=none (and then warns)', () => {
    for (const h of ['127.0.0.1', '127.8.9.10', 'localhost', 'LOCALHOST', '[::1]', '[::ffff:127.0.0.1]']) {
      expect(isLoopbackHost(new URL(`smtp://${h}`).hostname), h).toBe(true);
      expect(opts(`smtp://${h}:25`), h).toMatchObject({ requireTLS: false, ignoreTLS: false });
    }
    for (const h of ['10.0.0.1', '128.0.0.1', '[::2]', 'localhost.example.org', 'mail.example.org']) expect(isLoopbackHost(new URL(`smtp://${h}`).hostname), h).toBe(false);
    const none = smtpSettings('smtp://u:secret@mail.example.org:25?tls=none');
    expect(none.transportOptions).toMatchObject({ ignoreTLS: true, requireTLS: false });
    expect(none.warnings).toEqual(['SMTP_URL has tls=none: digests and the SMTP password go to mail.example.org unencrypted']);
    expect(smtpSettings('smtp://localhost:25?tls=none').warnings).toEqual([]);
    expect(opts('smtp://127.0.0.1:2525?tls=required')).toMatchObject({ requireTLS: true, tls: { rejectUnauthorized: true } });
  });

  it('certificate checks are off only with tls=insecure, which warns', () => {
    const s = smtpSettings('smtp://relay.internal:587?tls=insecure');
    expect(s.transportOptions).toMatchObject({ requireTLS: true, tls: { rejectUnauthorized: false } });
    expect(s.warnings[0]).toMatch(/^SMTP_URL has tls=insecure: the certificate of relay.internal is not verified/);
    expect(opts('smtps://relay.internal?tls=insecure')).toMatchObject({ secure: true, tls: { rejectUnauthorized: false } });
  });

  it.each([
    ['http://mail.example.org', /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
    ['mail.example.org:587', /SMTP_URL must start with smtp:\/\/ or smtps:\/\//],
    ['smtp://u:secret@', /SMTP_URL is not a URL|SMTP_URL names no host/],
    ['smtp://u:secret@mail.example.org?ignoreTLS=true', /SMTP_URL sets ignoreTLS .*tls=none \(unencrypted/],
    ['smtp://u:secret@mail.example.org?secure=false', /SMTP_URL sets secure/],
    ['smtp://u:secret@mail.example.org?tls.rejectUnauthorized=false', /SMTP_URL sets tls.rejectUnauthorized/],
    ['smtp://u:secret@mail.example.org?pool=true', /unknown parameter "pool".*tls=required\|insecure\|none/],
    ['smtp://u:secret@mail.example.org?tls=off', /tls=off .*use tls=required, tls=insecure or tls=none/],
    ['smtp://u:secret@mail.example.org?tls=none&tls=required', /gives tls twice/],
    ['smtp://u:secret@mail.example.org:465', /port 465, which expects TLS from the first byte: write smtps:\/\/mail.example.org:465/],
    ['smtps://u:secret@mail.example.org?tls=none', /smtps:\/\/ \(TLS\) and tls=none at once/],
  ])('%s is refused, saying what to fix and never the password', (url, message) => {
    let err: unknown;
    try {
      smtpSettings(url);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('secret');
  });

  it('is what the configuration checks', () => {
    expect(() => loadConfig({ SMTP_URL: 'smtp://mail.example.org?ignoreTLS=1' }, '/nonexistent')).toThrow(UsageError);
    expect(loadConfig({ SMTP_URL: 'smtps://u:p@mail.example.org' }, '/nonexistent').smtpUrl).toBe('smtps://u:p@mail.example.org');
  });
});

// ---- real servers on loopback ----------------------------------------------------------------
interface Server {
  port: number;
  received: Array<{ secure: boolean }>;
  close(): Promise<void>;
}

async function startServer(o: Partial<SMTPServerOptions>): Promise<Server> {
  const received: Server['received'] = [];
  const server = new SMTPServer({
    authOptional: true,
    logger: false,
    ...o,
    onData(stream, session, cb) {
      stream.resume();
      stream.on('end', () => {
        received.push({ secure: session.secure });
        cb();
      });
    },
  });
  // A client that gives up mid-handshake is an error on the server; that is the test's point.
  server.on('error', () => undefined);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.server.address() as AddressInfo).port, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const message = { from: 'reports@example.org', to: 'lead@example.org', subject: 'digest', text: 'numbers' };
const ONCE = { attempts: 1, baseDelayMs: 1 };
/** The options SMTP_URL gives for a remote host, pointed at a loopback port (same TLS rules). */
const asIfRemote = (url: string, port: number) => ({ ...smtpSettings(url).transportOptions, host: '127.0.0.1', port });

async function send(smtp: string | SmtpTransportOptions) {
  const t = smtpTransport(smtp);
  try {
    return await sendWithRetry(t, message, ONCE);
  } finally {
    t.close();
  }
}

describe('SMTP over TLS, against real servers', () => {
  let noStarttls: Server;
  let starttls: Server;
  let implicit: Server;
  beforeAll(async () => {
    [noStarttls, starttls, implicit] = await Promise.all([
      startServer({ disabledCommands: ['STARTTLS'] }),
      startServer({ ...CERT }),
      startServer({ ...CERT, secure: true }),
    ]);
  });
  afterAll(async () => Promise.all([noStarttls?.close(), starttls?.close(), implicit?.close()]));

  it('STARTTLS required and the server offers none: fails clearly, as a connection problem, nothing sent', async () => {
    for (const smtp of [asIfRemote('smtp://mail.example.org:587', noStarttls.port), `smtp://127.0.0.1:${noStarttls.port}?tls=required`]) {
      const r = await send(smtp);
      expect(r).toMatchObject({ ok: false, permanent: false, unreachable: true });
      expect(r.ok === false && r.error).toMatch(/^TLS with the SMTP server failed \(Error upgrading connection with STARTTLS: 500 .*\); mail is not sent unencrypted or to an unverified server unless SMTP_URL says so/);
    }
    expect(noStarttls.received).toEqual([]);
    // Plain text is fine on loopback.
    expect(await send(`smtp://127.0.0.1:${noStarttls.port}`)).toMatchObject({ ok: true });
  });

  it('STARTTLS with a self-signed certificate: refused unless tls=insecure', async () => {
    for (const smtp of [asIfRemote('smtp://mail.example.org:587', starttls.port), `smtp://127.0.0.1:${starttls.port}?tls=required`]) {
      const r = await send(smtp);
      expect(r).toMatchObject({ ok: false, permanent: false, unreachable: true });
      expect(r.ok === false && r.error).toMatch(/^TLS with the SMTP server failed \(self[- ]signed certificate/);
    }
    expect(starttls.received).toEqual([]);
    expect(await send(asIfRemote('smtp://relay.internal:587?tls=insecure', starttls.port))).toMatchObject({ ok: true });
    expect(await send(`smtp://127.0.0.1:${starttls.port}?tls=insecure`)).toMatchObject({ ok: true });
    // On loopback, STARTTLS is used when offered.
    expect(await send(`smtp://127.0.0.1:${starttls.port}`)).toMatchObject({ ok: true });
    expect(starttls.received).toEqual([{ secure: true }, { secure: true }, { secure: true }]);
  });

  it('smtps:// with a self-signed certificate: refused unless tls=insecure', async () => {
    const r = await send(`smtps://127.0.0.1:${implicit.port}`);
    expect(r).toMatchObject({ ok: false, permanent: false, unreachable: true });
    expect(r.ok === false && r.error).toMatch(/self[- ]signed certificate/);
    expect(await send(`smtps://127.0.0.1:${implicit.port}?tls=insecure`)).toMatchObject({ ok: true });
    expect(implicit.received).toEqual([{ secure: true }]);
  });

  it('nodemailer on its own would have sent in plain text where SMTP_URL now refuses (the reason for the rules)', async () => {
    const before = noStarttls.received.length;
    const t = nodemailer.createTransport(`smtp://127.0.0.1:${noStarttls.port}`);
    await t.sendMail(message);
    t.close();
    expect(noStarttls.received.slice(before)).toEqual([{ secure: false }]);
  });
});

// ---- the command ----------------------------------------------------------------------------
async function runCli(argv: string[], env: Record<string, string>) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d) => (out += d));
  stderr.on('data', (d) => (err += d));
  const code = await main(argv, { stdout, stderr, env: { ...env }, now: () => new Date('2026-03-05T00:00:00Z') });
  return { code, stdout: out, stderr: err };
}

describe('the command with an unsafe SMTP_URL', () => {
  it.each([
    ['smtp://reports:secret@mail.example.org:587?ignoreTLS=true', /SMTP_URL sets ignoreTLS/],
    ['smtp://reports:secret@mail.example.org:465', /SMTP_URL uses port 465.*write smtps:\/\//],
    ['smtp://reports:secret@mail.example.org?tls=plain', /SMTP_URL has tls=plain/],
  ])('%s: exit 2 before touching anything', async (url, msg) => {
    // An unreachable database: had the command gone past the configuration, it would say so instead.
    const r = await runCli(['run', 'daily'], { SMTP_URL: url, GLIFIC_DATABASE_URL: 'postgres://u:pw@127.0.0.1:1/x', REPORTS_OUTPUT_DIR: '/nonexistent/out' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`^glific-reports: ${msg.source}`));
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).not.toContain('secret');
  });
});

// ---- database URLs --------------------------------------------------------------------------
describe('database URLs with sslmode', () => {
  let db: TestDatabase;
  let serverHasSsl = false;
  beforeAll(async () => {
    db = await createTestDatabase('sslmode');
    serverHasSsl = (await sql(db.url, 'SHOW ssl')).rows[0].ssl === 'on';
  });
  afterAll(async () => db?.drop());
  const withMode = (url: string, mode: string) => {
    const u = new URL(url);
    u.searchParams.set('sslmode', mode);
    return u.toString();
  };

  it('sslmode=disable connects', async () => {
    const knex = connect({ url: withMode(db.url, 'disable') });
    try {
      expect((await knex.raw('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await knex.destroy();
    }
    await checkReachable('GLIFIC_DATABASE_URL', withMode(db.url, 'disable'));
  });

  it('sslmode=require / verify-full against a server without TLS: no connection, and the command says why (exit 2)', async (ctx) => {
    if (serverHasSsl) ctx.skip(); // this server speaks TLS: nothing to refuse
    for (const mode of ['require', 'verify-full']) {
      const knex = connect({ url: withMode(db.url, mode) });
      try {
        await expect(knex.raw('SELECT 1')).rejects.toThrow(/The server does not support SSL connections/);
      } finally {
        await knex.destroy();
      }
    }
    const glific = await runCli(['run', 'daily'], { GLIFIC_DATABASE_URL: withMode(db.url, 'require'), REPORTS_OUTPUT_DIR: '/nonexistent/out' });
    expect(glific.code).toBe(2);
    expect(glific.stderr).toMatch(/^glific-reports: cannot connect to GLIFIC_DATABASE_URL \(.*sslmode=require\): The server does not support SSL connections/m);
    const store = await runCli(['run', 'daily'], {
      GLIFIC_DATABASE_URL: withMode(db.url, 'disable'),
      REPORTS_DATABASE_URL: withMode(db.url, 'verify-full'),
      REPORTS_OUTPUT_DIR: '/nonexistent/out',
    });
    expect(store.code).toBe(2);
    expect(store.stderr).toMatch(/^glific-reports: cannot connect to REPORTS_DATABASE_URL \(.*sslmode=verify-full\): The server does not support SSL connections/m);
  });
});
