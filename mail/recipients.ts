// Who receives a digest: by default the organization's email and its admins' and managers'
// emails from Glific; operators add or remove addresses per org and digest kind in the
// results store (digest_recipients), without code. Addresses are compared case-insensitively.
// Changes belong to an organization id: a new organization that reuses a deleted one's
// shortcode starts with none of them.
import type { Knex } from 'knex';
import type { DigestKind } from './digest-model.ts';

export type RecipientKind = DigestKind | 'all';
export type RecipientAction = 'add' | 'remove';

/** An organization as the recipients know it: its Glific id, and its shortcode as a label. */
export interface OrgRef {
  id: number;
  shortcode: string;
}

export interface RecipientOverride {
  /** null: written for a shortcode before changes were kept by org id, and not adopted yet */
  orgId: number | null;
  orgShortcode: string;
  kind: RecipientKind;
  email: string;
  action: RecipientAction;
  note: string | null;
  updatedAt: Date;
}

export interface ResolvedRecipient {
  email: string;
  source: 'organization' | 'user' | 'operator';
}

export interface Recipients {
  recipients: ResolvedRecipient[];
  /** Addresses left out, and why (invalid, removed by an operator). */
  excluded: Array<{ email: string; reason: string }>;
}

const TABLE = 'digest_recipients';

// Deliberately plain: one @, no spaces or specials, a dotted domain of LDH labels. Glific's
// own data passes through here, so an address that a mail server would refuse is caught early.
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';
const EMAIL = new RegExp(`^[A-Za-z0-9.!#$%&'*+/=?^_\`{|}~-]+@${LABEL}(?:\\.${LABEL})+$`);

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export function isValidEmail(email: string): boolean {
  const e = email.trim();
  if (e.length > 254 || !EMAIL.test(e)) return false;
  const local = e.slice(0, e.lastIndexOf('@'));
  return local.length <= 64 && !local.startsWith('.') && !local.endsWith('.') && !local.includes('..');
}

/** Defaults from the Glific DB (read-only), scoped to one organization. */
export async function defaultRecipients(glificDb: Knex, orgId: number): Promise<Array<{ email: string; source: 'organization' | 'user' }>> {
  const org = await glificDb('organizations').select('email').where({ id: orgId }).first();
  const users: Array<{ email: string }> = await glificDb('users')
    .select('email')
    .where({ organization_id: orgId })
    .whereNotNull('email')
    .andWhere((q) => q.whereRaw(`'admin' = ANY(roles::text[])`).orWhereRaw(`'manager' = ANY(roles::text[])`))
    .orderBy('id');
  const out: Array<{ email: string; source: 'organization' | 'user' }> = [];
  if (org?.email) out.push({ email: org.email, source: 'organization' });
  for (const u of users) out.push({ email: u.email, source: 'user' });
  return out;
}

function toOverride(r: Record<string, any>): RecipientOverride {
  return { orgId: r.org_id === null ? null : Number(r.org_id), orgShortcode: r.org_shortcode, kind: r.kind, email: r.email, action: r.action, note: r.note ?? null, updatedAt: r.updated_at };
}

/**
 * Changes the store could not place by org id when it was upgraded (made for an org that had not
 * run yet) go to the organization that has that shortcode now, once; a change it already has
 * for the same address and kind wins.
 */
export async function adoptUnplacedChanges(reportsDb: Knex, org: OrgRef): Promise<void> {
  await reportsDb.raw(
    `UPDATE ${TABLE} u SET org_id = ? WHERE u.org_id IS NULL AND u.org_shortcode = ?
        AND NOT EXISTS (SELECT 1 FROM ${TABLE} x WHERE x.org_id = ? AND x.kind = u.kind AND x.email = u.email)`,
    [org.id, org.shortcode, org.id],
  );
}

/** Overrides in force for one digest kind ('all' rows included). */
export async function recipientOverrides(reportsDb: Knex, org: OrgRef, kind: DigestKind): Promise<RecipientOverride[]> {
  await adoptUnplacedChanges(reportsDb, org);
  const rows = await reportsDb(TABLE).where({ org_id: org.id }).whereIn('kind', [kind, 'all']).orderBy(['email', 'kind']);
  return rows.map(toOverride);
}

