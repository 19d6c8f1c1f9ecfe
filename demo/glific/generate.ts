// A realistic, deterministic Glific database for the demo and for load tests.
//
// Everything bulky is set-based SQL inside ONE transaction on one connection: contacts and
// messages come from generate_series, and every random choice is a hash of (seed, row key,
// stream) — pg_temp.r() below, built on PostgreSQL's hashint8extended — so the same seed and
// options give the same rows, and Node's memory does not grow with the data. Messages are loaded
// one history day at a time (all orgs together) with explicit, time-ordered ids, the messages
// indexes and foreign keys dropped during the load and rebuilt afterwards, then ANALYZE.
//
// What real Glific data has and this reproduces (SCHEMA.md): orgs in several zones (+05:30, a DST
// zone, NULL timezone, +05:45, ...), an inactive and a suspended org with a little data, and a
// trial org (is_trial_org) with a full set of data; each org with its NGO Main Account contact
// (organizations.contact_id), SaaS Admin, five simulator contacts and staff users with Glific
// PBKDF2 hashes (one of them with role 'none'); contacts created over time with statuses, opt-ins
// and opt-outs; messages over local daytime hours, simulator traffic, collection sends (display
// row + member rows); WhatsApp templates of every category (current, legacy, any case, NULL),
// sends of deleted templates and saved replies (§13.1); delivery outcomes and failures as Glific
// records them (§13.2: read/delivered, pending, BSP `failed` events with the common codes at
// errors.payload.payload.code, events without a code, sends the BSP refused outright, status
// 'error', errors SQL NULL / JSON null / {}); the customer-service window's exact 24-hour edges
// (edgeRowsSql); flows with published/draft, sub-flow, killed, open and background runs; billing
// events as Glific records them (§13.3: one per conversation before 2025-07-01, repeated ids;
// afterwards only rare free-entry-point ones); Glific `stats` hour/day rows with duplicates and
// gaps, also for `statsDays` days before the message history (as if the messages were purged),
// with the all-time contact totals in day rows before Glific's fix of 2025-10-08. `endDate` and
// `days` place the history anywhere, e.g. across 2025-07-01 or 2026-10-01.
//
// Demo logins: every org's user "Programme Admin" (phone DEMO_ADMIN_PHONE(orgIndex)) has password
// DEMO_PASSWORD; all generated users share it. Hashes use GENERATED_HASH_ITERATIONS iterations.
import type { Knex } from 'knex';
import { createHash } from 'node:crypto';
import { GlificFixture } from './fixture.ts';
import { FAILURE_REASONS, refusedPayload } from './delivery.ts';
import { addDays } from '../../lib/calendar.ts';
import { hashPassword } from '../../serve/password.ts';

export interface GenerateOptions {
  seed?: number;
  /** Regular (active) orgs; an inactive, a suspended and a trial org are added on top. */
  orgs?: number;
  contactsPerOrg?: number;
  days?: number;
  /** Per org, on average. */
  messagesPerDay?: number;
  /** Last generated day, 'YYYY-MM-DD' (UTC calendar). Default: yesterday (from `now`). */
  endDate?: string;
  /** Days of Glific `stats` rows before the message history (purged history). Default 30. */
  statsDays?: number;
  /** Only to derive the default endDate. */
  now?: Date;
  onProgress?: (stage: string, done: number, total: number) => void;
}

export interface GeneratedOrg {
  id: number;
  shortcode: string;
  timezone: string | null;
}

export interface GenerateResult {
  orgs: GeneratedOrg[];
  messages: number;
  contacts: number;
}

export const DEMO_PASSWORD = 'Secret1234!';
export const GENERATED_HASH_ITERATIONS = 1000;
export function DEMO_ADMIN_PHONE(orgIndex: number): string {
  return `9198${String(orgIndex).padStart(2, '0')}000001`;
}

// Zones of the regular orgs, in order; org 3 has NULL (rows written outside Ecto).
const ZONES: Array<string | null> = ['Asia/Kolkata', 'America/New_York', null, 'Asia/Kathmandu', 'Africa/Nairobi', 'Europe/London', 'America/Sao_Paulo', 'Asia/Jakarta'];
const COUNTRY: Record<string, string> = {
  'Asia/Kolkata': '91', 'America/New_York': '1', 'Asia/Kathmandu': '977', 'Africa/Nairobi': '254',
  'Europe/London': '44', 'America/Sao_Paulo': '55', 'Asia/Jakarta': '62',
};
const ORG_NAMES = [
  'Akshar Shiksha Trust', 'Bright Futures Foundation', 'Kishori Health Collective', 'Sahayog Nepal',
  'Maji Safi Kenya', 'Learning Circles UK', 'Escola Viva', 'Anak Cerdas',
];

// Local hour-of-day weights of message traffic (people write in the day and the evening).
const HOUR_WEIGHTS = [0.25, 0.12, 0.08, 0.08, 0.15, 0.5, 1.4, 3, 5, 6.8, 7.4, 7.1, 6.3, 5.6, 5.2, 5.2, 5.6, 6.4, 7.4, 8, 7.2, 5.2, 3, 1.1];
const HOUR_THRESHOLDS = (() => {
  const total = HOUR_WEIGHTS.reduce((a, b) => a + b, 0);
  let acc = 0;
  const t: number[] = [];
  for (let h = 0; h < 23; h++) {
    acc += HOUR_WEIGHTS[h] / total;
    t.push(Number(acc.toFixed(6)));
  }
  return `ARRAY[${t.join(',')}]::float8[]`;
})();

const INBOUND_BODIES = ['Hi', 'hello', 'Yes', 'No', '1', '2', '3', 'Thank you', 'thanks!', 'Ok', 'HELP', 'menu', 'quiz',
  'नमस्ते', 'हाँ', 'धन्यवाद', 'When is the next session?', 'My child is sick today', 'Registration', 'draft:quiz', '👍', 'stop',
  'Can you send the worksheet again?', 'Habari', 'Obrigado', 'Terima kasih'];
const OUTBOUND_BODIES = ['Welcome! Reply 1 to register, 2 for the quiz, 3 for help.', 'Thank you for your answer.',
  "Here is today's activity: read for 15 minutes with your child.", 'Great job! You scored 4 out of 5.',
  "Please share your child's age.", 'नमस्ते! आज की गतिविधि देखें।', 'Your next session is on Saturday at 10 AM.',
  'Sorry, I did not understand. Type *menu* to see options.', 'Please rate this session from 1 to 5.'];

// Each org's session_templates (SCHEMA.md §13.1): WhatsApp templates of every current category,
// in upper, mixed and lower case, legacy categories and a NULL one, a rejected template nobody
// sends, and saved replies (is_hsm false). `slots` weighs how often a template send uses it.
interface TemplateSpec { short: string; label: string; hsm: boolean; category: string | null; status: string | null; body: string; slots: number; hindi?: string }
const TEMPLATES: TemplateSpec[] = [
  { short: 'weekly_pack', label: 'Weekly pack', hsm: true, category: 'MARKETING', status: 'APPROVED', slots: 4, body: 'Hello {{1}}, your weekly learning pack is ready. Reply YES to receive it.' },
  { short: 'meeting_reminder', label: 'Meeting reminder', hsm: true, category: 'UTILITY', status: 'APPROVED', slots: 4, body: 'Reminder: the parent meeting is tomorrow at {{1}}.',
    hindi: 'याद दिलाना: अभिभावक बैठक कल {{1}} बजे है।' },
  { short: 'we_miss_you', label: 'We miss you', hsm: true, category: 'MARKETING', status: 'APPROVED', slots: 3, body: 'Hi {{1}}, we missed you this week! Reply HI to continue.' },
  { short: 'login_code', label: 'Login code', hsm: true, category: 'AUTHENTICATION', status: 'APPROVED', slots: 2, body: '{{1}} is your verification code. Do not share it with anyone.' },
  { short: 'attendance_update', label: 'Attendance update', hsm: true, category: 'Utility', status: 'APPROVED', slots: 2, body: 'Hi {{1}}, your child attended {{2}} sessions this month.' },
  { short: 'holiday_camp', label: 'Holiday camp', hsm: true, category: 'marketing', status: 'APPROVED', slots: 1, body: 'Join our holiday reading camp! Reply YES to register.' },
  { short: 'fee_receipt', label: 'Fee receipt', hsm: true, category: 'TRANSACTIONAL', status: 'APPROVED', slots: 1, body: 'We received your contribution of {{1}}. Thank you!' },
  { short: 'session_alert', label: 'Session alert', hsm: true, category: 'account_update', status: 'APPROVED', slots: 1, body: 'Your session on {{1}} has moved to {{2}}.' },
  { short: 'festival_greetings', label: 'Festival greetings', hsm: true, category: null, status: 'APPROVED', slots: 1, body: 'Warm wishes to you and your family from all of us!' },
  { short: 'quiz_results', label: 'Quiz results', hsm: true, category: 'UTILITY', status: 'REJECTED', slots: 0, body: 'Your quiz score is {{1}}.' },
  { short: 'greeting_reply', label: 'Greeting reply', hsm: false, category: null, status: null, slots: 0, body: 'Hello! How can we help you today?' },
  { short: 'office_hours', label: 'Office hours', hsm: false, category: null, status: null, slots: 0, body: 'Our team answers between 9 AM and 5 PM, Monday to Friday.' },
];
// Sends of a template that was deleted since: Glific sets their template_id NULL (ON DELETE SET NULL).
const DELETED_TEMPLATE = { slots: 1, body: 'Happy new year from the whole team!' };
// One entry per slot: the template's shortcode (NULL: deleted) and the body a send of it carries.
const SLOT_SHORTCODES = [...TEMPLATES.flatMap((t) => Array<string | null>(t.slots).fill(t.short)), ...Array<string | null>(DELETED_TEMPLATE.slots).fill(null)];
const SLOT_BODIES = [...TEMPLATES.flatMap((t) => Array<string>(t.slots).fill(t.body)), ...Array<string>(DELETED_TEMPLATE.slots).fill(DELETED_TEMPLATE.body)];
const SAVED_REPLIES = TEMPLATES.filter((t) => !t.hsm);
const UTILITY_TEMPLATE = TEMPLATES.find((t) => t.short === 'meeting_reminder')!;

