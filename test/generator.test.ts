// The demo/load generator: deterministic for a seed, and its data has every feature of real
// Glific data that the reports must cope with.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { connect } from '../db/connect.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { generateGlificData, DEMO_PASSWORD, DEMO_ADMIN_PHONE, type GenerateResult } from '../demo/glific/generate.ts';
import { verifyPassword } from '../serve/password.ts';

const OPTS = { seed: 7, orgs: 3, contactsPerOrg: 60, days: 20, messagesPerDay: 80, endDate: '2026-03-31', statsDays: 5 };

let a: TestDatabase;
let b: TestDatabase;
let dba: Knex;
let dbb: Knex;
let result: GenerateResult;

beforeAll(async () => {
  [a, b] = await Promise.all([createTestDatabase('gen_a'), createTestDatabase('gen_b')]);
  dba = connect({ url: a.url });
  dbb = connect({ url: b.url });
  const [ra] = await Promise.all([generateGlificData(dba, OPTS), generateGlificData(dbb, OPTS)]);
  result = ra;
});

afterAll(async () => {
  await dba?.destroy();
  await dbb?.destroy();
  await a?.drop();
  await b?.drop();
});

async function one<T = Record<string, unknown>>(db: Knex, text: string): Promise<T> {
  return (await db.raw(text)).rows[0] as T;
}

const FINGERPRINT = `
  SELECT (SELECT md5(string_agg(concat_ws('|', id, contact_id, sender_id, receiver_id, flow, status, bsp_status, errors::text, is_hsm, body,
            inserted_at, message_number, group_id, uuid), ',' ORDER BY id)) FROM messages) AS messages,
         (SELECT md5(string_agg(concat_ws('|', id, phone, name, status, optin_time, optout_time, inserted_at, last_message_at, bsp_status), ',' ORDER BY id)) FROM contacts) AS contacts,
         (SELECT md5(string_agg(concat_ws('|', id, organization_id, period, date, hour, messages, inbound, conversations), ',' ORDER BY id)) FROM stats) AS stats,
         (SELECT md5(string_agg(concat_ws('|', id, contact_id, flow_id, parent_id, status, inserted_at, completed_at, is_killed), ',' ORDER BY id)) FROM flow_contexts) AS flow_contexts,
         (SELECT md5(string_agg(concat_ws('|', id, conversation_id, message_id, inserted_at), ',' ORDER BY id)) FROM messages_conversations) AS conversations,
         (SELECT md5(string_agg(password_hash, ',' ORDER BY id)) FROM users) AS users`;

