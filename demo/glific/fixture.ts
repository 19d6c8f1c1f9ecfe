// Purpose-built Glific data for tests: each call writes the rows Glific's app would write for one
// event, with Glific's app defaults set explicitly (SCHEMA.md §2.15) and the columns the disabled
// messages triggers would maintain set by hand.
//
//   const fx = await GlificFixture.create(db);            // schema + global.languages/providers
//   const org = await fx.org({ shortcode: 'ngo1', timezone: 'Asia/Kolkata' });
//   const c = await fx.contact(org.id, { insertedAt: '2026-03-01 10:00:00' });
//   await fx.message(org.id, { contactId: c, flow: 'inbound', insertedAt: '2026-03-01 18:29:59.999999' });
//
// Timestamps: UTC wall-clock strings ('YYYY-MM-DD HH:MM:SS[.ffffff]') or Dates, stored verbatim
// in Glific's `timestamp without time zone` columns. Second-precision columns (Ecto
// :utc_datetime: optin_time, flow_contexts.*, messages_conversations.*, ...) are TRUNCATED to the
// second, as Ecto does before writing — PostgreSQL alone would round '…59.999999' up.
//
// `org()` creates what onboarding and seeds create (SCHEMA.md §8.3): the org (status 'active' by
// default), its "NGO Main Account" contact + admin user (organizations.contact_id), a "SaaS Admin"
// contact + admin user, and the simulator contacts 9876543210_1 … _5. All of them are inserted at
// `o.insertedAt` (default '2020-01-01 00:00:00'), so they stay out of later days' new-contact
// counts. Users get real Glific PBKDF2 hashes (password FIXTURE_PASSWORD unless given) with
// FIXTURE_HASH_ITERATIONS iterations (the count is embedded in the hash, so they verify).
//
// message(): `errors` defaults to `{}` (the app default). Pass `errors: null` for a JSON `null`
// value and `errors: 'sql-null'` for SQL NULL (the DB default, rows written outside Ecto).
// It sets message_number from the contact's counter and moves the contact's last_message_at
// (inbound only) / last_communication_at and the org's last_communication_at forward to the
// message time — what Glific's triggers do, but with the message's own time instead of the clock.
//
// Templates and delivery (SCHEMA.md §13):
//   const t = await fx.template(org.id, { category: 'UTILITY' });           // an approved WhatsApp template
//   const r = await fx.template(org.id, { isHsm: false, label: 'Hours' });  // a saved reply (category NULL)
//   await fx.message(org.id, { contactId: c, flow: 'outbound', insertedAt, isHsm: true, templateId: t });
//   await fx.message(org.id, { …, ...failedSend(131049) });   // BSP failed event with that code
//   await fx.message(org.id, { …, ...refusedSend('Invalid Destination') });  // refused outright
//   await fx.message(org.id, { …, ...erroredSend() });        // status 'error': never reached the BSP
//   await fx.message(org.id, { …, bspStatus: 'enqueued' });  // pending
//   await fx.deleteTemplate(t);                                // its sends keep template_id NULL
// A trial org: fx.org({ shortcode: 'trial1', isTrialOrg: true }). A user without a role:
// fx.user(org.id, { phone, name, roles: ['none'] }).
import type { Knex } from 'knex';
import { randomUUID } from 'node:crypto';
import { createGlificSchema } from './schema.ts';
import { failedPayload, refusedPayload } from './delivery.ts';
import { hashPassword } from '../../serve/password.ts';

export const FIXTURE_PASSWORD = 'Secret1234!';
export const FIXTURE_HASH_ITERATIONS = 1000;
export const SIMULATOR_PREFIX = '9876543210';
export const SAAS_ADMIN_PHONE = '917834811114';

export type Ts = string | Date;
export type ContactStatus = 'valid' | 'invalid' | 'blocked' | 'failed' | 'processing';
export type BspStatus = 'none' | 'session' | 'session_and_hsm' | 'hsm';
export type MessageStatus =
  | 'sent' | 'delivered' | 'enqueued' | 'error' | 'read' | 'received' | 'contact_opt_out'
  | 'reached' | 'seen' | 'played' | 'deleted';