// WhatsApp/BSP failure codes of `failed` events (SCHEMA.md §13.2) and how often each ends a
// template send or a free-form message: frequency capping (131049) and marketing opt-outs
// (131050) hit templates; the 24-hour rule (131047) and unsupported types hit free-form messages.
const FAILURE_MIX: Array<{ code: number; template: number; freeForm: number }> = [
  { code: 131049, template: 0.36, freeForm: 0.04 },
  { code: 131026, template: 0.18, freeForm: 0.2 },
  { code: 131050, template: 0.12, freeForm: 0 },
  { code: 1002, template: 0.1, freeForm: 0.1 },
  { code: 131048, template: 0.08, freeForm: 0.05 },
  { code: 131047, template: 0, freeForm: 0.38 },
  { code: 131051, template: 0.02, freeForm: 0.12 },
  { code: 471, template: 0.08, freeForm: 0.07 },
  { code: 1003, template: 0.06, freeForm: 0.04 },
];
// Response bodies of sends the BSP refused outright: most without a code, some with a top-level
// "code", one with a code at a path the reports do not read.
const REFUSALS: object[] = [
  { status: 'error', message: 'Invalid Destination' },
  { status: 'error', message: 'Authentication Failed' },
  refusedPayload('<html><body><h1>502 Bad Gateway</h1></body></html>'),
  refusedPayload('Message undeliverable', 131026),
  refusedPayload('Re-engagement message: more than 24 hours have passed since the customer last replied', 131047),
  refusedPayload('Insufficient balance', 1003),
  { payload: { reason: 'Rate limit hit', code: 471 } },
];
// A failure code index (1-based, into FAILURE_MIX) for a uniform random `r`.
function failureCodeIndexSql(r: string, weight: 'template' | 'freeForm'): string {
  const total = FAILURE_MIX.reduce((a, f) => a + f[weight], 0);
  let acc = 0;
  const arms = FAILURE_MIX.map((f, i) => {
    acc += f[weight] / total;
    return f[weight] > 0 && i < FAILURE_MIX.length - 1 ? `WHEN ${r} < ${acc.toFixed(6)} THEN ${i + 1}` : '';
  }).filter(Boolean);
  return `CASE ${arms.join(' ')} ELSE ${FAILURE_MIX.length} END`;
}
// Glific's per-message-pricing world: from this UTC instant Gupshup sends a conversation id only
// for free-entry-point traffic, so Glific writes messages_conversations rows only for those.
const PER_MESSAGE_PRICING = '2025-07-01';
// Until Glific's fix of 2025-10-08, stats day rows held the all-time number of contacts.
const STATS_CONTACTS_FIX = '2025-10-08';
// Contacts per org kept free of random traffic for the 24-hour-window edge cases (see edgeRowsSql).
const EDGE_CONTACTS = 3;
const FLOWS: Array<{ name: string; background?: boolean; keywords: string[] }> = [
  { name: 'Registration', keywords: ['register', 'registration'] },
  { name: 'Daily Quiz', keywords: ['quiz'] },
  { name: 'Help menu', keywords: ['help', 'menu'] },
  { name: 'Feedback survey', keywords: ['feedback'] },
  { name: 'Opt-in', keywords: ['optin'] },
  { name: 'Parents\' "Check-in" <b>week</b> & more', keywords: ['checkin'] },
  { name: 'Collect details', keywords: [] },
  { name: 'Weekly reminder', background: true, keywords: [] },
];
const FIRST_NAMES = ['Asha', 'Ravi', 'Priya', 'Sunita', 'Amit', 'Fatima', 'John', 'Maria', 'Wanjiru', 'Bishnu', 'Siti', 'Carlos', 'Aarav', 'Meera', 'Ana', 'Kofi'];
const LAST_NAMES = ['Patel', 'Sharma', 'Devi', 'Khan', 'Smith', 'Silva', 'Otieno', 'Gurung', 'Santoso', 'Kumar', 'Mwangi', 'Rao'];

const sqlText = (s: string) => `'${s.replace(/'/g, "''")}'`;
const sqlArray = (xs: string[]) => `ARRAY[${xs.map(sqlText).join(',')}]::text[]`;

function epochDay(date: string): number {
  return Math.round(Date.parse(`${date}T00:00:00Z`) / 86_400_000);
}
function deterministicSalt(seed: number, phone: string, orgId: number): Buffer {
  return createHash('sha256').update(`${seed}:${orgId}:${phone}`).digest().subarray(0, 16);
}

interface OrgSpec {
  index: number;
  shortcode: string;
  name: string;
  timezone: string | null;
  kind: 'regular' | 'inactive' | 'suspended' | 'trial';
  contacts: number;
  messagesPerDay: number;
  /** Messages stop at this history day index (exclusive). */
  activeUntil: number;
  setting: object;
}

// Orgs differ in size a little (mean 1) so they do not look cloned.
const SIZE_FACTORS = [1, 1.1, 0.9, 1.05, 0.95];

function orgSpecs(opts: Required<Pick<GenerateOptions, 'orgs' | 'contactsPerOrg' | 'messagesPerDay' | 'days'>>): OrgSpec[] {
  const specs: OrgSpec[] = [];
  for (let i = 1; i <= opts.orgs; i++) {
    const zone = ZONES[(i - 1) % ZONES.length];
    const base = ORG_NAMES[(i - 1) % ORG_NAMES.length];
    const name = i === 2 ? 'Bright Futures <Foundation> & "Friends"' : i > ORG_NAMES.length ? `${base} ${Math.ceil(i / ORG_NAMES.length)}` : base;
    let setting: object = { send_warning_mail: false, run_flow_each_time: false, allow_bot_number_update: false };
    if (i === 1) setting = { ...setting, report_frequency: 'WEEKLY', bookmarks: { Datastudio: 'https://lookerstudio.google.com/reporting/akshar-demo', 'Programme sheet': 'https://docs.google.com/spreadsheets/d/demo' } };
    if (i === 2) setting = { ...setting, bookmarks: { 'Click me': 'javascript:alert(1)', '<img src=x onerror=alert(1)>': 'https://example.org/?a=1&b=<x>', Dashboard: 'http://example.org/dash' } };
    specs.push({
      index: i, shortcode: `ngo${i}`, name, timezone: zone, kind: 'regular',
      contacts: Math.max(20, Math.round(opts.contactsPerOrg * SIZE_FACTORS[(i - 1) % SIZE_FACTORS.length])),
      messagesPerDay: Math.max(1, Math.round(opts.messagesPerDay * SIZE_FACTORS[(i + 1) % SIZE_FACTORS.length])),
      activeUntil: opts.days, setting,
    });
  }
  const n = opts.orgs;
  const small = Math.max(3, Math.round(opts.messagesPerDay * 0.05));
  const smallContacts = Math.max(20, Math.round(opts.contactsPerOrg * 0.1));
  specs.push({ index: n + 1, shortcode: `ngo${n + 1}-inactive`, name: 'Dormant Initiative', timezone: 'Asia/Kolkata', kind: 'inactive', contacts: smallContacts, messagesPerDay: small, activeUntil: Math.floor(opts.days / 2), setting: {} });
  specs.push({ index: n + 2, shortcode: `ngo${n + 2}-suspended`, name: 'Paused Programme', timezone: 'Africa/Nairobi', kind: 'suspended', contacts: smallContacts, messagesPerDay: small, activeUntil: Math.max(1, opts.days - 3), setting: {} });
  // A trial org from Glific's pool (SCHEMA.md §13.4): active, with a full set of data, but its
  // history belongs to one trial user after another, so no report may show it.
  specs.push({
    index: n + 3, shortcode: `ngo${n + 3}-trial`, name: 'Glific Trial Account', timezone: 'Asia/Kolkata', kind: 'trial',
    contacts: Math.max(20, Math.round(opts.contactsPerOrg * 0.2)), messagesPerDay: Math.max(3, Math.round(opts.messagesPerDay * 0.2)),
    activeUntil: opts.days, setting: { send_warning_mail: false, run_flow_each_time: false, allow_bot_number_update: true },
  });
  return specs;
}

