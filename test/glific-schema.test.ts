// The Glific schema our tests and demo run on matches SCHEMA.md where the reports depend on it,
// and the fixture builder writes rows the way Glific's app does.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import type { Knex } from 'knex';
import { connect } from '../db/connect.ts';
import { createTestDatabase, type TestDatabase } from './support/databases.ts';
import { GlificFixture, FIXTURE_PASSWORD, SIMULATOR_PREFIX, failedSend, refusedSend, erroredSend, failedPayload, refusedPayload } from '../demo/glific/fixture.ts';
import { hashPassword, verifyPassword, isLegacyHash } from '../serve/password.ts';

let tdb: TestDatabase;
let db: Knex;
let fx: GlificFixture;

beforeAll(async () => {
  tdb = await createTestDatabase('glific_schema');
  db = connect({ url: tdb.url });
  fx = await GlificFixture.create(db);
});

afterAll(async () => {
  await db?.destroy();
  await tdb?.drop();
});

async function rows<T = Record<string, unknown>>(text: string, params: unknown[] = []): Promise<T[]> {
  return (await db.raw(text, params as Knex.RawBinding[])).rows as T[];
}

describe('Glific schema', () => {
  it('has both extensions and both schemas', async () => {
    const ext = await rows<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname IN ('pg_trgm', 'uuid-ossp') ORDER BY 1`);
    expect(ext.map((e) => e.extname)).toEqual(['pg_trgm', 'uuid-ossp']);
    const tables = await rows<{ t: string }>(
      `SELECT table_schema || '.' || table_name AS t FROM information_schema.tables WHERE table_schema IN ('public', 'global') ORDER BY 1`,
    );
    for (const t of ['global.languages', 'global.providers', 'public.organizations', 'public.contacts', 'public.messages',
      'public.messages_conversations', 'public.flows', 'public.flow_contexts', 'public.stats', 'public.users', 'public.session_templates']) {
      expect(tables.map((r) => r.t)).toContain(t);
    }
  });

  it('keeps the enum values in Glific order', async () => {
    const r = await rows<{ v: string }>(
      `SELECT e.enumlabel AS v FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid WHERE t.typname = 'message_status_enum' ORDER BY e.enumsortorder`,
    );
    expect(r.map((x) => x.v)).toEqual(['sent', 'delivered', 'enqueued', 'error', 'read', 'received', 'contact_opt_out', 'reached', 'seen', 'played', 'deleted']);
    const s = await rows<{ v: string }>(`SELECT unnest(enum_range(NULL::contact_status_enum))::text AS v`);
    expect(s.map((x) => x.v)).toEqual(['blocked', 'failed', 'invalid', 'processing', 'valid']);
  });

  it('has the DB defaults of SCHEMA.md, not the app defaults', async () => {
    const cols = await rows<{ table_name: string; column_name: string; column_default: string | null; is_nullable: string; data_type: string }>(
      `SELECT table_name, column_name, column_default, is_nullable, data_type FROM information_schema.columns WHERE table_schema = 'public'`,
    );
    const col = (t: string, c: string) => cols.find((x) => x.table_name === t && x.column_name === c)!;
    expect(col('messages', 'errors').column_default).toBeNull();
    expect(col('contacts', 'status').column_default).toBe(`'valid'::contact_status_enum`);
    expect(col('contacts', 'status').is_nullable).toBe('NO');
    expect(col('contacts', 'contact_type').column_default).toBeNull();
    expect(col('organizations', 'timezone').column_default).toBeNull();
    expect(col('organizations', 'contact_id').data_type).toBe('integer');
    expect(col('messages', 'inserted_at').data_type).toBe('timestamp without time zone');
    expect(col('stats', 'conversations').column_default).toBe('0');
    expect(col('organizations', 'is_trial_org').column_default).toBe('false');
    expect(col('organizations', 'trial_expiration_date').data_type).toBe('timestamp without time zone');
  });

  it('has session_templates with the columns, defaults and unique indexes of Glific in 2026', async () => {
    const cols = await rows<{ column_name: string; column_default: string | null; is_nullable: string; udt_name: string }>(
      `SELECT column_name, column_default, is_nullable, udt_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'session_templates'`,
    );
    const col = (c: string) => cols.find((x) => x.column_name === c);
    for (const c of ['id', 'uuid', 'label', 'shortcode', 'is_hsm', 'category', 'status', 'type', 'language_id', 'organization_id', 'translations',
      'parent_id', 'bsp_id', 'quality', 'allow_template_category_change', 'footer', 'inserted_at', 'updated_at']) {
      expect(col(c), c).toBeTruthy();
    }
    for (const c of ['uuid', 'label', 'language_id', 'organization_id', 'inserted_at', 'updated_at']) expect(col(c)?.is_nullable, c).toBe('NO');
    expect(col('category')?.is_nullable).toBe('YES');
    expect(col('is_hsm')?.column_default).toBe('false');
    expect(col('allow_template_category_change')?.column_default).toBe('true');
    expect(col('translations')?.column_default).toBe(`'{}'::jsonb`);
    expect(col('type')?.udt_name).toBe('message_type_enum');
    const idx = await rows<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE tablename = 'session_templates'`);
    const defs = idx.map((i) => i.indexdef.replace(/^.* USING btree /, (m) => (m.includes('UNIQUE') ? 'UNIQUE ' : '')));
    expect(defs).toEqual(expect.arrayContaining(['UNIQUE (shortcode, language_id, organization_id)', 'UNIQUE (uuid)', '(organization_id)']));
    const fks = await rows<{ conname: string; def: string }>(`SELECT conname, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f'`);
    const def = (name: string) => fks.find((f) => f.conname === name)?.def;
    expect(def('messages_template_id_fkey')).toBe('FOREIGN KEY (template_id) REFERENCES session_templates(id) ON DELETE SET NULL');
    expect(def('session_templates_organization_id_fkey')).toBe('FOREIGN KEY (organization_id) REFERENCES organizations(id) ON DELETE CASCADE');
    expect(def('session_templates_parent_id_fkey')).toBe('FOREIGN KEY (parent_id) REFERENCES session_templates(id) ON DELETE SET NULL');
    expect(def('session_templates_language_id_fkey')).toBe('FOREIGN KEY (language_id) REFERENCES global.languages(id) ON DELETE RESTRICT');
  });

  it('has no composite (organization_id, inserted_at) index on messages, but the trigram ones', async () => {
    const idx = await rows<{ indexname: string; indexdef: string }>(`SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'messages'`);
    expect(idx.some((i) => /\(organization_id, inserted_at\)/.test(i.indexdef))).toBe(false);
    expect(idx.find((i) => i.indexname === 'messages_body_idx_gin')?.indexdef).toMatch(/gin \(body gin_trgm_ops\)/);
    expect(idx.find((i) => i.indexname === 'messages_inserted_at_index')).toBeTruthy();
  });

  it('has the foreign keys with their ON DELETE actions, and none on organizations.contact_id', async () => {
    const fks = await rows<{ conname: string; tbl: string; def: string }>(
      `SELECT conname, conrelid::regclass::text AS tbl, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE contype = 'f'`,
    );
    const def = (name: string) => fks.find((f) => f.conname === name)?.def;
    expect(def('messages_contact_id_fkey')).toBe('FOREIGN KEY (contact_id) REFERENCES contacts(id) ON DELETE CASCADE');
    expect(def('messages_media_id_fkey')).toBe('FOREIGN KEY (media_id) REFERENCES messages_media(id) ON DELETE SET NULL');
    expect(def('contacts_language_id_fkey')).toBe('FOREIGN KEY (language_id) REFERENCES global.languages(id) ON DELETE RESTRICT');
    expect(def('flow_contexts_parent_id_fkey')).toBe('FOREIGN KEY (parent_id) REFERENCES flow_contexts(id) ON DELETE SET NULL');
    expect(fks.filter((f) => f.tbl === 'organizations' && f.def.startsWith('FOREIGN KEY (contact_id)'))).toEqual([]);
  });

  it('sets organization_id = id on insert (update_organization_id_trigger) and disables the message triggers', async () => {
    const org = await fx.org({ shortcode: 'trig' });
    const [o] = await rows<{ organization_id: number }>('SELECT organization_id FROM organizations WHERE id = ?', [org.id]);
    expect(o.organization_id).toBe(org.id);
    const trg = await rows<{ tgname: string; tgenabled: string }>(
      `SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'messages'::regclass AND NOT tgisinternal ORDER BY 1`,
    );
    expect(trg).toEqual([
      { tgname: 'message_after_insert_trigger', tgenabled: 'D' },
      { tgname: 'message_before_insert_trigger', tgenabled: 'D' },
    ]);
  });
});