export interface OrgInput {
  shortcode: string;
  name?: string;
  /** IANA zone; `null` writes SQL NULL (possible for rows written outside Ecto). Default Asia/Kolkata. */
  timezone?: string | null;
  isActive?: boolean;
  isSuspended?: boolean;
  /** organization_status_enum; default 'active'. */
  status?: string;
  deletedAt?: Ts | null;
  /** Default `<shortcode>@example.org`; `null` for none. */
  email?: string | null;
  setting?: object;
  parentOrg?: string | null;
  insertedAt?: Ts;
  /** organizations.is_trial_org (default false). */
  isTrialOrg?: boolean;
  /** Default: 14 days after insertedAt for a trial org, NULL otherwise. */
  trialExpirationDate?: Ts | null;
}

export interface OrgHandle {
  id: number;
  /** organizations.contact_id: the "NGO Main Account" contact. */
  contactId: number;
  adminUserId: number;
  saasAdminContactId: number;
  saasAdminUserId: number;
  /** Contacts 9876543210_1 … _5. */
  simulatorContactIds: number[];
}

export interface ContactInput {
  phone?: string;
  name?: string;
  insertedAt: Ts;
  status?: ContactStatus;
  optinTime?: Ts | null;
  optoutTime?: Ts | null;
  optinMethod?: string | null;
  optoutMethod?: string | null;
  bspStatus?: BspStatus;
  lastMessageAt?: Ts | null;
  fields?: object;
}

export interface MessageInput {
  contactId: number;
  flow: 'inbound' | 'outbound';
  insertedAt: Ts;
  isHsm?: boolean;
  /** Object -> that JSON; null -> JSON null; 'sql-null' -> SQL NULL. Default {}. */
  errors?: object | null | 'sql-null';
  /** Default 'received' (inbound) / 'sent' (outbound). */
  status?: MessageStatus;
  /** Default 'delivered'. */
  bspStatus?: MessageStatus | null;
  groupId?: number | null;
  /** message_type_enum; default 'text'. */
  type?: string;
  body?: string | null;
  flowId?: number | null;
  userId?: number | null;
  templateId?: number | null;
  groupMessageId?: number | null;
  messageBroadcastId?: number | null;
  flowLabel?: string | null;
  bspMessageId?: string | null;
}

export interface TemplateInput {
  /** Default true (a WhatsApp template); false makes a saved reply. */
  isHsm?: boolean;
  /** Written verbatim (any case, legacy values, null). Default 'UTILITY' for a template, NULL for a saved reply. */
  category?: string | null;
  /** Default `Template <n>`; unique per org and language. */
  label?: string;
  /** Default derived from the label. */
  shortcode?: string;
  /** Default 'APPROVED' for a template, NULL for a saved reply. */
  status?: string | null;
  body?: string;
  /** message_type_enum; default 'text'. */
  type?: string;
  /** Per-language variants, each with its own category in Glific. */
  translations?: object;
  insertedAt?: Ts;
}

export interface FlowInput {
  isBackground?: boolean;
  keywords?: string[];
  insertedAt?: Ts;
}

export interface FlowContextInput {
  flowId: number;
  contactId: number | null;
  insertedAt: Ts;
  completedAt?: Ts | null;
  status?: 'published' | 'draft';
  parentId?: number | null;
  isKilled?: boolean;
  isBackground?: boolean;
  reason?: string | null;
}

export interface ConversationInput {
  conversationId: string;
  insertedAt: Ts;
  messageId?: number | null;
  isBillable?: boolean;
  deductionType?: string;
  /**
   * The billing event's pricing model: 'CBP' (conversation-based, until 2025-06-30; default) or
   * 'PMP' (per-message pricing: a free-entry-point event, deductions.type 'FEP').
   */
  model?: 'CBP' | 'PMP';
}

export type StatMetric =
  | 'contacts' | 'active' | 'optin' | 'optout' | 'messages' | 'inbound' | 'outbound' | 'hsm'
  | 'flows_started' | 'flows_completed' | 'users' | 'conversations';

export type StatInput = {
  period: 'hour' | 'day' | 'week' | 'month' | 'summary';
  /** UTC date 'YYYY-MM-DD'. */
  date: string;
  /** UTC hour for 'hour' rows; 0 otherwise. */
  hour?: number;
  /** Generation time; default the end of the window (as the hourly job writes it). */
  insertedAt?: Ts;
} & Partial<Record<StatMetric, number>>;