export async function generateGlificData(db: Knex, opts: GenerateOptions = {}): Promise<GenerateResult> {
  const seed = opts.seed ?? 42;
  const orgCount = opts.orgs ?? 3;
  const contactsPerOrg = opts.contactsPerOrg ?? 300;
  const days = opts.days ?? 90;
  const messagesPerDay = opts.messagesPerDay ?? 400;
  const statsDays = opts.statsDays ?? 30;
  const endDate = opts.endDate ?? addDays((opts.now ?? new Date()).toISOString().slice(0, 10), -1);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(endDate)) throw new Error(`endDate must be YYYY-MM-DD, got ${endDate}`);
  if (days < 1 || orgCount < 1 || contactsPerOrg < 10) throw new Error('need days >= 1, orgs >= 1, contactsPerOrg >= 10');
  const progress = opts.onProgress ?? (() => {});
  const startDate = addDays(endDate, -(days - 1));
  const orgCreated = `${addDays(startDate, -statsDays - 120)} 06:00:00`;
  const specs = orgSpecs({ orgs: orgCount, contactsPerOrg, messagesPerDay, days });

  return db.transaction(async (trx) => {
    // No bindings anywhere here: a literal '?' (message bodies) must not become a placeholder.
    const run = (text: string) => trx.raw(text.replace(/\?/g, '\\?'));
    const hasSchema = (await run(`SELECT to_regclass('public.organizations') IS NOT NULL AS ok`)).rows[0].ok;
    const fx = hasSchema ? new GlificFixture(trx) : await GlificFixture.create(trx);
    const { languageId } = await fx.globals();
    await run(`SET LOCAL work_mem = '256MB'; SET LOCAL maintenance_work_mem = '1GB'; SET LOCAL max_parallel_maintenance_workers = 2; SET LOCAL synchronous_commit = off`);
    // JIT-compiling each one-shot, expression-heavy statement costs more than it saves (~0.5 s a day).
    await run('SET LOCAL jit = off');
    await run(`CREATE FUNCTION pg_temp.r(k bigint, s integer) RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (hashint8extended(k, ${Math.trunc(seed)}::bigint * 7919 + s) & 2147483647)::float8 / 2147483648.0 $$`);
    // A deterministic uuid, far cheaper than md5() on every row.
    await run(`CREATE FUNCTION pg_temp.u(k bigint, s integer) RETURNS uuid LANGUAGE sql IMMUTABLE PARALLEL SAFE
      AS $$ SELECT (lpad(to_hex(hashint8extended(k, ${Math.trunc(seed)}::bigint * 7919 + 1000 + s)), 16, '0')
                 || lpad(to_hex(hashint8extended(k, ${Math.trunc(seed)}::bigint * 7919 + 2000 + s)), 16, '0'))::uuid $$`);

    // --- orgs, system rows, users --------------------------------------------------------------
    progress('orgs', 0, specs.length);
    const orgs: Array<OrgSpec & { id: number; contactId: number }> = [];
    for (const s of specs) {
      const h = await fx.org({
        shortcode: s.shortcode, name: s.name, timezone: s.timezone, insertedAt: orgCreated, setting: s.setting,
        email: `programme@${s.shortcode.replace(/-.*/, '')}.example.org`,
        status: s.kind === 'regular' || s.kind === 'trial' ? 'active' : s.kind === 'inactive' ? 'inactive' : 'forced_suspension',
        isActive: s.kind !== 'inactive', isSuspended: s.kind === 'suspended', parentOrg: s.name,
        isTrialOrg: s.kind === 'trial', trialExpirationDate: s.kind === 'trial' ? `${addDays(endDate, 9)} 11:30:00` : null,
      });
      await run(`UPDATE organizations SET team_emails = '{"analytics": "data@${s.shortcode}.example.org", "operations": "ops@${s.shortcode}.example.org"}'::jsonb WHERE id = ${h.id}`);
      const staff: Array<[string, string, string, string]> = [
        [DEMO_ADMIN_PHONE(s.index), 'Programme Admin', 'admin', `admin@${s.shortcode}.example.org`],
        [`9198${String(s.index).padStart(2, '0')}000002`, 'Field Manager', 'manager', `manager@${s.shortcode}.example.org`],
        [`9198${String(s.index).padStart(2, '0')}000003`, 'Helpdesk Staff', 'staff', `staff1@${s.shortcode}.example.org`],
        [`9198${String(s.index).padStart(2, '0')}000004`, 'Volunteer', 'staff', ''],
        // Signed up, never given a role (Glific's default role 'none'), never logged in.
        [`9198${String(s.index).padStart(2, '0')}000005`, 'New Volunteer', 'none', ''],
      ];
      for (const [i, [phone, name, role, email]] of staff.entries()) {
        const lastLoginAt = role === 'none' ? null : `${addDays(endDate, -i * 3)} 0${4 + i}:15:00`;
        await fx.user(h.id, { phone, name, roles: [role], email: email || null, insertedAt: orgCreated, lastLoginAt });
      }
      // Deterministic hashes (the fixture salts randomly): same seed, same database.
      const users = (await run(`SELECT id, phone FROM users WHERE organization_id = ${h.id} ORDER BY id`)).rows as Array<{ id: number; phone: string }>;
      for (const u of users) {
        const hash = hashPassword(DEMO_PASSWORD, { iterations: GENERATED_HASH_ITERATIONS, salt: deterministicSalt(seed, u.phone, h.id) });
        await run(`UPDATE users SET password_hash = ${sqlText(hash)} WHERE id = ${u.id}`);
      }
      orgs.push({ ...s, id: h.id, contactId: h.contactId });
      progress('orgs', orgs.length, specs.length);
    }
    const orgIds = orgs.map((o) => o.id).join(',');

    // --- templates, flows, collections, WhatsApp groups ----------------------------------------
    const sqlOrNull = (v: string | null) => (v == null ? 'NULL' : sqlText(v));
    const hindiId = Number((await run(`SELECT id FROM global.languages WHERE locale = 'hi' ORDER BY id LIMIT 1`)).rows[0]?.id ?? languageId);
    // Glific keeps a template's variants per language, each with its own category.
    const translations = (t: TemplateSpec) =>
      JSON.stringify(t.hindi ? { [hindiId]: { body: t.hindi, category: t.category, status: t.status, language_id: hindiId, number_parameters: 1 } } : {});
    await run(`
      INSERT INTO session_templates (uuid, label, body, type, is_reserved, is_active, is_source, shortcode, is_hsm, number_parameters, language_id,
        organization_id, inserted_at, updated_at, translations, status, category, has_buttons, buttons, bsp_id, quality, allow_template_category_change)
      SELECT md5(${seed} || ':tmpl:' || o.id || ':' || t.n)::uuid, t.label, t.body, 'text', false, true, false, t.short, t.hsm,
        CASE WHEN t.hsm THEN (length(t.body) - length(replace(t.body, '{{', ''))) / 2 ELSE 0 END, ${languageId}, o.id, '${orgCreated}', '${orgCreated}',
        t.tr::jsonb, t.status, t.cat, false, '[]'::jsonb, CASE WHEN t.hsm THEN md5(${seed} || ':bsp:' || o.id || ':' || t.n) END,
        CASE WHEN t.status = 'APPROVED' THEN 'GREEN' END, true
      FROM organizations o, (VALUES ${TEMPLATES.map((t, i) => `(${i + 1}, ${sqlText(t.label)}, ${sqlText(t.short)}, ${t.hsm}, ${sqlOrNull(t.category)}, ${sqlOrNull(t.status)}, ${sqlText(t.body)}, ${sqlText(translations(t))})`).join(',\n        ')})
        AS t(n, label, short, hsm, cat, status, body, tr)
      WHERE o.id IN (${orgIds}) ORDER BY o.id, t.n`);
    await run(`
      INSERT INTO interactive_templates (label, type, interactive_content, language_id, organization_id, inserted_at, updated_at)
      SELECT t.label, t.type::interactive_message_type_enum, t.content::jsonb, ${languageId}, o.id, '${orgCreated}', '${orgCreated}'
      FROM organizations o, (VALUES (1, 'Main menu', 'quick_reply', '{"type": "quick_reply", "content": {"type": "text", "text": "Choose"}, "options": [{"type": "text", "title": "Quiz"}, {"type": "text", "title": "Help"}]}'),
                                    (2, 'Age list', 'list', '{"type": "list", "title": "Age", "items": []}')) AS t(n, label, type, content)
      WHERE o.id IN (${orgIds}) ORDER BY o.id, t.n`);
    await run(`
      INSERT INTO flows (name, uuid, version_number, flow_type, ignore_keywords, keywords, organization_id, inserted_at, updated_at, is_active, is_background, is_pinned)
      SELECT f.name, md5(${seed} || ':flow:' || o.id || ':' || f.n)::uuid, '13.2.0', 'message', false, f.kw::varchar[], o.id, '${orgCreated}', '${orgCreated}', true, f.bg, f.n = 1
      FROM organizations o, (VALUES ${FLOWS.map((f, i) => `(${i + 1}, ${sqlText(f.name)}, ${sqlArray(f.keywords)}, ${f.background ? 'true' : 'false'})`).join(', ')}) AS f(n, name, kw, bg)
      WHERE o.id IN (${orgIds}) ORDER BY o.id, f.n`);
    await run(`
      INSERT INTO groups (label, description, is_restricted, organization_id, inserted_at, updated_at, last_message_number, group_type)
      SELECT g.label, g.descr, false, o.id, '${orgCreated}', '${orgCreated}', 0, 'WABA'
      FROM organizations o, (VALUES (1, 'Parents - Grade 1', 'Parents of grade 1 children'), (2, 'Teachers', 'Teachers in the programme'), (3, 'Pilot <villages>', 'Pilot cohort')) AS g(n, label, descr)
      WHERE o.id IN (${orgIds}) ORDER BY o.id, g.n`);
    await run(`
      INSERT INTO wa_groups (label, bsp_id, organization_id, inserted_at, updated_at)
      SELECT 'Community group', o.id || '-120363' || o.id || '@g.us', o.id, '${orgCreated}', '${orgCreated}' FROM organizations o WHERE o.id IN (${orgIds}) ORDER BY o.id`);

    // --- per-org generation parameters ----------------------------------------------------------
    const maxContact = Number((await run(`SELECT coalesce(max(id), 0) AS m FROM contacts`)).rows[0].m);
    await run(`CREATE TEMP TABLE gen_orgs (org_id bigint PRIMARY KEY, tz text, org_contact bigint, first_contact bigint, c_total bigint, c0 bigint,
      mpd float8, active_until int, cc text, sim_first bigint, tmpl bigint[], saved bigint[], utility_tmpl bigint, edge_first bigint,
      itmpl bigint[], flows bigint[], main_flows bigint[], sub_flow bigint, bg_flow bigint, users bigint[], groups bigint[], wa_group bigint) ON COMMIT DROP`);
    let next = maxContact + 1;
    for (const o of orgs) {
      const c0 = Math.max(5, Math.round(o.contacts * 0.3));
      await run(`INSERT INTO gen_orgs (org_id, tz, org_contact, first_contact, c_total, c0, mpd, active_until, cc)
        VALUES (${o.id}, ${sqlText(o.timezone ?? 'Asia/Kolkata')}, ${o.contactId}, ${next}, ${o.contacts}, ${c0}, ${o.messagesPerDay}, ${o.activeUntil}, ${sqlText(COUNTRY[o.timezone ?? 'Asia/Kolkata'] ?? '91')})`);
      next += o.contacts + EDGE_CONTACTS;
    }
    await run(`UPDATE gen_orgs g SET
      sim_first = (SELECT min(id) FROM contacts c WHERE c.organization_id = g.org_id AND c.phone LIKE '9876543210\\_%'),
      tmpl = (SELECT array_agg(t.id ORDER BY s.slot) FROM unnest(ARRAY[${SLOT_SHORTCODES.map((x) => sqlOrNull(x)).join(',')}]::text[]) WITH ORDINALITY AS s(short, slot)
              LEFT JOIN session_templates t ON t.organization_id = g.org_id AND t.shortcode = s.short),
      saved = (SELECT array_agg(t.id ORDER BY t.id) FROM session_templates t WHERE t.organization_id = g.org_id AND NOT t.is_hsm),
      utility_tmpl = (SELECT t.id FROM session_templates t WHERE t.organization_id = g.org_id AND t.shortcode = ${sqlText(UTILITY_TEMPLATE.short)}),
      edge_first = g.first_contact + g.c_total,
      itmpl = (SELECT array_agg(id ORDER BY id) FROM interactive_templates t WHERE t.organization_id = g.org_id),
      flows = (SELECT array_agg(id ORDER BY id) FROM flows f WHERE f.organization_id = g.org_id),
      main_flows = (SELECT array_agg(id ORDER BY id) FROM flows f WHERE f.organization_id = g.org_id AND NOT f.is_background AND f.name <> 'Collect details'),
      sub_flow = (SELECT id FROM flows f WHERE f.organization_id = g.org_id AND f.name = 'Collect details'),
      bg_flow = (SELECT id FROM flows f WHERE f.organization_id = g.org_id AND f.is_background),
      users = (SELECT array_agg(id ORDER BY id) FROM users u WHERE u.organization_id = g.org_id),
      groups = (SELECT array_agg(id ORDER BY id) FROM groups x WHERE x.organization_id = g.org_id),
      wa_group = (SELECT min(id) FROM wa_groups w WHERE w.organization_id = g.org_id)`);

    // --- contacts -------------------------------------------------------------------------------
    // Contact k (1-based) of an org: k <= c0 existed before the message history; the others are
    // created on history day floor((k - c0 - 1) * days / (c_total - c0)), so on day d the first
    // c0 + ceil(d * (c_total - c0) / days) contacts exist before the day starts. The EDGE_CONTACTS
    // after c_total existed before the history too, opted in; only the window edge cases write to them.
    progress('contacts', 0, 1);
    await run(`
      INSERT INTO contacts (id, name, phone, bsp_status, status, language_id, optin_time, optout_time, last_message_at, settings, fields,
        organization_id, inserted_at, updated_at, last_communication_at, optin_method, optin_status, optin_message_id, optout_method,
        is_org_read, is_org_replied, is_contact_replied, last_message_number, first_message_number, contact_type)
      SELECT x.id, x.name, x.phone, 'none', x.status::contact_status_enum, ${languageId},
        CASE WHEN x.opt = 'in' THEN date_trunc('second', x.ins + make_interval(secs => 30 + x.r3 * 600)) END,
        CASE WHEN x.opt = 'out' THEN date_trunc('second', least(x.ins + make_interval(days => 1 + floor(x.r3 * 40)::int, secs => x.r4 * 86400), TIMESTAMP '${endDate} 23:59:59' - interval '1 hour')) END,
        NULL, '{}'::jsonb,
        CASE WHEN x.r5 < 0.4 THEN jsonb_build_object('age_group', jsonb_build_object('value', (ARRAY['0-3','3-6','6-10'])[1 + floor(x.r6 * 3)::int], 'label', 'Age group', 'type', 'string', 'inserted_at', to_char(x.ins, 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'))) ELSE '{}'::jsonb END,
        x.org_id, x.ins, x.ins, NULL,
        CASE WHEN x.opt = 'in' THEN (ARRAY['BSP','BSP','BSP','Import','WA','registration'])[1 + floor(x.r6 * 6)::int] END,
        x.opt = 'in', NULL,
        CASE WHEN x.opt = 'out' THEN (ARRAY['BSP','BSP','Glific Flows','Number does not exist'])[1 + floor(x.r6 * 4)::int] END,
        true, true, true, 0, 1, 'WABA'
      FROM (
        SELECT g.org_id, g.first_contact + k - 1 AS id, pg_temp.r(g.org_id * 10000000 + k, 31) AS r3, pg_temp.r(g.org_id * 10000000 + k, 32) AS r4,
          pg_temp.r(g.org_id * 10000000 + k, 33) AS r5, pg_temp.r(g.org_id * 10000000 + k, 34) AS r6,
          CASE WHEN g.org_id = (SELECT min(org_id) FROM gen_orgs) AND k = 7 THEN '<script>alert("name")</script>'
               WHEN pg_temp.r(g.org_id * 10000000 + k, 35) < 0.05 THEN NULL
               ELSE (${sqlArray(FIRST_NAMES)})[1 + floor(pg_temp.r(g.org_id * 10000000 + k, 36) * ${FIRST_NAMES.length})::int] || ' ' ||
                    (${sqlArray(LAST_NAMES)})[1 + floor(pg_temp.r(g.org_id * 10000000 + k, 37) * ${LAST_NAMES.length})::int] END AS name,
          g.cc || '7' || lpad((g.org_id * 1000000 + k)::text, 9, '0') AS phone,
          CASE WHEN k > g.c_total THEN 'valid' WHEN s.rs < 0.06 THEN 'invalid' WHEN s.rs < 0.10 THEN 'blocked' WHEN s.rs < 0.11 THEN 'failed' ELSE 'valid' END AS status,
          CASE WHEN k > g.c_total THEN 'in' WHEN s.rs < 0.06 THEN 'out' WHEN s.rs >= 0.11 AND pg_temp.r(g.org_id * 10000000 + k, 38) < 0.72 THEN 'in'
               WHEN s.rs >= 0.11 AND pg_temp.r(g.org_id * 10000000 + k, 38) < 0.76 THEN 'out' ELSE 'none' END AS opt,
          CASE WHEN k <= g.c0 OR k > g.c_total
               THEN (TIMESTAMP '${startDate} 00:00:00' - make_interval(days => 1 + floor(pg_temp.r(g.org_id * 10000000 + k, 39) * ${statsDays + 100})::int,
                      secs => pg_temp.r(g.org_id * 10000000 + k, 40) * 86400))
               ELSE ((DATE '${startDate}' + ((k - g.c0 - 1) * ${days} / (g.c_total - g.c0))::int + make_interval(hours => 7, secs => pg_temp.r(g.org_id * 10000000 + k, 40) * 14 * 3600))::timestamp
                      AT TIME ZONE g.tz) AT TIME ZONE 'UTC' END AS ins
        FROM gen_orgs g, generate_series(1, g.c_total + ${EDGE_CONTACTS}) AS k, LATERAL (SELECT pg_temp.r(g.org_id * 10000000 + k, 30) AS rs) s
      ) x ORDER BY x.id`);
    await run(`SELECT setval('contacts_id_seq', (SELECT max(id) FROM contacts))`);
    // Opted-out contacts are 'invalid' (Glific's opt-out rule); a few opted-out ones were later blocked.
    await run(`UPDATE contacts SET status = 'invalid' WHERE organization_id IN (${orgIds}) AND optout_time IS NOT NULL AND status = 'valid'`);
    await run(`
      INSERT INTO contacts_groups (contact_id, group_id, organization_id, inserted_at, updated_at)
      SELECT c.id, g.groups[n], c.organization_id, date_trunc('second', c.inserted_at), date_trunc('second', c.inserted_at)
      FROM contacts c JOIN gen_orgs g ON g.org_id = c.organization_id, generate_series(1, 3) AS n
      WHERE c.id >= g.first_contact AND pg_temp.r(c.id, 50 + n) < 0.18 ORDER BY c.id, n`);
    await run(`
      INSERT INTO contact_histories (contact_id, event_type, event_label, event_meta, event_datetime, organization_id, inserted_at, updated_at)
      SELECT id, ev, label, meta, t, organization_id, t, t FROM (
        SELECT id, organization_id, 'contact_opted_in' AS ev, 'Opted in via ' || optin_method AS label,
          jsonb_build_object('method', optin_method, 'utc_time', to_char(optin_time, 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) AS meta, optin_time AS t
        FROM contacts WHERE optin_time IS NOT NULL AND organization_id IN (${orgIds})
        UNION ALL
        SELECT id, organization_id, 'contact_opted_out', 'Opted out via ' || optout_method, jsonb_build_object('method', optout_method), optout_time
        FROM contacts WHERE optout_time IS NOT NULL AND organization_id IN (${orgIds})
      ) h ORDER BY t, id`);
    progress('contacts', 1, 1);

    // --- messages -------------------------------------------------------------------------------
    const dropped = await dropMessageIndexes(trx);
    await run(`CREATE TEMP TABLE gen_counters (key bigint PRIMARY KEY, n bigint NOT NULL, last_in timestamp, last_comm timestamp) ON COMMIT DROP`);
    let nextId = Number((await run(`SELECT coalesce(max(id), 0) AS m FROM messages`)).rows[0].m);
    let messages = 0;
    for (let d = 0; d < days; d++) {
      const date = addDays(startDate, d);
      const r = await run(messagesForDaySql({ d, date, dayNo: epochDay(date), days, seed, baseId: nextId }));
      const inserted = Number(r.rows[0]?.n ?? 0);
      messages += inserted;
      nextId += inserted;
      progress('messages', d + 1, days);
    }
    await run(`SELECT setval('messages_id_seq', greatest((SELECT max(id) FROM messages), 1))`);
    progress('indexes', 0, 1);
    await restoreMessageIndexes(trx, dropped);
    progress('indexes', 1, 1);

    // What Glific's message triggers keep on contacts, groups and organizations.
    await run(`
      UPDATE contacts c SET last_message_number = k.n, last_message_at = date_trunc('second', k.last_in),
        last_communication_at = date_trunc('second', k.last_comm), updated_at = greatest(c.updated_at, k.last_comm),
        is_org_read = NOT (k.last_in IS NOT NULL AND k.last_in = k.last_comm), is_org_replied = NOT (k.last_in IS NOT NULL AND k.last_in = k.last_comm),
        is_contact_replied = (k.last_in IS NOT NULL AND k.last_in = k.last_comm)
      FROM gen_counters k WHERE k.key = c.id`);
    await run(`UPDATE groups g SET last_message_number = k.n, last_communication_at = date_trunc('second', k.last_comm) FROM gen_counters k WHERE k.key = -g.id`);
    await run(`UPDATE organizations o SET last_communication_at = x.t FROM (SELECT organization_id, date_trunc('second', max(last_communication_at)) AS t FROM contacts GROUP BY 1) x
      WHERE x.organization_id = o.id AND o.id IN (${orgIds})`);
    // 24-hour session state as the contact_status cron leaves it at the end of the history.
    await run(`UPDATE contacts SET bsp_status = CASE
        WHEN status = 'invalid' OR optout_time IS NOT NULL THEN 'none'
        WHEN last_message_at > TIMESTAMP '${endDate} 23:59:59' - interval '1439 minutes' THEN CASE WHEN optin_time IS NOT NULL THEN 'session_and_hsm' ELSE 'session' END
        WHEN optin_time IS NOT NULL THEN 'hsm' ELSE 'none' END::contact_provider_status_enum
      WHERE organization_id IN (${orgIds}) AND phone NOT LIKE '9876543210%'`);
    await run(`
      INSERT INTO message_broadcasts (flow_id, group_id, message_id, user_id, organization_id, started_at, completed_at, inserted_at, updated_at, type, message_params, default_results, group_ids)
      SELECT NULL, m.group_id, m.id, g.users[1], m.organization_id, date_trunc('second', m.inserted_at), date_trunc('second', m.inserted_at + interval '2 minutes'),
        date_trunc('second', m.inserted_at), date_trunc('second', m.inserted_at + interval '2 minutes'), 'message', '{}'::jsonb, '{}'::jsonb, ARRAY[m.group_id]::integer[]
      FROM messages m JOIN gen_orgs g ON g.org_id = m.organization_id
      WHERE m.group_id IS NOT NULL AND m.contact_id = g.org_contact ORDER BY m.id`);

    // --- flow runs ------------------------------------------------------------------------------
    progress('flows', 0, 1);
    await run(flowContextsSql({ startDate, endDate, days, seed }));
    progress('flows', 1, 1);

    // --- Glific's own stats ---------------------------------------------------------------------
    progress('stats', 0, 1);
    await run(statsSql({ startDate, endDate, statsDays, days, orgIds }));
    progress('stats', 1, 1);

    await run(`
      INSERT INTO notifications (entity, category, message, severity, organization_id, inserted_at, updated_at, is_read)
      SELECT jsonb_build_object('flow_id', g.flows[1]), (ARRAY['Flow','Message','BigQuery','Partner'])[1 + floor(pg_temp.r(g.org_id * 1000 + n, 60) * 4)::int],
        'Something needs attention (' || n || ')', (ARRAY['Critical','Warning','Warning','Information'])[1 + floor(pg_temp.r(g.org_id * 1000 + n, 61) * 4)::int],
        g.org_id, t, t, pg_temp.r(g.org_id * 1000 + n, 62) < 0.5
      FROM gen_orgs g, generate_series(1, 12) AS n,
        LATERAL (SELECT date_trunc('second', TIMESTAMP '${endDate} 00:00:00' - make_interval(secs => pg_temp.r(g.org_id * 1000 + n, 63) * 7 * 86400)) AS t) x
      ORDER BY t`);

    progress('analyze', 0, 1);
    await run('ANALYZE');
    progress('analyze', 1, 1);
    const contacts = Number((await run(`SELECT count(*) AS n FROM contacts WHERE organization_id IN (${orgIds})`)).rows[0].n);
    return { orgs: orgs.map((o) => ({ id: o.id, shortcode: o.shortcode, timezone: o.timezone })), messages, contacts };
  });
}

