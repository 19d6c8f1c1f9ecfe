// The demo/load generator: deterministic for a seed, and its data has every feature of real
// Glific data that the reports must cope with.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { connect } from '../db/connect.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { generateGlificData, DEMO_PASSWORD, DEMO_ADMIN_PHONE, type GenerateResult } from '../demo/glific/generate.ts';
import { verifyPassword } from '../serve/password.ts';

// 2026-09-21 .. 2026-10-10: across the day service messages became billable (2026-10-01).
const OPTS = { seed: 7, orgs: 3, contactsPerOrg: 60, days: 20, messagesPerDay: 100, endDate: '2026-10-10', statsDays: 5 };
const HISTORY_START = '2026-09-21';
// 2025-06-24 .. 2025-07-07: across the end of conversation-based pricing (2025-07-01), and stats
// written before Glific's fix of stats.contacts (2025-10-08).
const OPTS_2025 = { seed: 7, orgs: 2, contactsPerOrg: 40, days: 14, messagesPerDay: 60, endDate: '2025-07-07', statsDays: 5 };

let a: TestDatabase;
let b: TestDatabase;
let c: TestDatabase;
let dba: Knex;
let dbb: Knex;
let dbc: Knex;
let result: GenerateResult;

beforeAll(async () => {
  [a, b, c] = await Promise.all([createTestDatabase('gen_a'), createTestDatabase('gen_b'), createTestDatabase('gen_c')]);
  dba = connect({ url: a.url });
  dbb = connect({ url: b.url });
  dbc = connect({ url: c.url });
  const [ra] = await Promise.all([generateGlificData(dba, OPTS), generateGlificData(dbb, OPTS), generateGlificData(dbc, OPTS_2025)]);
  result = ra;
});

afterAll(async () => {
  await dba?.destroy();
  await dbb?.destroy();
  await dbc?.destroy();
  await a?.drop();
  await b?.drop();
  await c?.drop();
});

async function one<T = Record<string, unknown>>(db: Knex, text: string): Promise<T> {
  return (await db.raw(text)).rows[0] as T;
}