export interface UserInput {
  phone: string;
  name: string;
  password?: string;
  roles?: string[];
  email?: string | null;
  lastLoginAt?: Ts | null;
  insertedAt?: Ts;
}

export interface GroupMessageInput {
  memberContactIds: number[];
  insertedAt: Ts;
  /** An existing collection; by default a new one is made with the members in it. */
  groupId?: number;
  body?: string;
  isHsm?: boolean;
}

const STAT_METRICS: StatMetric[] = [
  'contacts', 'active', 'optin', 'optout', 'messages', 'inbound', 'outbound', 'hsm',
  'flows_started', 'flows_completed', 'users', 'conversations',
];

const DEFAULT_ORG_TIME = '2020-01-01 00:00:00';
const SIMULATOR_NAMES = ['One', 'Two', 'Three', 'Four', 'Five'];

/** A timestamp as a UTC wall-clock string, kept verbatim when it already is one. */
export function ts(v: Ts): string {
  if (typeof v === 'string') return v;
  if (Number.isNaN(v.getTime())) throw new Error('invalid Date');
  return v.toISOString().replace('T', ' ').replace('Z', '');
}

function tsOrNull(v: Ts | null | undefined): string | null {
  return v == null ? null : ts(v);
}

function orgFlags(status: string): { isActive: boolean; isApproved: boolean; isSuspended: boolean } {
  switch (status) {
    case 'active': return { isActive: true, isApproved: true, isSuspended: false };
    case 'approved': return { isActive: false, isApproved: true, isSuspended: false };
    case 'forced_suspension': return { isActive: true, isApproved: true, isSuspended: true };
    default: return { isActive: false, isApproved: false, isSuspended: false };
  }
}

/** Message fields of a send whose BSP `failed` event carried `code` (null: no code). */
export function failedSend(code: number | null, reason?: string | null): Pick<MessageInput, 'status' | 'bspStatus' | 'errors'> {
  return { status: 'sent', bspStatus: 'error', errors: failedPayload(code, reason) };
}

/** Message fields of a send the BSP refused outright (no bsp_message_id, the response body in errors). */
export function refusedSend(message: string, code?: number): Pick<MessageInput, 'status' | 'bspStatus' | 'errors' | 'bspMessageId'> {
  return { status: 'sent', bspStatus: 'error', errors: refusedPayload(message, code), bspMessageId: null };
}

/** Message fields of a send Glific could not hand to the BSP at all (status 'error', nothing from the BSP). */
export function erroredSend(): Pick<MessageInput, 'status' | 'bspStatus' | 'bspMessageId'> {
  return { status: 'error', bspStatus: null, bspMessageId: null };
}

export { failedPayload, refusedPayload, FAILURE_REASONS } from './delivery.ts';

export class GlificFixture {
  private templateCount = 0;
  private globalIds?: { languageId: number; providerId: number };
  private groupCount = 0;

  /** `db`: a superuser knex on a database where createGlificSchema ran. */
  constructor(readonly db: Knex) {}

  /** Create the schema on an empty database and the global rows every org needs. */
  static async create(db: Knex): Promise<GlificFixture> {
    await createGlificSchema(db);
    const fx = new GlificFixture(db);
    await fx.globals();
    return fx;
  }

  /** global.languages (English, Hindi) and global.providers (Gupshup), created on first use. */
  async globals(): Promise<{ languageId: number; providerId: number }> {
    if (this.globalIds) return this.globalIds;
    await this.db.raw(`
      INSERT INTO global.languages (label, label_locale, locale, is_active, localized, inserted_at, updated_at)
      VALUES ('English', 'English', 'en', true, true, '2020-01-01', '2020-01-01'),
             ('Hindi', 'हिंदी', 'hi', true, true, '2020-01-01', '2020-01-01')
      ON CONFLICT DO NOTHING`);
    await this.db.raw(`
      INSERT INTO global.providers (name, shortcode, "group", is_required, keys, secrets, description, inserted_at, updated_at)
      VALUES ('Gupshup', 'gupshup', 'bsp', true, '{}', '{}', 'BSP provider', '2020-01-01', '2020-01-01')
      ON CONFLICT DO NOTHING`);
    const lang = await this.db.raw(`SELECT id FROM global.languages WHERE locale = 'en' ORDER BY id LIMIT 1`);
    const prov = await this.db.raw(`SELECT id FROM global.providers WHERE shortcode = 'gupshup' LIMIT 1`);
    this.globalIds = { languageId: Number(lang.rows[0].id), providerId: Number(prov.rows[0].id) };
    return this.globalIds;
  }