interface DroppedIndexes {
  indexes: Array<{ name: string; def: string }>;
  fks: Array<{ table: string; name: string; def: string }>;
}

/** Drop the messages indexes (but the pkey) and the FKs checked on insert; their definitions are kept. */
async function dropMessageIndexes(trx: Knex.Transaction): Promise<DroppedIndexes> {
  const indexes = (await trx.raw(`
    SELECT i.relname AS name, pg_get_indexdef(i.oid) AS def FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
    WHERE x.indrelid IN ('public.messages'::regclass, 'public.messages_conversations'::regclass) AND NOT x.indisprimary ORDER BY i.relname`)).rows;
  const fks = (await trx.raw(`
    SELECT conrelid::regclass::text AS table, conname AS name, pg_get_constraintdef(oid) AS def FROM pg_constraint
    WHERE contype = 'f' AND conrelid IN ('public.messages'::regclass, 'public.messages_conversations'::regclass) ORDER BY conname`)).rows;
  for (const f of fks) await trx.raw(`ALTER TABLE ${f.table} DROP CONSTRAINT ${f.name}`);
  for (const i of indexes) await trx.raw(`DROP INDEX ${i.name}`);
  return { indexes, fks };
}

async function restoreMessageIndexes(trx: Knex.Transaction, d: DroppedIndexes): Promise<void> {
  for (const i of d.indexes) await trx.raw(i.def);
  for (const f of d.fks) await trx.raw(`ALTER TABLE ${f.table} ADD CONSTRAINT ${f.name} ${f.def}`);
}