describe('generateGlificData', () => {
  it('gives identical data for the same seed', async () => {
    const [fa, fb] = await Promise.all([one(dba, FINGERPRINT), one(dbb, FINGERPRINT)]);
    expect(fa).toEqual(fb);
    expect(Object.values(fa).every((v) => typeof v === 'string' && v.length === 32)).toBe(true);
  });

  it('loads about orgs x days x messagesPerDay messages', async () => {
    const expected = OPTS.orgs * OPTS.days * OPTS.messagesPerDay;
    expect(result.messages).toBeGreaterThan(expected * 0.85);
    expect(result.messages).toBeLessThan(expected * 1.35);
    const { n } = await one<{ n: number }>(dba, 'SELECT count(*) AS n FROM messages');
    expect(n).toBe(result.messages);
  });

  it('has orgs in several zones, a NULL zone, an inactive and a suspended org', async () => {
    expect(result.orgs.map((o) => o.timezone)).toEqual(['Asia/Kolkata', 'America/New_York', null, 'Asia/Kolkata', 'Africa/Nairobi']);
    const orgs = (await dba.raw(`SELECT id, status::text, is_active, is_suspended, contact_id, organization_id, email,
      setting->'bookmarks' AS bookmarks FROM organizations ORDER BY id`)).rows;
    expect(orgs.find((o: { status: string }) => o.status === 'inactive')).toMatchObject({ is_active: false });
    expect(orgs.find((o: { status: string }) => o.status === 'forced_suspension')).toMatchObject({ is_suspended: true });
    for (const o of orgs) {
      expect(o.organization_id).toBe(o.id);
      expect(o.contact_id).not.toBeNull();
      expect(o.email).toMatch(/@/);
    }
    expect(JSON.stringify(orgs.map((o: { bookmarks: unknown }) => o.bookmarks))).toContain('javascript:alert(1)');
    const little = await one<{ n: number }>(dba, `SELECT count(*) AS n FROM messages m JOIN organizations o ON o.id = m.organization_id WHERE o.status <> 'active'`);
    expect(little.n).toBeGreaterThan(0);
  });

  it('has the system contacts, simulator traffic and collection display rows', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT (SELECT count(*) FROM contacts WHERE phone LIKE '9876543210\\_%') AS simulators,
             (SELECT count(*) FROM contacts WHERE name = 'SaaS Admin') AS saas,
             (SELECT count(*) FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.phone LIKE '9876543210%') AS simulator_messages,
             (SELECT count(*) FROM messages m JOIN organizations o ON o.contact_id = m.contact_id AND o.id = m.organization_id
               WHERE m.group_id IS NOT NULL AND m.sender_id = m.receiver_id) AS display_rows,
             (SELECT count(*) FROM messages WHERE group_id IS NOT NULL AND contact_id <> sender_id) AS member_rows`);
    expect(r.simulators).toBe(25);
    expect(r.saas).toBe(5);
    expect(r.simulator_messages).toBeGreaterThan(0);
    expect(r.display_rows).toBeGreaterThan(0);
    expect(r.member_rows).toBeGreaterThan(r.display_rows);
  });

  it('has contacts with every status, opt-ins and opt-outs, some created before the history', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE status = 'valid') AS valid, count(*) FILTER (WHERE status = 'invalid') AS invalid,
             count(*) FILTER (WHERE status = 'blocked') AS blocked, count(*) FILTER (WHERE optin_time IS NOT NULL) AS optin,
             count(*) FILTER (WHERE optout_time IS NOT NULL) AS optout, count(*) FILTER (WHERE inserted_at < '2026-03-12') AS before,
             count(*) FILTER (WHERE inserted_at >= '2026-03-12') AS during
      FROM contacts WHERE phone NOT LIKE '9876543210%'`);
    for (const k of ['valid', 'invalid', 'blocked', 'optin', 'optout', 'before', 'during']) expect(r[k], k).toBeGreaterThan(0);
  });

  it('has failed messages of every kind and HSMs', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE errors IS NULL) AS sql_null, count(*) FILTER (WHERE errors = '{}') AS empty,
             count(*) FILTER (WHERE errors <> '{}' AND errors <> 'null') AS non_empty, count(*) FILTER (WHERE jsonb_exists(errors, 'message') AND jsonb_exists(errors, 'code')) AS message_code,
             count(*) FILTER (WHERE status = 'error') AS status_error, count(*) FILTER (WHERE bsp_status = 'error') AS bsp_error,
             count(*) FILTER (WHERE is_hsm) AS hsm, count(*) FILTER (WHERE flow = 'inbound') AS inbound
      FROM messages`);
    for (const k of Object.keys(r)) expect(r[k], k).toBeGreaterThan(0);
    const q = await one<{ with_q: number; mangled: number }>(dba, `SELECT count(*) FILTER (WHERE strpos(body, chr(63)) > 0) AS with_q,
      count(*) FILTER (WHERE strpos(body, '$') > 0) AS mangled FROM messages`);
    expect(q).toEqual({ with_q: expect.any(Number), mangled: 0 });
    expect(q.with_q).toBeGreaterThan(0);
  });

  it('keeps the columns the message triggers would have set consistent', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) AS bad FROM contacts c
      LEFT JOIN LATERAL (SELECT count(*) AS n, date_trunc('second', max(inserted_at) FILTER (WHERE flow = 'inbound')) AS last_in
                         FROM messages m WHERE m.contact_id = c.id AND NOT (m.group_id IS NOT NULL AND m.sender_id = m.receiver_id)) x ON true
      WHERE c.last_message_number <> x.n OR c.last_message_at IS DISTINCT FROM x.last_in`);
    expect(r.bad).toBe(0);
    const n = await one<{ bad: number }>(dba, `
      SELECT count(*) AS bad FROM (SELECT message_number, row_number() OVER (PARTITION BY contact_id ORDER BY inserted_at, id) AS rn
        FROM messages WHERE NOT (group_id IS NOT NULL AND sender_id = receiver_id)) s WHERE message_number <> rn`);
    expect(n.bad).toBe(0);
  });

  it('has draft, sub-flow, killed, open, background and contact-less flow runs', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE status = 'draft') AS draft, count(*) FILTER (WHERE parent_id IS NOT NULL) AS sub,
             count(*) FILTER (WHERE is_killed AND completed_at IS NOT NULL) AS killed, count(*) FILTER (WHERE completed_at IS NULL) AS open,
             count(*) FILTER (WHERE is_background_flow) AS background, count(*) FILTER (WHERE contact_id IS NULL) AS no_contact,
             count(*) FILTER (WHERE status = 'published' AND parent_id IS NULL AND completed_at IS NOT NULL AND NOT is_killed) AS completed
      FROM flow_contexts`);
    for (const k of Object.keys(r)) expect(r[k], k).toBeGreaterThan(0);
  });

  it('has billing events with repeated conversation ids, some without a message', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) AS n, count(DISTINCT conversation_id) AS distinct_ids, count(*) FILTER (WHERE message_id IS NULL) AS no_message
      FROM messages_conversations`);
    expect(r.distinct_ids).toBeLessThan(r.n);
    expect(r.no_message).toBeGreaterThan(0);
  });

  it('has Glific stats hour and day rows, duplicated ones, and rows before the message history', async () => {
    const r = await one<Record<string, unknown>>(dba, `
      SELECT count(*) FILTER (WHERE period = 'hour') AS hours, count(*) FILTER (WHERE period = 'day') AS days,
             (SELECT count(*) FROM (SELECT 1 FROM stats GROUP BY organization_id, period, date, hour HAVING count(*) > 1) d) AS duplicated,
             min(date)::text AS first, (SELECT min(inserted_at)::date::text FROM messages) AS first_message
      FROM stats`);
    expect(r.hours).toBeGreaterThan(0);
    expect(r.days).toBeGreaterThan(0);
    expect(r.duplicated).toBeGreaterThan(0);
    expect(String(r.first) < String(r.first_message)).toBe(true);
  });

  it('has users with roles, emails and verifiable Glific hashes', async () => {
    const users = (await dba.raw(`SELECT u.phone, u.roles::text AS roles, u.email, u.password_hash, c.phone AS contact_phone
      FROM users u JOIN contacts c ON c.id = u.contact_id ORDER BY u.id`)).rows;
    const roles = new Set(users.map((u: { roles: string }) => u.roles));
    for (const role of ['{admin}', '{manager}', '{staff}']) expect(roles.has(role)).toBe(true);
    expect(users.every((u: { phone: string; contact_phone: string }) => u.phone === u.contact_phone)).toBe(true);
    expect(users.some((u: { email: string | null }) => u.email)).toBe(true);
    const admin = users.find((u: { phone: string }) => u.phone === DEMO_ADMIN_PHONE(1));
    expect(admin.password_hash).toMatch(/^\$pbkdf2-sha512\$1000\$/);
    expect(verifyPassword(DEMO_PASSWORD, admin.password_hash)).toBe(true);
  });
});