  async org(o: OrgInput): Promise<OrgHandle> {
    const { languageId, providerId } = await this.globals();
    const status = o.status ?? 'active';
    const flags = orgFlags(status);
    const isActive = o.isActive ?? flags.isActive;
    const isSuspended = o.isSuspended ?? flags.isSuspended;
    const at = ts(o.insertedAt ?? DEFAULT_ORG_TIME);
    const setting = o.setting ?? { send_warning_mail: false, run_flow_each_time: false, allow_bot_number_update: false };
    const trial = o.isTrialOrg ?? false;
    const r = await this.db.raw(
      `INSERT INTO organizations (name, shortcode, email, bsp_id, default_language_id, active_language_ids, contact_id,
         is_active, timezone, inserted_at, updated_at, is_approved, status, is_suspended, suspended_until,
         team_emails, parent_org, setting, deleted_at, out_of_office, is_trial_org, trial_expiration_date)
       VALUES (?, ?, ?, ?, ?, ARRAY[?]::integer[], NULL, ?, ?, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp),
         ?, ?::organization_status_enum, ?, CASE WHEN ? THEN ?::timestamp + interval '8760 hours' END,
         '{}'::jsonb, ?, ?::jsonb, date_trunc('second', ?::timestamp), '{"enabled": false}'::jsonb, ?,
         date_trunc('second', COALESCE(?::timestamp, CASE WHEN ? THEN ?::timestamp + interval '14 days' END)))
       RETURNING id`,
      [
        o.name ?? o.shortcode.toUpperCase(), o.shortcode, o.email === undefined ? `${o.shortcode}@example.org` : o.email,
        providerId, languageId, languageId, isActive, o.timezone === undefined ? 'Asia/Kolkata' : o.timezone, at, at,
        flags.isApproved, status, isSuspended, status === 'forced_suspension', at,
        o.parentOrg === undefined ? o.name ?? o.shortcode : o.parentOrg, JSON.stringify(setting), tsOrNull(o.deletedAt),
        trial, tsOrNull(o.trialExpirationDate), trial && o.trialExpirationDate === undefined, at,
      ],
    );
    const id = Number(r.rows[0].id);
    const mainPhone = `9170${String(id).padStart(8, '0')}`;
    const main = await this.userRow(id, { phone: mainPhone, name: 'NGO Main Account', roles: ['admin'], email: o.email ?? null, insertedAt: at, lastLoginAt: at }, '127.0.0.1');
    await this.db.raw('UPDATE organizations SET contact_id = ? WHERE id = ?', [main.contactId, id]);
    const saas = await this.userRow(id, { phone: SAAS_ADMIN_PHONE, name: 'SaaS Admin', roles: ['admin'], email: null, insertedAt: at });
    const simulatorContactIds: number[] = [];
    for (let i = 0; i < 5; i++) {
      simulatorContactIds.push(
        await this.contact(id, { phone: `${SIMULATOR_PREFIX}_${i + 1}`, name: `Glific Simulator ${SIMULATOR_NAMES[i]}`, insertedAt: at, optinTime: at, optinMethod: 'BSP', bspStatus: 'hsm' }),
      );
    }
    return { id, contactId: main.contactId, adminUserId: main.userId, saasAdminContactId: saas.contactId, saasAdminUserId: saas.userId, simulatorContactIds };
  }