/**
 * One history day of messages for every org (local day `date` in each org's zone): ordinary
 * traffic, simulator traffic, collection sends (display row + member rows) and the 24-hour window
 * edge cases, with explicit ids in time order, per-contact message numbers continuing from
 * gen_counters, delivery outcomes and failures as Glific records them, and the billing events
 * those messages cause.
 */
function messagesForDaySql(p: { d: number; date: string; dayNo: number; days: number; seed: number; baseId: number }): string {
  const { d, date, dayNo, days, seed, baseId } = p;
  const dk = `(o.org_id * 100000 + ${dayNo})`;
  // The billing-event rules of the UTC instants this local day can cover (zones reach ±14 h).
  const conversationBased = date <= PER_MESSAGE_PRICING;
  const perMessage = date >= addDays(PER_MESSAGE_PRICING, -1);
  return `
  WITH o AS (
    SELECT g.*,
      CASE WHEN ${d} >= g.active_until THEN 0 ELSE greatest(0, round(g.mpd
        * CASE WHEN extract(isodow FROM DATE '${date}') IN (6, 7) THEN 0.62 ELSE 1.15 END
        * (0.85 + 0.3 * ${d}::float8 / ${days})
        * (0.75 + 0.5 * pg_temp.r((g.org_id * 100000 + ${dayNo}), 1)))) END::int AS cnt,
      g.c0 + ((${d}::bigint * (g.c_total - g.c0) + ${days} - 1) / ${days}) AS avail
    FROM gen_orgs g
  ),
  normal AS (
    SELECT o.org_id, o.org_contact, o.tmpl, o.saved, o.itmpl, o.main_flows, o.users, k, FALSE AS is_display, FALSE AS is_member, NULL::bigint AS group_id, NULL::bigint AS send_key,
      pg_temp.r(k, 2) AS rf, pg_temp.r(k, 5) AS rc, pg_temp.r(k, 6) AS rs, pg_temp.r(k, 7) AS re, pg_temp.r(k, 8) AS rb, pg_temp.r(k, 9) AS rx,
      CASE WHEN pg_temp.r(k, 6) < 0.015 THEN o.sim_first + floor(pg_temp.r(k, 5) * 5)::bigint
           -- most traffic spread over everyone, some from a small engaged set
           WHEN pg_temp.r(k, 5) < 0.85 THEN o.first_contact + floor(pg_temp.r(k, 5) / 0.85 * o.avail)::bigint
           ELSE o.first_contact + floor((pg_temp.r(k, 5) - 0.85) / 0.15 * greatest(1, o.avail / 10))::bigint END AS contact_id,
      ((DATE '${date}' + make_interval(hours => width_bucket(pg_temp.r(k, 3), ${HOUR_THRESHOLDS}), secs => pg_temp.r(k, 4) * 3599.999))::timestamp
        AT TIME ZONE o.tz) AT TIME ZONE 'UTC' AS ts,
      NULL::bigint AS forced_tmpl
    FROM o, LATERAL (SELECT (${dk} * 1000000 + i) AS k FROM generate_series(1, o.cnt) AS i) s
  ),
  sends AS (
    SELECT o.*, ${dk} AS send_key, o.groups[1 + floor(pg_temp.r(${dk}, 23) * 3)::int] AS gid, pg_temp.r(${dk}, 21) < 0.5 AS hsm,
      ((DATE '${date}' + make_interval(hours => 10, secs => pg_temp.r(${dk}, 22) * 3600))::timestamp AT TIME ZONE o.tz) AT TIME ZONE 'UTC' AS ts
    FROM o WHERE o.cnt > 0 AND pg_temp.r(${dk}, 20) < 0.25
  ),
  grouped AS (
    SELECT s.org_id, s.org_contact, s.tmpl, s.saved, s.itmpl, s.main_flows, s.users, s.send_key * 1000000 + 999999 AS k, TRUE, FALSE, s.gid, s.send_key,
      0.99::float8, 0.5::float8, 0.5::float8, 0.5::float8, 0.5::float8, CASE WHEN s.hsm THEN 0.01 ELSE 0.99 END, s.org_contact, s.ts, NULL::bigint
    FROM sends s
    UNION ALL
    SELECT s.org_id, s.org_contact, s.tmpl, s.saved, s.itmpl, s.main_flows, s.users, s.send_key * 1000000 + 500000 + (cg.contact_id - s.first_contact), FALSE, TRUE, s.gid, s.send_key,
      0.99, 0.5, 0.5, pg_temp.r(s.send_key * 1000000 + cg.contact_id, 7), 0.5, CASE WHEN s.hsm THEN 0.01 ELSE 0.99 END, cg.contact_id, s.ts, NULL::bigint
    FROM sends s JOIN contacts_groups cg ON cg.group_id = s.gid JOIN contacts c ON c.id = cg.contact_id
    WHERE cg.contact_id < s.first_contact + s.avail AND c.status <> 'blocked' AND c.optout_time IS NULL
  ),
  ${edgeRowsSql({ d, date, dayNo, dk })},
  rows AS (SELECT * FROM normal UNION ALL SELECT * FROM grouped UNION ALL SELECT * FROM edge),
  numbered AS (
    SELECT r.*, ${baseId} + row_number() OVER (ORDER BY r.ts, r.is_member, r.k) AS id,
      CASE WHEN r.is_display THEN -r.group_id ELSE r.contact_id END AS ckey,
      CASE WHEN r.is_display OR r.is_member OR r.rf >= 0.45 THEN 'outbound' ELSE 'inbound' END::message_flow_enum AS flow
    FROM rows r
  ),
  shaped AS (
    SELECT n.*,
      (n.flow = 'outbound' AND (n.rx < 0.14 OR (n.is_member OR n.is_display) AND n.rx < 0.5)) AS is_hsm,
      coalesce(c.n, 0) + row_number() OVER (PARTITION BY n.ckey ORDER BY n.ts, n.id) AS msg_no,
      -- every member of a collection send gets the same template
      1 + floor(pg_temp.r(coalesce(n.send_key, n.k), 18) * ${SLOT_SHORTCODES.length})::int AS slot
    FROM numbered n LEFT JOIN gen_counters c ON c.key = n.ckey
  ),
  fated AS (
    SELECT s.*,
      -- outcome of an outbound row: 0 = no failure; 1 = Glific could not hand it to the BSP (status 'error');
      -- 2 = a BSP 'failed' event with a code; 3 = a 'failed' event without a code; 4 = bsp_status 'error'
      -- with no payload kept; 5 = refused outright by the BSP (its response body in errors)
      CASE WHEN s.flow = 'inbound' OR s.is_display THEN 0
           WHEN s.re < 0.002 THEN 1
           WHEN s.re < 0.006 THEN 5
           WHEN s.re < CASE WHEN s.is_hsm THEN 0.075 ELSE 0.024 END THEN 2
           WHEN s.re < CASE WHEN s.is_hsm THEN 0.079 ELSE 0.026 END THEN 3
           WHEN s.re < CASE WHEN s.is_hsm THEN 0.081 ELSE 0.028 END THEN 4
           ELSE 0 END AS fail,
      -- accepted by Glific but never handed to the BSP yet: no bsp_status at all
      s.flow = 'outbound' AND NOT s.is_display AND s.rc >= 0.995 AS unsent,
      CASE WHEN s.flow = 'outbound' AND NOT s.is_hsm AND NOT s.is_display AND NOT s.is_member AND pg_temp.r(s.k, 19) < 0.04
           THEN 1 + floor(pg_temp.r(s.k, 19) * 25 * ${SAVED_REPLIES.length})::int END AS saved_ix
    FROM shaped s
  ),
  ins AS (
    INSERT INTO messages (id, uuid, body, type, is_hsm, flow, status, bsp_message_id, bsp_status, errors, message_number, sender_id, receiver_id,
      contact_id, user_id, organization_id, inserted_at, updated_at, session_uuid, flow_label, flow_id, group_id, interactive_content,
      template_id, interactive_template_id, sent_at, send_at)
    SELECT s.id, pg_temp.u(s.k, 1),
      CASE WHEN s.forced_tmpl IS NOT NULL THEN ${sqlText(UTILITY_TEMPLATE.body)}
           WHEN s.is_hsm THEN (${sqlArray(SLOT_BODIES)})[s.slot]
           WHEN s.saved_ix IS NOT NULL THEN (${sqlArray(SAVED_REPLIES.map((t) => t.body))})[s.saved_ix]
           WHEN s.flow = 'inbound' THEN (${sqlArray(INBOUND_BODIES)})[1 + floor(s.rb * ${INBOUND_BODIES.length})::int]
           ELSE (${sqlArray(OUTBOUND_BODIES)})[1 + floor(s.rb * ${OUTBOUND_BODIES.length})::int] END,
      (CASE WHEN s.flow = 'inbound' THEN CASE WHEN s.rs < 0.08 THEN 'image' WHEN s.rs < 0.1 THEN 'audio' WHEN s.rs < 0.13 THEN 'quick_reply' ELSE 'text' END
            WHEN s.is_hsm OR s.saved_ix IS NOT NULL THEN 'text' WHEN s.rs < 0.06 THEN 'quick_reply' WHEN s.rs < 0.08 THEN 'list' WHEN s.rs < 0.12 THEN 'image' ELSE 'text' END)::message_type_enum,
      s.is_hsm, s.flow,
      (CASE WHEN s.flow = 'inbound' THEN 'received' WHEN s.fail = 1 THEN 'error' WHEN s.unsent AND s.fail = 0 THEN 'enqueued' ELSE 'sent' END)::message_status_enum,
      CASE WHEN s.fail IN (1, 5) OR s.is_display OR (s.unsent AND s.fail = 0) THEN NULL ELSE pg_temp.u(s.k, 2)::text END,
      (CASE WHEN s.flow = 'inbound' THEN 'delivered' WHEN s.fail = 1 THEN NULL WHEN s.fail > 1 THEN 'error' WHEN s.is_display THEN 'enqueued'
            WHEN s.rc < 0.45 THEN 'read' WHEN s.rc < 0.9 THEN 'delivered' WHEN s.rc < 0.975 THEN 'sent' WHEN s.rc < 0.995 THEN 'enqueued' END)::message_status_enum,
      CASE WHEN s.fail IN (2, 3) THEN jsonb_build_object('app', 'GlificNgo' || s.org_id, 'timestamp', (extract(epoch FROM s.ts) * 1000)::bigint + 1500 + floor(pg_temp.r(s.k, 24) * 600000)::bigint,
               'version', 2, 'type', 'message-event',
               'payload', jsonb_build_object('id', 'gBEG' || left(replace(pg_temp.u(s.k, 6)::text, '-', ''), 24), 'gsId', pg_temp.u(s.k, 2)::text, 'type', 'failed',
                 'payload', CASE WHEN s.fail = 3 THEN CASE WHEN pg_temp.r(s.k, 25) < 0.5 THEN '{}'::jsonb ELSE jsonb_build_object('reason', 'Message failed to send') END
                            ELSE jsonb_build_object('code', (ARRAY[${FAILURE_MIX.map((f) => f.code).join(',')}])[s.code_ix],
                                                    'reason', (${sqlArray(FAILURE_MIX.map((f) => FAILURE_REASONS[f.code]))})[s.code_ix]) END))
           WHEN s.fail = 5 THEN (ARRAY[${REFUSALS.map((x) => sqlText(JSON.stringify(x))).join(',')}]::jsonb[])[1 + floor(pg_temp.r(s.k, 26) * ${REFUSALS.length})::int]
           WHEN s.fail = 1 THEN '{}'::jsonb
           WHEN pg_temp.r(s.k, 10) < 0.04 THEN NULL
           WHEN pg_temp.r(s.k, 10) < 0.045 THEN 'null'::jsonb
           ELSE '{}'::jsonb END,
      s.msg_no,
      CASE WHEN s.flow = 'inbound' THEN s.contact_id ELSE s.org_contact END,
      CASE WHEN s.flow = 'inbound' THEN s.org_contact ELSE s.contact_id END,
      s.contact_id,
      CASE WHEN s.flow = 'outbound' AND NOT s.is_hsm AND pg_temp.r(s.k, 11) < 0.05 THEN s.users[1 + floor(pg_temp.r(s.k, 12) * array_length(s.users, 1))::int] END,
      s.org_id, s.ts, s.ts + CASE WHEN s.flow = 'outbound' THEN make_interval(secs => 1 + pg_temp.r(s.k, 13) * 40) ELSE interval '0' END,
      CASE WHEN s.flow = 'inbound' THEN pg_temp.u(s.k, 3) END,
      CASE WHEN s.flow = 'inbound' AND pg_temp.r(s.k, 14) < 0.2 THEN (ARRAY['registration','quiz_answer','help','Feedback, positive'])[1 + floor(pg_temp.r(s.k, 15) * 4)::int] END,
      CASE WHEN s.flow = 'outbound' AND NOT s.is_display AND NOT s.is_member AND pg_temp.r(s.k, 16) < 0.6 THEN s.main_flows[1 + floor(pg_temp.r(s.k, 17) * array_length(s.main_flows, 1))::int] END,
      s.group_id, '{}'::jsonb,
      CASE WHEN s.forced_tmpl IS NOT NULL THEN s.forced_tmpl WHEN s.is_hsm THEN s.tmpl[s.slot] WHEN s.saved_ix IS NOT NULL THEN s.saved[s.saved_ix] END,
      CASE WHEN s.flow = 'outbound' AND NOT s.is_hsm AND s.saved_ix IS NULL AND s.rs < 0.06 THEN s.itmpl[1]
           WHEN s.flow = 'outbound' AND NOT s.is_hsm AND s.saved_ix IS NULL AND s.rs < 0.08 THEN s.itmpl[2] END,
      CASE WHEN s.flow = 'outbound' AND s.fail NOT IN (1, 5) AND NOT (s.unsent AND s.fail = 0) THEN date_trunc('second', s.ts) END,
      NULL
    FROM (SELECT f.*, CASE WHEN f.fail <> 2 THEN NULL WHEN f.is_hsm THEN ${failureCodeIndexSql('pg_temp.r(f.k, 25)', 'template')}
                           ELSE ${failureCodeIndexSql('pg_temp.r(f.k, 25)', 'freeForm')} END AS code_ix
          FROM fated f) s
    ORDER BY s.id
    RETURNING id, contact_id, group_id, sender_id, receiver_id, flow, inserted_at, organization_id, is_hsm, status, bsp_status, errors, template_id, bsp_message_id
  ),
  cnt AS (
    INSERT INTO gen_counters (key, n, last_in, last_comm)
    SELECT CASE WHEN i.group_id IS NOT NULL AND i.sender_id = i.receiver_id THEN -i.group_id ELSE i.contact_id END,
      count(*), max(i.inserted_at) FILTER (WHERE i.flow = 'inbound'), max(i.inserted_at)
    FROM ins i GROUP BY 1
    ON CONFLICT (key) DO UPDATE SET n = gen_counters.n + excluded.n,
      last_in = greatest(gen_counters.last_in, excluded.last_in), last_comm = greatest(gen_counters.last_comm, excluded.last_comm)
    RETURNING 1
  ),
  billed AS (
    SELECT i.*, g.mpd FROM ins i JOIN gen_orgs g ON g.org_id = i.organization_id
    WHERE i.contact_id <> g.org_contact AND i.contact_id NOT BETWEEN g.sim_first AND g.sim_first + 4
      AND i.status <> 'error' AND i.bsp_status IS DISTINCT FROM 'error'
  ),
  conv AS (
    INSERT INTO messages_conversations (conversation_id, deduction_type, is_billable, message_id, organization_id, payload, inserted_at, updated_at)
    SELECT v.cid, v.dtype, v.billable, v.message_id, v.organization_id,
      jsonb_build_object('app', 'GlificNgo' || v.organization_id, 'type', 'billing-event', 'timestamp', (extract(epoch FROM v.t) * 1000)::bigint, 'version', 2,
        'payload', jsonb_build_object('deductions', jsonb_build_object('type', v.dedtype, 'model', v.model, 'source', 'whatsapp', 'billable', v.billable, 'category', v.dtype),
          'references', jsonb_build_object('id', pg_temp.u(v.id, 4), 'gsId', v.gs_id, 'conversationId', v.cid, 'destination', '91xxxxxxxxxx'))),
      v.t, v.t
    FROM (
      ${[
        conversationBased
          ? `-- Conversation-based pricing: an event per conversation, repeated ids, some for messages Glific never found.
      SELECT i.id, i.organization_id, md5(${seed} || ':conv:' || i.contact_id || ':' || floor(extract(epoch FROM i.inserted_at) / 86400)::bigint) AS cid,
        CASE WHEN i.is_hsm THEN CASE WHEN pg_temp.r(i.id, 71) < 0.7 THEN 'marketing' ELSE 'utility' END ELSE 'service' END AS dtype,
        'regular' AS dedtype, 'CBP' AS model, pg_temp.r(i.id, 73) < 0.8 AS billable,
        CASE WHEN pg_temp.r(i.id, 72) < 0.1 THEN NULL ELSE i.id END AS message_id, pg_temp.u(i.id, 5)::text AS gs_id,
        date_trunc('second', i.inserted_at + make_interval(secs => 2 + pg_temp.r(i.id, 74) * 58)) AS t
      FROM billed i
      WHERE i.inserted_at < TIMESTAMP '${PER_MESSAGE_PRICING} 00:00:00'
        AND pg_temp.r(i.id, 70) < CASE WHEN i.flow = 'outbound' THEN 0.35 ELSE 0.15 END`
          : '',
        perMessage
          ? `-- Per-message pricing: only free-entry-point (click-to-WhatsApp ad) sends carry a conversation id,
      -- a few per org and week; deduction_type holds the category, and they are free.
      SELECT i.id, i.organization_id, md5(${seed} || ':fep:' || i.contact_id || ':' || floor(extract(epoch FROM i.inserted_at) / 259200)::bigint) AS cid,
        CASE WHEN NOT i.is_hsm THEN 'service' WHEN upper(t.category) = 'MARKETING' THEN 'marketing' WHEN upper(t.category) = 'AUTHENTICATION' THEN 'authentication'
             ELSE 'utility' END AS dtype,
        'FEP' AS dedtype, 'PMP' AS model, false AS billable, i.id AS message_id, i.bsp_message_id AS gs_id,
        date_trunc('second', i.inserted_at + make_interval(secs => 2 + pg_temp.r(i.id, 74) * 58)) AS t
      FROM billed i LEFT JOIN session_templates t ON t.id = i.template_id
      WHERE i.inserted_at >= TIMESTAMP '${PER_MESSAGE_PRICING} 00:00:00' AND i.flow = 'outbound'
        AND pg_temp.r(i.id, 70) < 0.45 / greatest(1.0, i.mpd * 0.6)`
          : '',
      ].filter(Boolean).join('\n      UNION ALL\n      ')}
    ) v ORDER BY v.t, v.id
    RETURNING 1
  )
  SELECT (SELECT count(*) FROM ins) AS n, (SELECT count(*) FROM cnt) AS counters, (SELECT count(*) FROM conv) AS conversations`;
}