/**
 * Defaults plus overrides -> the list to send to. For each address the override of the digest's
 * own kind wins over an 'all' override, which wins over the default. Pure.
 */
export function resolveRecipients(
  defaults: Array<{ email: string; source: 'organization' | 'user' }>,
  overrides: RecipientOverride[],
  kind: DigestKind,
): Recipients {
  const excluded: Recipients['excluded'] = [];
  const decided = new Map<string, RecipientAction>();
  for (const specificity of ['all', kind] as const) {
    for (const o of overrides) if (o.kind === specificity) decided.set(normalizeEmail(o.email), o.action);
  }
  const seen = new Set<string>();
  const recipients: ResolvedRecipient[] = [];
  const consider = (raw: string, source: ResolvedRecipient['source']) => {
    const email = normalizeEmail(raw);
    if (seen.has(email)) return;
    seen.add(email);
    if (!isValidEmail(email)) return excluded.push({ email: raw, reason: 'invalid address' });
    if (decided.get(email) === 'remove') return excluded.push({ email, reason: 'removed by an operator' });
    recipients.push({ email, source });
  };
  for (const d of defaults) consider(d.email, d.source);
  for (const [email, action] of decided) if (action === 'add') consider(email, 'operator');
  return { recipients, excluded };
}

/** The effective recipients of one org's digest of one kind. */
export async function digestRecipients(reportsDb: Knex, glificDb: Knex, org: OrgRef, kind: DigestKind): Promise<Recipients> {
  const [defaults, overrides] = await Promise.all([defaultRecipients(glificDb, org.id), recipientOverrides(reportsDb, org, kind)]);
  return resolveRecipients(defaults, overrides, kind);
}

export interface RecipientChange {
  org: OrgRef;
  kind: RecipientKind;
  email: string;
  note?: string;
}

function checkChange(c: RecipientChange): string {
  if (!['daily', 'monthly', 'all'].includes(c.kind)) throw new Error(`kind must be daily, monthly or all, not ${JSON.stringify(c.kind)}`);
  if (!c.org || !Number.isSafeInteger(c.org.id)) throw new Error('an organization (id and shortcode) is required');
  if (!isValidEmail(c.email)) throw new Error(`not a valid email address: ${JSON.stringify(c.email)}`);
  return normalizeEmail(c.email);
}

async function upsert(reportsDb: Knex, c: RecipientChange, action: RecipientAction): Promise<void> {
  const email = checkChange(c);
  await adoptUnplacedChanges(reportsDb, c.org);
  await reportsDb(TABLE)
    .insert({ org_id: c.org.id, org_shortcode: c.org.shortcode, kind: c.kind, email, action, note: c.note ?? null })
    .onConflict(['org_id', 'kind', 'email'])
    .merge({ action, note: c.note ?? null, updated_at: reportsDb.fn.now() });
}

/** Send this org's digests of `kind` ('all': both) to `email` too. */
export async function addRecipient(reportsDb: Knex, c: RecipientChange): Promise<void> {
  await upsert(reportsDb, c, 'add');
}

/** Stop sending this org's digests of `kind` ('all': both) to `email`, even if Glific lists it. */
export async function removeRecipient(reportsDb: Knex, c: RecipientChange): Promise<void> {
  await upsert(reportsDb, c, 'remove');
}

/** Forget an override: the address goes back to what Glific says. Returns whether one existed. */
export async function clearRecipient(reportsDb: Knex, c: Omit<RecipientChange, 'note'>): Promise<boolean> {
  await adoptUnplacedChanges(reportsDb, c.org);
  const n = await reportsDb(TABLE).where({ org_id: c.org.id, kind: c.kind, email: normalizeEmail(c.email) }).del();
  return n > 0;
}

/** The overrides stored, for one org or all (those of deleted orgs and unplaced ones included). */
export async function listRecipients(reportsDb: Knex, filter: { org?: OrgRef; kind?: RecipientKind } = {}): Promise<RecipientOverride[]> {
  const q = reportsDb(TABLE).orderBy(['org_shortcode', 'org_id', 'kind', 'email']);
  if (filter.org) {
    await adoptUnplacedChanges(reportsDb, filter.org);
    q.where({ org_id: filter.org.id });
  }
  if (filter.kind) q.where({ kind: filter.kind });
  return (await q).map(toOverride);
}