  /** A contact; `optinTime` sets optin_status = true. Returns contacts.id. */
  async contact(orgId: number, c: ContactInput): Promise<number> {
    const { languageId } = await this.globals();
    const idr = await this.db.raw(`SELECT nextval('contacts_id_seq') AS id`);
    const id = Number(idr.rows[0].id);
    const optin = tsOrNull(c.optinTime);
    const optout = tsOrNull(c.optoutTime);
    await this.db.raw(
      `INSERT INTO contacts (id, name, phone, bsp_status, status, language_id, optin_time, optout_time, last_message_at,
         settings, fields, organization_id, inserted_at, updated_at, last_communication_at, optin_method, optin_status,
         optout_method, contact_type, last_message_number, first_message_number, is_org_read, is_org_replied, is_contact_replied)
       VALUES (?, ?, ?, ?::contact_provider_status_enum, ?::contact_status_enum, ?, date_trunc('second', ?::timestamp),
         date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp), '{}'::jsonb, ?::jsonb, ?, ?::timestamp, ?::timestamp,
         date_trunc('second', ?::timestamp), ?, ?, ?, 'WABA', 0, 1, true, true, true)`,
      [
        id, c.name ?? `Contact ${id}`, c.phone ?? `91${9000000000 + id}`, c.bspStatus ?? 'none', c.status ?? 'valid', languageId,
        optin, optout, tsOrNull(c.lastMessageAt), JSON.stringify(c.fields ?? {}), orgId, ts(c.insertedAt), ts(c.insertedAt),
        tsOrNull(c.lastMessageAt), optin ? c.optinMethod ?? 'BSP' : null, optin != null, optout ? c.optoutMethod ?? 'BSP' : null,
      ],
    );
    return id;
  }

  /** A contact_histories row (e.g. 'contact_opted_in' / 'contact_opted_out'). */
  async contactHistory(orgId: number, h: { contactId: number; eventType: string; eventDatetime: Ts; eventLabel?: string; eventMeta?: object }): Promise<number> {
    const at = ts(h.eventDatetime);
    const r = await this.db.raw(
      `INSERT INTO contact_histories (contact_id, event_type, event_label, event_meta, event_datetime, organization_id, inserted_at, updated_at)
       VALUES (?, ?, ?, ?::jsonb, date_trunc('second', ?::timestamp), ?, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp)) RETURNING id`,
      [h.contactId, h.eventType, h.eventLabel ?? h.eventType, JSON.stringify(h.eventMeta ?? {}), at, orgId, at, at],
    );
    return Number(r.rows[0].id);
  }

  /** A message; sender/receiver follow Glific (inbound: contact -> org contact, outbound: reverse). */
  async message(orgId: number, m: MessageInput): Promise<number> {
    const orgContact = await this.orgContactId(orgId);
    const inbound = m.flow === 'inbound';
    const errors = m.errors === 'sql-null' ? null : JSON.stringify(m.errors === undefined ? {} : m.errors);
    const at = ts(m.insertedAt);
    const display = m.groupId != null && m.contactId === orgContact;
    // Message number: the group's counter for display rows, else the contact's (the trigger's rule).
    const numberSql = display
      ? `UPDATE groups SET last_message_number = last_message_number + 1,
           last_communication_at = GREATEST(last_communication_at, date_trunc('second', ?::timestamp))
         WHERE id = ? RETURNING last_message_number AS n`
      : `UPDATE contacts SET last_message_number = last_message_number + 1,
           last_communication_at = GREATEST(last_communication_at, date_trunc('second', ?::timestamp)),
           ${inbound ? `last_message_at = GREATEST(last_message_at, date_trunc('second', ?::timestamp)), is_org_read = false, is_org_replied = false, is_contact_replied = true,` : 'is_org_replied = true, is_contact_replied = false,'}
           updated_at = GREATEST(updated_at, ?::timestamp)
         WHERE id = ? RETURNING last_message_number AS n`;
    const num = await this.db.raw(numberSql, display ? [at, m.groupId as number] : inbound ? [at, at, at, m.contactId] : [at, at, m.contactId]);
    if (num.rows.length === 0) throw new Error(`fixture: no ${display ? 'group' : 'contact'} ${display ? m.groupId : m.contactId}`);
    const r = await this.db.raw(
      `INSERT INTO messages (uuid, body, type, is_hsm, flow, status, bsp_message_id, bsp_status, errors, message_number,
         sender_id, receiver_id, contact_id, user_id, organization_id, inserted_at, updated_at, session_uuid, flow_label,
         flow_id, group_id, interactive_content, group_message_id, template_id, message_broadcast_id, sent_at)
       VALUES (?::uuid, ?, ?::message_type_enum, ?, ?::message_flow_enum, ?::message_status_enum, ?, ?::message_status_enum, ?::jsonb, ?,
         ?, ?, ?, ?, ?, ?::timestamp, ?::timestamp, ?::uuid, ?, ?, ?, '{}'::jsonb, ?, ?, ?, CASE WHEN ? THEN date_trunc('second', ?::timestamp) END)
       RETURNING id`,
      [
        randomUUID(), m.body === undefined ? (inbound ? 'Hi' : 'Hello from the NGO') : m.body, m.type ?? 'text', m.isHsm ?? false,
        m.flow, m.status ?? (inbound ? 'received' : 'sent'), m.bspMessageId === undefined ? randomUUID() : m.bspMessageId,
        m.bspStatus === undefined ? 'delivered' : m.bspStatus, errors, Number(num.rows[0].n),
        inbound ? m.contactId : orgContact, inbound ? orgContact : m.contactId, m.contactId, m.userId ?? null, orgId, at, at,
        inbound ? randomUUID() : null, m.flowLabel ?? null, m.flowId ?? null, m.groupId ?? null, m.groupMessageId ?? null,
        m.templateId ?? null, m.messageBroadcastId ?? null, !inbound, at,
      ],
    );
    await this.db.raw(
      `UPDATE organizations SET last_communication_at = GREATEST(last_communication_at, date_trunc('second', ?::timestamp)) WHERE id = ?`,
      [at, orgId],
    );
    return Number(r.rows[0].id);
  }