/**
 * The customer-service window's edges (METRICS §3a), on the org's EDGE_CONTACTS, which get no
 * other traffic. On even days (epoch day number) each writes an inbound message at a random
 * instant T between 09:00 and 12:00 local time (contact 3 writes two at the same T); on the next
 * day:
 * - contact 1 is sent the utility template at T + 24 h - 1 µs (inside its window) and at exactly
 *   T + 24 h (outside: the window is (t - 24 h, t]);
 * - contact 2 writes again at exactly T + 24 h (a new window opens) and is sent the utility
 *   template at that same instant, after it (inside: the window includes t itself);
 * - contact 3 writes again at T + 24 h - 1 µs (no new window).
 * All of these are delivered.
 */
function edgeRowsSql(p: { d: number; date: string; dayNo: number; dk: string }): string {
  const { d, date, dayNo, dk } = p;
  const anchor = (dayDate: string, dayNumber: number, j: number) =>
    `((DATE '${dayDate}' + make_interval(hours => 9, secs => pg_temp.r(o.org_id * 100000 + ${dayNumber}, ${27 + j}) * 10800))::timestamp AT TIME ZONE o.tz) AT TIME ZONE 'UTC'`;
  const prev = addDays(date, -1);
  // (slot, edge contact 0-2, outbound utility send?, time)
  const events: Array<[number, number, boolean, string]> = [];
  if (dayNo % 2 === 0) {
    events.push([0, 0, false, anchor(date, dayNo, 0)], [1, 1, false, anchor(date, dayNo, 1)], [2, 2, false, anchor(date, dayNo, 2)], [3, 2, false, anchor(date, dayNo, 2)]);
  } else if (d >= 1) {
    const day = `interval '24 hours'`;
    const tick = `interval '1 microsecond'`;
    events.push(
      [0, 0, true, `${anchor(prev, dayNo - 1, 0)} + ${day} - ${tick}`],
      [1, 0, true, `${anchor(prev, dayNo - 1, 0)} + ${day}`],
      [2, 1, false, `${anchor(prev, dayNo - 1, 1)} + ${day}`],
      [3, 1, true, `${anchor(prev, dayNo - 1, 1)} + ${day}`],
      [4, 2, false, `${anchor(prev, dayNo - 1, 2)} + ${day} - ${tick}`],
    );
  }
  const values = events.length
    ? events.map(([slot, who, out, t]) => `(${slot}, ${who}, ${out}, ${t})`).join(',\n        ')
    : `(0, 0, false, NULL::timestamp)`;
  return `edge AS (
    SELECT o.org_id, o.org_contact, o.tmpl, o.saved, o.itmpl, o.main_flows, o.users, ${dk} * 1000000 + 990000 + e.slot AS k, FALSE AS is_display, FALSE AS is_member,
      NULL::bigint AS group_id, NULL::bigint AS send_key, CASE WHEN e.outbound THEN 0.99 ELSE 0.0 END::float8 AS rf, 0.3::float8 AS rc, 0.5::float8 AS rs,
      0.5::float8 AS re, 0.5::float8 AS rb, CASE WHEN e.outbound THEN 0.01 ELSE 0.99 END::float8 AS rx, o.edge_first + e.who AS contact_id, e.t AS ts,
      CASE WHEN e.outbound THEN o.utility_tmpl END AS forced_tmpl
    FROM o, LATERAL (VALUES ${values}) AS e(slot, who, outbound, t)
    WHERE o.cnt > 0 AND ${events.length > 0}
  )`;
}