const FINGERPRINT = `
  SELECT (SELECT md5(string_agg(concat_ws('|', id, contact_id, sender_id, receiver_id, flow, status, bsp_status, errors::text, is_hsm, body,
            inserted_at, message_number, group_id, uuid, template_id, bsp_message_id, sent_at), ',' ORDER BY id)) FROM messages) AS messages,
         (SELECT md5(string_agg(concat_ws('|', id, organization_id, uuid, label, shortcode, is_hsm, category, status, translations::text), ',' ORDER BY id))
            FROM session_templates) AS templates,
         (SELECT md5(string_agg(concat_ws('|', id, shortcode, is_trial_org, trial_expiration_date, status, is_active, is_suspended), ',' ORDER BY id))
            FROM organizations) AS orgs,
         (SELECT md5(string_agg(concat_ws('|', id, phone, name, status, optin_time, optout_time, inserted_at, last_message_at, bsp_status), ',' ORDER BY id)) FROM contacts) AS contacts,
         (SELECT md5(string_agg(concat_ws('|', id, organization_id, period, date, hour, messages, inbound, conversations), ',' ORDER BY id)) FROM stats) AS stats,
         (SELECT md5(string_agg(concat_ws('|', id, contact_id, flow_id, parent_id, status, inserted_at, completed_at, is_killed), ',' ORDER BY id)) FROM flow_contexts) AS flow_contexts,
         (SELECT md5(string_agg(concat_ws('|', id, conversation_id, message_id, inserted_at, deduction_type, is_billable, payload::text), ',' ORDER BY id))
            FROM messages_conversations) AS conversations,
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

  it('has orgs in several zones, a NULL zone, an inactive, a suspended and a trial org', async () => {
    expect(result.orgs.map((o) => o.timezone)).toEqual(['Asia/Kolkata', 'America/New_York', null, 'Asia/Kolkata', 'Africa/Nairobi', 'Asia/Kolkata']);
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
    expect(r.simulators).toBe(30);
    expect(r.saas).toBe(6);
    expect(r.simulator_messages).toBeGreaterThan(0);
    expect(r.display_rows).toBeGreaterThan(0);
    expect(r.member_rows).toBeGreaterThan(r.display_rows);
  });

  it('has contacts with every status, opt-ins and opt-outs, some created before the history', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE status = 'valid') AS valid, count(*) FILTER (WHERE status = 'invalid') AS invalid,
             count(*) FILTER (WHERE status = 'blocked') AS blocked, count(*) FILTER (WHERE optin_time IS NOT NULL) AS optin,
             count(*) FILTER (WHERE optout_time IS NOT NULL) AS optout, count(*) FILTER (WHERE inserted_at < '${HISTORY_START}') AS before,
             count(*) FILTER (WHERE inserted_at >= '${HISTORY_START}') AS during
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

  it('has templates of every category, legacy and NULL ones, sends of deleted templates and saved replies', async () => {
    const cats = (await dba.raw(`
      SELECT upper(t.category) AS category, count(*)::int AS sends FROM messages m JOIN session_templates t ON t.id = m.template_id
      WHERE m.flow = 'outbound' AND m.is_hsm GROUP BY 1`)).rows as Array<{ category: string | null; sends: number }>;
    const sends = Object.fromEntries(cats.map((x) => [x.category ?? 'NULL', x.sends]));
    for (const k of ['MARKETING', 'UTILITY', 'AUTHENTICATION', 'TRANSACTIONAL', 'NULL']) expect(sends[k], k).toBeGreaterThan(0);
    const r = await one<Record<string, number>>(dba, `
      SELECT (SELECT count(*) FROM session_templates WHERE category <> upper(category)) AS not_upper_case,
             (SELECT count(*) FROM messages WHERE flow = 'outbound' AND is_hsm AND template_id IS NULL) AS deleted_template_sends,
             (SELECT count(*) FROM messages m JOIN session_templates t ON t.id = m.template_id WHERE NOT m.is_hsm AND NOT t.is_hsm) AS saved_reply_sends,
             (SELECT count(*) FROM messages m JOIN session_templates t ON t.id = m.template_id WHERE m.is_hsm <> t.is_hsm) AS mismatched,
             (SELECT count(*) FROM messages m JOIN session_templates t ON t.id = m.template_id WHERE t.status <> 'APPROVED') AS unapproved_sends,
             (SELECT count(*) FROM messages WHERE type = 'hsm') AS type_hsm,
             (SELECT count(*) FROM messages WHERE template_id IS NOT NULL AND template_id NOT IN (SELECT id FROM session_templates)) AS dangling`);
    expect(r.not_upper_case).toBeGreaterThan(0);
    expect(r.deleted_template_sends).toBeGreaterThan(0);
    expect(r.saved_reply_sends).toBeGreaterThan(0);
    expect(r).toMatchObject({ mismatched: 0, unapproved_sends: 0, type_hsm: 0, dangling: 0 });
  });

  it('has every delivery outcome, for template sends and for free-form messages', async () => {
    const rows = (await dba.raw(`
      SELECT is_hsm,
        CASE WHEN status = 'error' OR bsp_status = 'error' THEN 'failed' WHEN bsp_status IN ('delivered', 'read') THEN bsp_status::text
             ELSE 'pending:' || coalesce(bsp_status::text, 'null') END AS outcome, count(*)::int AS n
      FROM messages WHERE flow = 'outbound' AND NOT (group_id IS NOT NULL AND sender_id = receiver_id) GROUP BY 1, 2`)).rows as Array<{ is_hsm: boolean; outcome: string; n: number }>;
    for (const hsm of [true, false]) {
      const got = new Set(rows.filter((x) => x.is_hsm === hsm && x.n > 0).map((x) => x.outcome));
      for (const o of ['delivered', 'read', 'pending:enqueued', 'pending:sent', 'failed']) expect(got.has(o), `${o} hsm=${hsm}`).toBe(true);
    }
    const unsent = await one<{ n: number; bad: number }>(dba, `
      SELECT count(*) AS n, count(*) FILTER (WHERE status <> 'enqueued' OR sent_at IS NOT NULL OR bsp_message_id IS NOT NULL) AS bad
      FROM messages WHERE flow = 'outbound' AND bsp_status IS NULL AND status <> 'error'`);
    expect(unsent.n).toBeGreaterThan(0);
    expect(unsent.bad).toBe(0);
  });

  it('has BSP failed events with each common code at errors.payload.payload.code, and failures without a code', async () => {
    const codes = (await dba.raw(`
      SELECT errors #>> '{payload,payload,code}' AS code, count(*)::int AS n,
             count(*) FILTER (WHERE status <> 'sent' OR bsp_status <> 'error' OR errors ->> 'type' <> 'message-event'
               OR errors #>> '{payload,gsId}' IS DISTINCT FROM bsp_message_id OR errors #>> '{payload,payload,reason}' IS NULL)::int AS odd
      FROM messages WHERE errors #>> '{payload,type}' = 'failed' GROUP BY 1`)).rows as Array<{ code: string | null; n: number; odd: number }>;
    const byCode = Object.fromEntries(codes.map((x) => [x.code ?? 'none', x]));
    for (const code of ['131049', '131026', '131047', '131048', '131050', '131051', '1002', '471', '1003', 'none']) {
      expect(byCode[code]?.n, code).toBeGreaterThan(0);
    }
    expect(codes.filter((x) => x.code !== null).every((x) => x.odd === 0)).toBe(true);
    // Meta's frequency cap is the commonest reason a template is not delivered.
    const top = await one<{ code: string }>(dba, `
      SELECT errors #>> '{payload,payload,code}' AS code FROM messages WHERE is_hsm AND errors #>> '{payload,type}' = 'failed'
      GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1`);
    expect(top.code).toBe('131049');
  });

  it('has sends the BSP refused outright (no event path, some with a top-level code), status error rows and errors without any code', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE jsonb_exists(errors, 'message') AND errors #> '{payload,payload}' IS NULL AND NOT jsonb_exists(errors, 'code')) AS refused_no_code,
             count(*) FILTER (WHERE jsonb_exists(errors, 'message') AND errors #> '{payload,payload}' IS NULL AND jsonb_exists(errors, 'code')) AS refused_top_code,
             count(*) FILTER (WHERE jsonb_exists(errors, 'message') AND (bsp_message_id IS NOT NULL OR bsp_status <> 'error' OR sent_at IS NOT NULL)) AS refused_odd,
             count(*) FILTER (WHERE status = 'error') AS status_error,
             count(*) FILTER (WHERE status = 'error' AND (bsp_status IS NOT NULL OR errors <> '{}')) AS status_error_odd,
             count(*) FILTER (WHERE bsp_status = 'error' AND coalesce(errors #>> '{payload,payload,code}', errors ->> 'code') IS NULL) AS bsp_error_no_code
      FROM messages WHERE flow = 'outbound'`);
    for (const k of ['refused_no_code', 'refused_top_code', 'status_error', 'bsp_error_no_code']) expect(r[k], k).toBeGreaterThan(0);
    expect(r).toMatchObject({ refused_odd: 0, status_error_odd: 0 });
  });

  it('has utility templates inside and outside the customer-service window, at exactly 24 h and 24 h - 1 µs', async () => {
    // The window is open at t when the contact wrote at some s in (t - 24 h, t].
    const r = await one<Record<string, number>>(dba, `
      WITH u AS (
        SELECT m.contact_id, m.inserted_at AS t,
          (SELECT max(i.inserted_at) FROM messages i WHERE i.contact_id = m.contact_id AND i.flow = 'inbound' AND i.inserted_at <= m.inserted_at) AS last_in
        FROM messages m JOIN session_templates t ON t.id = m.template_id
        WHERE m.flow = 'outbound' AND m.is_hsm AND upper(t.category) = 'UTILITY' AND m.bsp_status IN ('delivered', 'read') AND m.status <> 'error')
      SELECT count(*) FILTER (WHERE last_in > t - interval '24 hours') AS inside,
             count(*) FILTER (WHERE last_in IS NULL OR last_in <= t - interval '24 hours') AS outside,
             count(*) FILTER (WHERE last_in = t - interval '24 hours') AS exactly_24h_outside,
             count(*) FILTER (WHERE last_in = t - interval '24 hours' + interval '1 microsecond') AS just_inside,
             count(*) FILTER (WHERE last_in = t) AS same_instant_inside
      FROM u`);
    for (const k of Object.keys(r)) expect(r[k], k).toBeGreaterThan(0);
  });

  it('has inbound messages exactly 24 h (a new window), 24 h - 1 µs and 0 s after the same contact\'s previous one', async () => {
    const r = await one<Record<string, number>>(dba, `
      SELECT count(*) FILTER (WHERE t - prev = interval '24 hours') AS at_24h,
             count(*) FILTER (WHERE t - prev = interval '24 hours' - interval '1 microsecond') AS just_inside,
             count(*) FILTER (WHERE t = prev) AS same_instant
      FROM (SELECT inserted_at AS t, lag(inserted_at) OVER (PARTITION BY contact_id ORDER BY inserted_at, id) AS prev
            FROM messages WHERE flow = 'inbound') x`);
    for (const k of Object.keys(r)) expect(r[k], k).toBeGreaterThan(0);
  });

  it('has an active trial org with contacts, messages, templates, flows and stats', async () => {
    const trial = (await dba.raw(`SELECT id, status::text, is_active, is_suspended, trial_expiration_date FROM organizations WHERE is_trial_org`)).rows;
    expect(trial).toHaveLength(1);
    expect(trial[0]).toMatchObject({ status: 'active', is_active: true, is_suspended: false });
    expect(trial[0].trial_expiration_date).toBeInstanceOf(Date);
    const r = await one<Record<string, number>>(dba, `
      SELECT (SELECT count(*) FROM contacts WHERE organization_id = ${trial[0].id} AND phone NOT LIKE '9876543210%') AS contacts,
             (SELECT count(*) FROM messages WHERE organization_id = ${trial[0].id} AND is_hsm) AS template_sends,
             (SELECT count(*) FROM messages WHERE organization_id = ${trial[0].id} AND flow = 'inbound') AS inbound,
             (SELECT count(*) FROM session_templates WHERE organization_id = ${trial[0].id}) AS templates,
             (SELECT count(*) FROM flow_contexts WHERE organization_id = ${trial[0].id}) AS runs,
             (SELECT count(*) FROM stats WHERE organization_id = ${trial[0].id} AND period = 'day') AS stat_days,
             (SELECT count(*) FROM organizations WHERE NOT is_trial_org AND is_trial_org IS NOT NULL) AS others`);
    for (const k of Object.keys(r)) expect(r[k], k).toBeGreaterThan(0);
    expect(r.others).toBe(5);
  });

  it("writes stats.contacts of day rows as Glific did: the all-time total before its fix of 2025-10-08, new contacts after", async () => {
    const countNew = (db: Knex, allTime: boolean) => one<{ rows: number; bad: number }>(db, `
      SELECT count(*) AS rows, count(*) FILTER (WHERE s.contacts <> (SELECT count(*) FROM contacts c WHERE c.organization_id = s.organization_id
        AND c.status <> 'blocked' AND c.inserted_at < s.date + 1 ${allTime ? '' : 'AND c.inserted_at >= s.date'})) AS bad
      FROM stats s WHERE s.period = 'day'`);
    const before = await countNew(dbc, true);
    const after = await countNew(dba, false);
    expect(before.rows).toBeGreaterThan(0);
    expect(after.rows).toBeGreaterThan(0);
    expect([before.bad, after.bad]).toEqual([0, 0]);
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

  it('has conversation-based billing events before 2025-07-01: repeated conversation ids, some without a message', async () => {
    const r = await one<Record<string, number>>(dbc, `
      SELECT count(*) AS n, count(DISTINCT conversation_id) AS distinct_ids, count(*) FILTER (WHERE message_id IS NULL) AS no_message,
             count(*) FILTER (WHERE payload #>> '{payload,deductions,model}' <> 'CBP') AS not_cbp, count(*) FILTER (WHERE is_billable) AS billable
      FROM messages_conversations WHERE inserted_at < '2025-07-01'`);
    expect(r.distinct_ids).toBeLessThan(r.n);
    expect(r.no_message).toBeGreaterThan(0);
    expect(r.billable).toBeGreaterThan(0);
    expect(r.not_cbp).toBe(0);
  });

  it('has only rare, free, free-entry-point billing events from 2025-07-01 on, the category in deduction_type', async () => {
    for (const [db, from, to] of [[dbc, '2025-07-01', '2025-07-08'], [dba, '2026-09-21', '2026-10-11']] as const) {
      const r = await one<Record<string, number>>(db, `
        SELECT count(*) AS n, count(*) FILTER (WHERE payload #>> '{payload,deductions,type}' <> 'FEP' OR payload #>> '{payload,deductions,model}' <> 'PMP') AS other_kind,
               count(*) FILTER (WHERE is_billable) AS billable,
               count(*) FILTER (WHERE deduction_type NOT IN ('marketing', 'utility', 'authentication', 'service')) AS odd_category,
               (SELECT count(*) FROM organizations) * (DATE '${to}' - DATE '${from}') AS org_days,
               count(*) FILTER (WHERE message_id IS NULL OR payload #>> '{payload,references,gsId}' IS DISTINCT FROM
                 (SELECT bsp_message_id FROM messages m WHERE m.id = message_id)) AS unmatched
        FROM messages_conversations WHERE inserted_at >= '${from}' AND inserted_at < '${to}'`);
      expect(r.n, from).toBeGreaterThan(0);
      // a few per org and week (about 3), where conversation-based pricing had several per org and day
      expect(r.n / r.org_days, from).toBeLessThan(1);
      expect(r, from).toMatchObject({ other_kind: 0, billable: 0, odd_category: 0, unmatched: 0 });
    }
    const before = await one<{ per_org_day: number }>(dbc, `
      SELECT count(*)::float8 / ((SELECT count(*) FROM organizations) * 7) AS per_org_day FROM messages_conversations
      WHERE inserted_at >= '2025-06-24' AND inserted_at < '2025-07-01'`);
    expect(before.per_org_day).toBeGreaterThan(2);
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
    for (const role of ['{admin}', '{manager}', '{staff}', '{none}']) expect(roles.has(role)).toBe(true);
    expect(users.every((u: { phone: string; contact_phone: string }) => u.phone === u.contact_phone)).toBe(true);
    expect(users.some((u: { email: string | null }) => u.email)).toBe(true);
    const admin = users.find((u: { phone: string }) => u.phone === DEMO_ADMIN_PHONE(1));
    expect(admin.password_hash).toMatch(/^\$pbkdf2-sha512\$1000\$/);
    expect(verifyPassword(DEMO_PASSWORD, admin.password_hash)).toBe(true);
  });
});