  /** A session_templates row: a WhatsApp template (isHsm, default) or a saved reply. Returns its id. */
  async template(orgId: number, t: TemplateInput = {}): Promise<number> {
    const { languageId } = await this.globals();
    const hsm = t.isHsm ?? true;
    const n = ++this.templateCount;
    const label = t.label ?? `Template ${n}`;
    const shortcode = t.shortcode ?? `${label.toLowerCase().replace(/[^a-z0-9]+/g, '_').replace(/^_|_$/g, '')}_${n}`;
    const at = ts(t.insertedAt ?? DEFAULT_ORG_TIME);
    const r = await this.db.raw(
      `INSERT INTO session_templates (uuid, label, body, type, is_reserved, is_active, is_source, shortcode, is_hsm, number_parameters,
         language_id, organization_id, inserted_at, updated_at, translations, status, category, has_buttons, buttons, bsp_id,
         allow_template_category_change)
       VALUES (?::uuid, ?, ?, ?::message_type_enum, false, true, false, ?, ?, ?, ?, ?, date_trunc('second', ?::timestamp),
         date_trunc('second', ?::timestamp), ?::jsonb, ?, ?, false, '[]'::jsonb, ?, true)
       RETURNING id`,
      [
        randomUUID(), label, t.body ?? (hsm ? 'Hello {{1}}, this is a message from the NGO.' : 'Thank you for writing to us.'),
        t.type ?? 'text', shortcode, hsm, hsm ? 1 : 0, languageId, orgId, at, at, JSON.stringify(t.translations ?? {}),
        t.status === undefined ? (hsm ? 'APPROVED' : null) : t.status,
        t.category === undefined ? (hsm ? 'UTILITY' : null) : t.category, hsm ? randomUUID() : null,
      ],
    );
    return Number(r.rows[0].id);
  }

  /** Delete a template as Glific does: its sends keep is_hsm but get template_id NULL (ON DELETE SET NULL). */
  async deleteTemplate(templateId: number): Promise<void> {
    const r = await this.db.raw('DELETE FROM session_templates WHERE id = ?', [templateId]);
    if (r.rowCount !== 1) throw new Error(`fixture: no template ${templateId}`);
  }

  /** A collection (group) with members; returns groups.id. */
  async group(orgId: number, g: { label?: string; memberContactIds?: number[]; insertedAt?: Ts } = {}): Promise<number> {
    const at = ts(g.insertedAt ?? DEFAULT_ORG_TIME);
    const r = await this.db.raw(
      `INSERT INTO groups (label, description, is_restricted, organization_id, inserted_at, updated_at, last_message_number, group_type)
       VALUES (?, '', false, ?, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp), 0, 'WABA') RETURNING id`,
      [g.label ?? `Collection ${++this.groupCount}-${randomUUID().slice(0, 8)}`, orgId, at, at],
    );
    const id = Number(r.rows[0].id);
    for (const c of g.memberContactIds ?? []) {
      await this.db.raw(
        `INSERT INTO contacts_groups (contact_id, group_id, organization_id, inserted_at, updated_at)
         VALUES (?, ?, ?, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp)) ON CONFLICT DO NOTHING`,
        [c, id, orgId, at, at],
      );
    }
    return id;
  }