/** Flow runs over the whole history: published/draft, completed/killed/open, sub-flows, background and WhatsApp-group runs. */
function flowContextsSql(p: { startDate: string; endDate: string; days: number; seed: number }): string {
  const { startDate, endDate, days, seed } = p;
  return `
  WITH runs AS (
    SELECT g.org_id, g.tz, g.sub_flow, g.bg_flow, g.main_flows, g.wa_group, d, k,
      CASE WHEN pg_temp.r(k, 81) < 0.07 THEN g.bg_flow ELSE g.main_flows[1 + floor(pg_temp.r(k, 82) * array_length(g.main_flows, 1))::int] END AS flow_id,
      CASE WHEN pg_temp.r(k, 89) < 0.01 THEN NULL
           ELSE g.first_contact + floor(pg_temp.r(k, 83) * (g.c0 + ((d::bigint * (g.c_total - g.c0) + ${days} - 1) / ${days})))::bigint END AS contact_id,
      ((DATE '${startDate}' + d + make_interval(hours => width_bucket(pg_temp.r(k, 84), ${HOUR_THRESHOLDS}), secs => pg_temp.r(k, 85) * 3599))::timestamp
        AT TIME ZONE g.tz) AT TIME ZONE 'UTC' AS t0,
      pg_temp.r(k, 86) AS rend, pg_temp.r(k, 87) AS rdur, pg_temp.r(k, 88) AS rdraft
    FROM gen_orgs g, generate_series(0, ${days - 1}) AS d,
      LATERAL (SELECT ((g.org_id * 100000 + d) * 100000 + i) AS k
               FROM generate_series(1, CASE WHEN d >= g.active_until THEN 0 ELSE greatest(1, round(g.mpd * 0.07 * (0.7 + 0.6 * pg_temp.r(g.org_id * 100000 + d, 80))))::int END) AS i) s
  ),
  shaped AS (
    SELECT r.*, date_trunc('second', r.t0) AS ins,
      -- open runs only in the last 14 days (Glific deletes older ones); killed runs get completed_at too
      CASE WHEN r.rend < 0.72 OR (r.rend >= 0.8 AND r.t0 < TIMESTAMP '${endDate} 00:00:00' - interval '13 days')
             THEN date_trunc('second', least(r.t0 + make_interval(secs => 20 + r.rdur * 5400), TIMESTAMP '${endDate} 23:59:59'))
           WHEN r.rend < 0.8 THEN date_trunc('second', least(r.t0 + make_interval(secs => 60 + r.rdur * 86400), TIMESTAMP '${endDate} 23:59:59'))
      END AS done,
      r.rend >= 0.72 AND r.rend < 0.8 AS killed,
      CASE WHEN r.rdraft < 0.03 THEN 'draft' ELSE 'published' END AS status
    FROM runs r
  ),
  parents AS (
    INSERT INTO flow_contexts (node_uuid, flow_uuid, contact_id, flow_id, results, parent_id, wakeup_at, completed_at, recent_inbound, recent_outbound,
      inserted_at, updated_at, status, organization_id, is_background_flow, is_await_result, is_killed, reason, wa_group_id)
    SELECT md5(${seed} || ':node:' || s.k)::uuid, f.uuid, s.contact_id, s.flow_id,
      CASE WHEN s.done IS NOT NULL AND NOT s.killed THEN jsonb_build_object('answer', jsonb_build_object('input', '1', 'category', 'One')) ELSE '{}'::jsonb END,
      NULL, CASE WHEN s.done IS NULL AND s.rdur < 0.3 THEN date_trunc('second', s.t0 + interval '1 day') END,
      s.done, '[]'::jsonb, '[]'::jsonb, s.ins, coalesce(s.done, s.ins), s.status, s.org_id, f.is_background, false, s.killed,
      CASE WHEN s.killed THEN 'killed by a newer flow' END,
      CASE WHEN s.contact_id IS NULL THEN s.wa_group END
    FROM shaped s JOIN flows f ON f.id = s.flow_id
    ORDER BY s.ins, s.k
    RETURNING id, contact_id, organization_id, inserted_at, completed_at, status, is_killed, flow_id
  )
  INSERT INTO flow_contexts (node_uuid, flow_uuid, contact_id, flow_id, results, parent_id, completed_at, recent_inbound, recent_outbound,
    inserted_at, updated_at, status, organization_id, is_background_flow, is_await_result, is_killed)
  SELECT md5(${seed} || ':subnode:' || p.id)::uuid, f.uuid, p.contact_id, f.id, '{}'::jsonb, p.id,
    CASE WHEN p.completed_at IS NOT NULL THEN greatest(p.inserted_at + interval '1 minute', p.completed_at - interval '1 minute') END,
    '[]'::jsonb, '[]'::jsonb, p.inserted_at + interval '1 minute',
    coalesce(greatest(p.inserted_at + interval '1 minute', p.completed_at - interval '1 minute'), p.inserted_at + interval '1 minute'),
    p.status, p.organization_id, false, false, p.is_killed
  FROM parents p JOIN gen_orgs g ON g.org_id = p.organization_id JOIN flows f ON f.id = g.sub_flow
  WHERE p.contact_id IS NOT NULL AND p.flow_id <> g.bg_flow AND pg_temp.r(p.contact_id * 1000003 + extract(epoch FROM p.inserted_at)::bigint, 90) < 0.12
  ORDER BY p.id`;
}