describe('Glific password hashes', () => {
  const vector = '$pbkdf2-sha512$100000$AAECAwQFBgcICQoLDA0ODw$q1DjmBiLL9Z7Q6bawWqt9QJmkkAcBqvFqqVcSxFLAahPN4010OCVsAlmykycGDVC5l6/.oSXe/JXtGenxIBBaw';
  const salt = Buffer.from([...Array(16).keys()]);

  it('reproduces the SCHEMA.md §8.2 illustration exactly', () => {
    expect(hashPassword('Secret1234!', { salt })).toBe(vector);
    expect(vector).toHaveLength(131);
    expect(verifyPassword('Secret1234!', vector)).toBe(true);
    expect(verifyPassword('Secret1234?', vector)).toBe(false);
  });

  it('verifies low-iteration hashes (the count is in the string) and rejects garbage', () => {
    const h = hashPassword('An0ther!pass', { iterations: 1 });
    expect(h).toMatch(/^\$pbkdf2-sha512\$1\$[A-Za-z0-9./]{22}\$[A-Za-z0-9./]{86}$/);
    expect(verifyPassword('An0ther!pass', h)).toBe(true);
    for (const bad of ['', 'x', '$pbkdf2-sha256$1$AAAA$BBBB', vector.slice(0, -2), null]) expect(verifyPassword('An0ther!pass', bad)).toBe(false);
  });

  it('refuses a legacy standard-Base64 hash deliberately', () => {
    const legacy = vector.replace(/\./g, '+').replace('AAECAwQFBgcICQoLDA0ODw', 'AAECAwQFBgcICQoLDA0ODw==');
    expect(isLegacyHash(legacy)).toBe(true);
    expect(isLegacyHash(vector)).toBe(false);
    expect(verifyPassword('Secret1234!', legacy)).toBe(false);
  });
});