  /** A send to a collection: the "display" row (contact = org contact, group_id set) + one outbound row per member. */
  async groupMessage(orgId: number, g: GroupMessageInput): Promise<{ groupId: number; displayMessageId: number; memberMessageIds: number[] }> {
    const groupId = g.groupId ?? (await this.group(orgId, { memberContactIds: g.memberContactIds, insertedAt: g.insertedAt }));
    const orgContact = await this.orgContactId(orgId);
    const body = g.body ?? 'Announcement to the collection';
    const displayMessageId = await this.message(orgId, { contactId: orgContact, flow: 'outbound', insertedAt: g.insertedAt, groupId, body, isHsm: g.isHsm, bspMessageId: null });
    const memberMessageIds: number[] = [];
    for (const c of g.memberContactIds) {
      memberMessageIds.push(await this.message(orgId, { contactId: c, flow: 'outbound', insertedAt: g.insertedAt, groupId, body, isHsm: g.isHsm, groupMessageId: displayMessageId }));
    }
    return { groupId, displayMessageId, memberMessageIds };
  }

  async flow(orgId: number, name: string, f: FlowInput = {}): Promise<number> {
    const at = ts(f.insertedAt ?? DEFAULT_ORG_TIME);
    const r = await this.db.raw(
      `INSERT INTO flows (name, uuid, version_number, flow_type, ignore_keywords, keywords, organization_id, inserted_at, updated_at,
         respond_other, respond_no_response, is_active, is_background, is_pinned, is_template, skip_validation)
       VALUES (?, ?::uuid, '13.2.0', 'message', false, ?::varchar[], ?, ?::timestamp, ?::timestamp, false, false, true, ?, false, false, false)
       RETURNING id`,
      [name, randomUUID(), f.keywords ?? [name.toLowerCase().replace(/[^a-z0-9]+/g, '')], orgId, at, at, f.isBackground ?? false],
    );
    return Number(r.rows[0].id);
  }

  async flowContext(orgId: number, fc: FlowContextInput): Promise<number> {
    const start = ts(fc.insertedAt);
    const end = tsOrNull(fc.completedAt);
    const r = await this.db.raw(
      `INSERT INTO flow_contexts (node_uuid, flow_uuid, contact_id, flow_id, results, parent_id, completed_at, recent_inbound, recent_outbound,
         inserted_at, updated_at, status, organization_id, is_background_flow, is_await_result, is_killed, reason)
       SELECT ?::uuid, f.uuid, ?, f.id, '{}'::jsonb, ?, date_trunc('second', ?::timestamp), '[]'::jsonb, '[]'::jsonb,
         date_trunc('second', ?::timestamp), date_trunc('second', COALESCE(?::timestamp, ?::timestamp)), ?, ?, ?, false, ?, ?
       FROM flows f WHERE f.id = ? AND f.organization_id = ?
       RETURNING id`,
      [
        randomUUID(), fc.contactId, fc.parentId ?? null, end, start, end, start, fc.status ?? 'published', orgId,
        fc.isBackground ?? false, fc.isKilled ?? false, fc.reason ?? (fc.isKilled ? 'killed by a newer flow' : null), fc.flowId, orgId,
      ],
    );
    if (r.rows.length === 0) throw new Error(`fixture: flow ${fc.flowId} is not in org ${orgId}`);
    return Number(r.rows[0].id);
  }