/**
 * Glific's `stats` as its hourly job would have written them (UTC windows, empty hours skipped),
 * from the generated rows for the message history and synthetic hour/day rows for `statsDays`
 * before it; then the defects of §4.6: duplicated rows (retries / delayed runs) and a few
 * skipped hours, and no rows while an org is inactive or suspended.
 */
function statsSql(p: { startDate: string; endDate: string; statsDays: number; days: number; orgIds: string }): string {
  const { startDate, endDate, statsDays, orgIds } = p;
  const histStart = addDays(startDate, -statsDays);
  return `
  WITH ev AS (
    SELECT organization_id AS org, date_trunc('hour', inserted_at) AS h, 1 AS messages, (flow = 'inbound')::int AS inbound, (flow = 'outbound')::int AS outbound,
      is_hsm::int AS hsm, 0 AS contacts, 0 AS fs, 0 AS fc, 0 AS conv, 0 AS active, 0 AS optin, 0 AS optout
    FROM messages WHERE organization_id IN (${orgIds})
    UNION ALL
    SELECT organization_id, date_trunc('hour', inserted_at), 0, 0, 0, 0, (status <> 'blocked')::int, 0, 0, 0, 0, 0, 0 FROM contacts WHERE organization_id IN (${orgIds})
    UNION ALL
    SELECT organization_id, date_trunc('hour', inserted_at), 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0 FROM flow_contexts WHERE organization_id IN (${orgIds})
    UNION ALL
    SELECT organization_id, date_trunc('hour', completed_at), 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0 FROM flow_contexts WHERE organization_id IN (${orgIds}) AND completed_at IS NOT NULL
    UNION ALL
    SELECT organization_id, date_trunc('hour', inserted_at), 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0 FROM messages_conversations WHERE organization_id IN (${orgIds})
    UNION ALL
    SELECT organization_id, date_trunc('hour', last_message_at), 0, 0, 0, 0, 0, 0, 0, 0, 1, (optin_time IS NOT NULL)::int, (optout_time IS NOT NULL)::int
    FROM contacts WHERE organization_id IN (${orgIds}) AND last_message_at IS NOT NULL AND status <> 'blocked'
  ),
  -- Synthetic traffic for the purged days before the message history.
  synth AS (
    SELECT g.org_id AS org, (DATE '${histStart}' + d + make_interval(hours => h))::timestamp AS h,
      round(g.mpd * w.w * 0.93 * (0.75 + 0.5 * pg_temp.r(g.org_id * 1000000 + d * 24 + h, 91)))::int AS messages,
      pg_temp.r(g.org_id * 1000000 + d * 24 + h, 92) AS rin, pg_temp.r(g.org_id * 1000000 + d * 24 + h, 93) AS rx
    FROM gen_orgs g, generate_series(0, ${statsDays - 1}) AS d, generate_series(0, 23) AS h,
      LATERAL (SELECT (ARRAY[${HOUR_WEIGHTS.join(',')}]::float8[])[1 + ((h + 24 + CASE WHEN g.tz = 'America/New_York' THEN -5 WHEN g.tz LIKE 'Asia/K%' THEN 5 WHEN g.tz = 'Africa/Nairobi' THEN 3
          WHEN g.tz = 'America/Sao_Paulo' THEN -3 WHEN g.tz = 'Asia/Jakarta' THEN 7 ELSE 0 END) % 24)] / ${HOUR_WEIGHTS.reduce((a, b) => a + b, 0)} AS w) w
  ),
  hourly AS (
    SELECT org, h, sum(messages) AS messages, sum(inbound) AS inbound, sum(outbound) AS outbound, sum(hsm) AS hsm, sum(contacts) AS contacts,
      sum(fs) AS fs, sum(fc) AS fc, sum(conv) AS conv, sum(active) AS active, sum(optin) AS optin, sum(optout) AS optout
    FROM ev WHERE h >= TIMESTAMP '${histStart} 00:00:00' AND h < TIMESTAMP '${endDate} 00:00:00' + interval '1 day' GROUP BY org, h
    UNION ALL
    SELECT org, h, messages, round(messages * (0.4 + 0.1 * rin))::int, messages - round(messages * (0.4 + 0.1 * rin))::int, round(messages * 0.08 * rx)::int,
      0, round(messages * 0.06)::int, round(messages * 0.045)::int, round(messages * 0.3)::int, round(messages * 0.25)::int, round(messages * 0.18)::int, 0
    FROM synth
  ),
  live AS (
    -- Stats run only while the org is active and not suspended.
    SELECT x.* FROM hourly x JOIN gen_orgs g ON g.org_id = x.org
    WHERE x.h < TIMESTAMP '${startDate} 00:00:00' + make_interval(days => g.active_until)
  ),
  rows AS (
    SELECT org, 'hour' AS period, h::date AS date, extract(hour FROM h)::int AS hour, 0 AS contacts, active, optin, optout, messages, inbound, outbound, hsm,
      fs, fc, 0 AS users, conv, h + interval '1 hour' + interval '12 seconds' AS gen
    FROM live
    UNION ALL
    SELECT org, 'day', date, 0,
      -- Glific's bug until its fix: a day row's contacts held the all-time total, not the new ones
      CASE WHEN date < DATE '${STATS_CONTACTS_FIX}'
           THEN (SELECT count(*) FROM contacts c WHERE c.organization_id = org AND c.status <> 'blocked' AND c.inserted_at < date + 1)
           ELSE contacts END,
      active, optin, optout, messages, inbound, outbound, hsm, fs, fc, (org % 3) + 1, conv, (date + 1)::timestamp + interval '25 seconds'
    FROM (
      SELECT org, h::date AS date, sum(contacts) AS contacts, sum(active) AS active, sum(optin) AS optin, sum(optout) AS optout, sum(messages) AS messages,
        sum(inbound) AS inbound, sum(outbound) AS outbound, sum(hsm) AS hsm, sum(fs) AS fs, sum(fc) AS fc, sum(conv) AS conv
      FROM live GROUP BY org, h::date
    ) d
  ),
  kept AS (
    SELECT * FROM rows
    WHERE NOT (contacts = 0 AND active = 0 AND optin = 0 AND optout = 0 AND messages = 0 AND inbound = 0 AND outbound = 0 AND hsm = 0 AND fs = 0 AND fc = 0 AND conv = 0)
      AND NOT (period = 'hour' AND pg_temp.r(org * 10000000 + (date - DATE '2000-01-01') * 24 + hour, 94) < 0.004)
  ),
  withdups AS (
    SELECT *, 0 AS dup FROM kept
    UNION ALL
    SELECT k.*, 1 FROM kept k
    WHERE pg_temp.r(k.org * 10000000 + (k.date - DATE '2000-01-01') * 24 + k.hour + CASE WHEN k.period = 'day' THEN 500000 ELSE 0 END, 95)
          < CASE WHEN k.period = 'day' THEN 0.05 ELSE 0.02 END
  )
  INSERT INTO stats (contacts, active, optin, optout, messages, inbound, outbound, hsm, flows_started, flows_completed, users, period, date, hour,
    organization_id, inserted_at, updated_at, conversations)
  SELECT contacts, active, optin, optout,
    -- a delayed rerun sees a little more traffic than the first run; a retry sees the same
    messages + CASE WHEN dup = 1 AND hour % 2 = 1 THEN 1 ELSE 0 END, inbound + CASE WHEN dup = 1 AND hour % 2 = 1 THEN 1 ELSE 0 END,
    outbound, hsm, fs, fc, users, period, date, hour, org, date_trunc('second', gen + dup * interval '61 minutes'), date_trunc('second', gen + dup * interval '61 minutes'), conv
  FROM withdups ORDER BY gen + dup * interval '61 minutes', org, period, dup`;
}