describe('GlificFixture', () => {
  it('creates an org with its system contacts and users', async () => {
    const org = await fx.org({ shortcode: 'sys', timezone: null, email: 'ngo@example.org' });
    const [o] = await rows<{ contact_id: number; timezone: string | null; status: string; is_active: boolean }>(
      'SELECT contact_id, timezone, status, is_active FROM organizations WHERE id = ?', [org.id]);
    expect(o).toEqual({ contact_id: org.contactId, timezone: null, status: 'active', is_active: true });
    const contacts = await rows<{ name: string; phone: string; contact_type: string }>(
      'SELECT name, phone, contact_type FROM contacts WHERE organization_id = ? ORDER BY id', [org.id]);
    expect(contacts.map((c) => c.name)).toEqual(['NGO Main Account', 'SaaS Admin', 'Glific Simulator One', 'Glific Simulator Two',
      'Glific Simulator Three', 'Glific Simulator Four', 'Glific Simulator Five']);
    expect(contacts.filter((c) => c.phone.startsWith(SIMULATOR_PREFIX))).toHaveLength(5);
    expect(new Set(contacts.map((c) => c.contact_type))).toEqual(new Set(['WABA']));
    const users = await rows<{ name: string; roles: string; password_hash: string }>(
      'SELECT name, roles::text AS roles, password_hash FROM users WHERE organization_id = ? ORDER BY id', [org.id]);
    expect(users.map((u) => [u.name, u.roles])).toEqual([['NGO Main Account', '{admin}'], ['SaaS Admin', '{admin}']]);
    expect(verifyPassword(FIXTURE_PASSWORD, users[0].password_hash)).toBe(true);
  });

  it('writes messages like Glific: sender/receiver, errors {} by default, counters on the contact', async () => {
    const org = await fx.org({ shortcode: 'msg' });
    const c = await fx.contact(org.id, { insertedAt: '2026-03-01 10:00:00', optinTime: '2026-03-01 18:29:59.999999' });
    const m1 = await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-01 18:29:59.999999' });
    const m2 = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-03-01 18:31:00', errors: 'sql-null', status: 'error' });
    const m3 = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-03-01 18:32:00', errors: { message: 'x', code: 131026 } });
    const ms = await rows<Record<string, unknown>>(
      `SELECT id, sender_id, receiver_id, contact_id, errors::text AS errors, message_number, to_char(inserted_at, 'YYYY-MM-DD HH24:MI:SS.US') AS at
       FROM messages WHERE id IN (?, ?, ?) ORDER BY id`, [m1, m2, m3]);
    expect(ms[0]).toMatchObject({ sender_id: c, receiver_id: org.contactId, contact_id: c, errors: '{}', message_number: 1, at: '2026-03-01 18:29:59.999999' });
    expect(ms[1]).toMatchObject({ sender_id: org.contactId, receiver_id: c, errors: null, message_number: 2 });
    expect(ms[2].errors).toBe('{"code": 131026, "message": "x"}');
    const [ct] = await rows<Record<string, string>>(
      `SELECT to_char(optin_time, 'HH24:MI:SS') AS optin, to_char(last_message_at, 'HH24:MI:SS') AS lm, last_message_number FROM contacts WHERE id = ?`, [c]);
    // Second-precision columns are truncated as Ecto does, never rounded into the next minute.
    expect(ct).toEqual({ optin: '18:29:59', lm: '18:29:59', last_message_number: 3 });
  });

  it('writes a group send as a display row plus one row per member', async () => {
    const org = await fx.org({ shortcode: 'grp' });
    const a = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    const b = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    const g = await fx.groupMessage(org.id, { memberContactIds: [a, b], insertedAt: '2026-03-02 09:00:00' });
    const ms = await rows<{ contact_id: number; sender_id: number; receiver_id: number; group_id: number }>(
      'SELECT contact_id, sender_id, receiver_id, group_id FROM messages WHERE group_id = ? ORDER BY id', [g.groupId]);
    expect(ms).toEqual([
      { contact_id: org.contactId, sender_id: org.contactId, receiver_id: org.contactId, group_id: g.groupId },
      { contact_id: a, sender_id: org.contactId, receiver_id: a, group_id: g.groupId },
      { contact_id: b, sender_id: org.contactId, receiver_id: b, group_id: g.groupId },
    ]);
  });

  it('writes flows, contexts, conversations, stats and users', async () => {
    const org = await fx.org({ shortcode: 'flw', isSuspended: true, status: 'forced_suspension' });
    const c = await fx.contact(org.id, { insertedAt: '2026-03-01 00:00:00' });
    const f = await fx.flow(org.id, 'Registration');
    const parent = await fx.flowContext(org.id, { flowId: f, contactId: c, insertedAt: '2026-03-01 10:00:00' });
    const child = await fx.flowContext(org.id, { flowId: f, contactId: c, insertedAt: '2026-03-01 10:01:00', parentId: parent, completedAt: '2026-03-01 10:02:00', isKilled: true, status: 'draft' });
    const [fc] = await rows<Record<string, unknown>>('SELECT parent_id, is_killed, status, completed_at IS NOT NULL AS done FROM flow_contexts WHERE id = ?', [child]);
    expect(fc).toEqual({ parent_id: parent, is_killed: true, status: 'draft', done: true });
    await fx.conversation(org.id, { conversationId: 'conv-1', insertedAt: '2026-03-01 10:00:00' });
    await fx.conversation(org.id, { conversationId: 'conv-1', insertedAt: '2026-03-01 11:00:00', messageId: null, isBillable: false });
    const s1 = await fx.stat(org.id, { period: 'hour', date: '2026-03-01', hour: 5, inbound: 3 });
    const [st] = await rows<Record<string, unknown>>(`SELECT inbound, outbound, hour, to_char(inserted_at, 'YYYY-MM-DD HH24:MI') AS at FROM stats WHERE id = ?`, [s1]);
    expect(st).toEqual({ inbound: 3, outbound: 0, hour: 5, at: '2026-03-01 06:00' });
    const u = await fx.user(org.id, { phone: '919812345678', name: 'Staff One', roles: ['staff'], password: 'Staff!Pass123' });
    const [ur] = await rows<{ password_hash: string; cphone: string }>(
      'SELECT u.password_hash, c.phone AS cphone FROM users u JOIN contacts c ON c.id = u.contact_id WHERE u.id = ?', [u]);
    expect(ur.cphone).toBe('919812345678');
    expect(verifyPassword('Staff!Pass123', ur.password_hash)).toBe(true);
  });

  it('writes templates and saved replies; a deleted template leaves its sends with template_id NULL', async () => {
    const org = await fx.org({ shortcode: 'tpl' });
    const c = await fx.contact(org.id, { insertedAt: '2026-10-01 00:00:00' });
    const utility = await fx.template(org.id);
    const legacy = await fx.template(org.id, { category: 'transactional', label: 'Receipt' });
    const none = await fx.template(org.id, { category: null, label: 'Greetings' });
    const reply = await fx.template(org.id, { isHsm: false, label: 'Office hours' });
    const ts = await rows<Record<string, unknown>>(
      'SELECT id, is_hsm, category, status, label FROM session_templates WHERE organization_id = ? ORDER BY id', [org.id]);
    expect(ts).toEqual([
      { id: utility, is_hsm: true, category: 'UTILITY', status: 'APPROVED', label: 'Template 1' },
      { id: legacy, is_hsm: true, category: 'transactional', status: 'APPROVED', label: 'Receipt' },
      { id: none, is_hsm: true, category: null, status: 'APPROVED', label: 'Greetings' },
      { id: reply, is_hsm: false, category: null, status: null, label: 'Office hours' },
    ]);
    const send = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-10-02 10:00:00', isHsm: true, templateId: legacy });
    const saved = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: '2026-10-02 10:01:00', templateId: reply });
    await fx.deleteTemplate(legacy);
    const ms = await rows<{ id: number; is_hsm: boolean; template_id: number | null }>(
      'SELECT id, is_hsm, template_id FROM messages WHERE id IN (?, ?) ORDER BY id', [send, saved]);
    expect(ms).toEqual([{ id: send, is_hsm: true, template_id: null }, { id: saved, is_hsm: false, template_id: reply }]);
  });

  it('writes failed, refused, pending and errored sends with the payloads Glific stores', async () => {
    const org = await fx.org({ shortcode: 'dlv' });
    const c = await fx.contact(org.id, { insertedAt: '2026-10-01 00:00:00' });
    const at = '2026-10-02 10:00:00';
    const failed = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, isHsm: true, ...failedSend(131049) });
    const noCode = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, ...failedSend(null, null) });
    const refused = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, ...refusedSend('Invalid Destination') });
    const refusedCode = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, ...refusedSend('Insufficient balance', 1003) });
    const pending = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, bspStatus: 'enqueued' });
    const errored = await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt: at, ...erroredSend() });
    const ms = await rows<Record<string, unknown>>(
      `SELECT status, bsp_status, bsp_message_id IS NOT NULL AS has_bsp_id, errors #>> '{payload,payload,code}' AS event_code,
              errors ->> 'code' AS top_code, errors ->> 'type' AS type, errors #>> '{payload,type}' AS event, errors ->> 'message' AS message
       FROM messages WHERE id IN (?, ?, ?, ?, ?, ?) ORDER BY id`, [failed, noCode, refused, refusedCode, pending, errored]);
    expect(ms).toEqual([
      { status: 'sent', bsp_status: 'error', has_bsp_id: true, event_code: '131049', top_code: null, type: 'message-event', event: 'failed', message: null },
      { status: 'sent', bsp_status: 'error', has_bsp_id: true, event_code: null, top_code: null, type: 'message-event', event: 'failed', message: null },
      { status: 'sent', bsp_status: 'error', has_bsp_id: false, event_code: null, top_code: null, type: null, event: null, message: 'Invalid Destination' },
      { status: 'sent', bsp_status: 'error', has_bsp_id: false, event_code: null, top_code: '1003', type: null, event: null, message: 'Insufficient balance' },
      { status: 'sent', bsp_status: 'enqueued', has_bsp_id: true, event_code: null, top_code: null, type: null, event: null, message: null },
      { status: 'error', bsp_status: null, has_bsp_id: false, event_code: null, top_code: null, type: null, event: null, message: null },
    ]);
    expect(failedPayload(1002)).toMatchObject({ type: 'message-event', payload: { type: 'failed', payload: { code: 1002, reason: expect.any(String) } } });
    expect(failedPayload(null, null)).toMatchObject({ payload: { payload: {} } });
    expect(refusedPayload('x')).toEqual({ message: 'x' });
  });

  it('writes trial orgs, role-none users and per-message-pricing billing events', async () => {
    const trial = await fx.org({ shortcode: 'trial1', isTrialOrg: true, insertedAt: '2026-11-01 08:00:00' });
    const plain = await fx.org({ shortcode: 'plain1' });
    const os = await rows<{ id: number; is_trial_org: boolean; exp: string | null; is_active: boolean }>(
      `SELECT id, is_trial_org, to_char(trial_expiration_date, 'YYYY-MM-DD HH24:MI') AS exp, is_active FROM organizations WHERE id IN (?, ?) ORDER BY id`,
      [trial.id, plain.id]);
    expect(os).toEqual([
      { id: trial.id, is_trial_org: true, exp: '2026-11-15 08:00', is_active: true },
      { id: plain.id, is_trial_org: false, exp: null, is_active: true },
    ]);
    const u = await fx.user(trial.id, { phone: '919800000001', name: 'Newcomer', roles: ['none'] });
    const [ur] = await rows<{ roles: string }>('SELECT roles::text AS roles FROM users WHERE id = ?', [u]);
    expect(ur.roles).toBe('{none}');
    const conv = await fx.conversation(trial.id, { conversationId: 'fep-1', insertedAt: '2026-11-02 10:00:00', model: 'PMP', deductionType: 'marketing' });
    const [cv] = await rows<Record<string, unknown>>(
      `SELECT deduction_type, is_billable, payload #>> '{payload,deductions,type}' AS type, payload #>> '{payload,deductions,model}' AS model
       FROM messages_conversations WHERE id = ?`, [conv]);
    expect(cv).toEqual({ deduction_type: 'marketing', is_billable: false, type: 'FEP', model: 'PMP' });
  });
});