  /** A Gupshup billing event (messages_conversations row). */
  async conversation(orgId: number, c: ConversationInput): Promise<number> {
    const at = ts(c.insertedAt);
    const pmp = c.model === 'PMP';
    // A free-entry-point event is free; a conversation-based one is billable unless said otherwise.
    const billable = c.isBillable ?? !pmp;
    const payload = {
      type: 'billing-event',
      payload: {
        deductions: { type: pmp ? 'FEP' : 'regular', model: pmp ? 'PMP' : 'CBP', source: 'whatsapp', billable, category: c.deductionType ?? 'service' },
        references: { id: randomUUID(), gsId: randomUUID(), conversationId: c.conversationId, destination: '919999999999' },
      },
    };
    const r = await this.db.raw(
      `INSERT INTO messages_conversations (conversation_id, deduction_type, is_billable, message_id, organization_id, payload, inserted_at, updated_at)
       VALUES (?, ?, ?, ?, ?, ?::jsonb, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp)) RETURNING id`,
      [c.conversationId, c.deductionType ?? 'service', billable, c.messageId ?? null, orgId, JSON.stringify(payload), at, at],
    );
    return Number(r.rows[0].id);
  }

  /** A Glific `stats` row; metrics default to 0 (the app never writes NULL). */
  async stat(orgId: number, s: StatInput): Promise<number> {
    const hour = s.period === 'hour' ? s.hour ?? 0 : 0;
    const values = STAT_METRICS.map((k) => s[k] ?? 0);
    const generated = s.insertedAt
      ? ts(s.insertedAt)
      : null;
    const r = await this.db.raw(
      `INSERT INTO stats (${STAT_METRICS.join(', ')}, period, date, hour, organization_id, inserted_at, updated_at)
       VALUES (${STAT_METRICS.map(() => '?').join(', ')}, ?, ?::date, ?, ?,
         date_trunc('second', COALESCE(?::timestamp, ?::date + make_interval(hours => ?))), date_trunc('second', COALESCE(?::timestamp, ?::date + make_interval(hours => ?))))
       RETURNING id`,
      [...values, s.period, s.date, hour, orgId, generated, s.date, s.period === 'hour' ? hour + 1 : 24, generated, s.date, s.period === 'hour' ? hour + 1 : 24],
    );
    return Number(r.rows[0].id);
  }

  /**
   * A user and its contact (same phone); role `staff` unless `roles` says otherwise — `['none']` is
   * what Glific's public registration creates. Returns users.id.
   */
  async user(orgId: number, u: UserInput): Promise<number> {
    return (await this.userRow(orgId, u)).userId;
  }

  /** A user and its contact; both ids. */
  async userRow(orgId: number, u: UserInput, loginFrom: string | null = null): Promise<{ userId: number; contactId: number }> {
    const { languageId } = await this.globals();
    const at = ts(u.insertedAt ?? DEFAULT_ORG_TIME);
    const contactId = await this.contact(orgId, { phone: u.phone, name: u.name, insertedAt: at, optinTime: at, optinMethod: 'registration', bspStatus: 'hsm' });
    const lastLogin = u.lastLoginAt === undefined ? null : tsOrNull(u.lastLoginAt);
    const r = await this.db.raw(
      `INSERT INTO users (phone, password_hash, name, roles, contact_id, organization_id, inserted_at, updated_at, is_restricted,
         last_login_at, last_login_from, language_id, upload_contacts, confirmed_at, email, consent_for_updates)
       VALUES (?, ?, ?, ?::user_roles_enum[], ?, ?, date_trunc('second', ?::timestamp), date_trunc('second', ?::timestamp), false,
         date_trunc('second', ?::timestamp), ?, ?, false, NULL, ?, false)
       RETURNING id`,
      [
        u.phone, hashPassword(u.password ?? FIXTURE_PASSWORD, { iterations: FIXTURE_HASH_ITERATIONS }), u.name, u.roles ?? ['staff'],
        contactId, orgId, at, at, lastLogin, lastLogin ? loginFrom ?? '127.0.0.1' : null, languageId, u.email ?? null,
      ],
    );
    return { userId: Number(r.rows[0].id), contactId };
  }

  private orgContacts = new Map<number, number>();
  private async orgContactId(orgId: number): Promise<number> {
    const known = this.orgContacts.get(orgId);
    if (known) return known;
    const r = await this.db.raw('SELECT contact_id FROM organizations WHERE id = ?', [orgId]);
    const id = r.rows[0]?.contact_id;
    if (id == null) throw new Error(`fixture: org ${orgId} has no contact_id`);
    this.orgContacts.set(orgId, Number(id));
    return Number(id);
  }
}
