// The delivery ledger: one row per (org id, digest kind, period, recipient). A run sends only what
// it has claimed, and a claim is one atomic UPDATE … RETURNING, so two runs at once never send
// the same digest to the same recipient twice. A live run keeps its claims fresh (refreshClaims);
// a claim older than the claim window belongs to a run that died, and the next run takes it over.
// Each row gets its Message-ID when it is first claimed and keeps it through takeovers and
// retries (only a resend makes a new one), so a copy sent twice after a crash is recognisably the
// same message.
import type { Knex } from 'knex';
import type { DigestKind } from './digest-model.ts';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'previewed';

export interface DigestKey {
  /** Glific organizations.id: a reused shortcode is another organization */
  orgId: number;
  /** the shortcode, kept as the label the row was written under */
  org: string;
  kind: DigestKind;
  period: string;
}

export interface Delivery {
  id: number;
  orgId: number;
  org: string;
  kind: DigestKind;
  period: string;
  recipient: string;
  status: DeliveryStatus;
  attempts: number;
  lastError: string | null;
  lastResponseCode: number | null;
  messageId: string | null;
  claimedBy: string | null;
  claimedAt: Date | null;
  sentAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

const TABLE = 'digest_deliveries';

function toDelivery(r: Record<string, any>): Delivery {
  return {
    id: Number(r.id),
    orgId: Number(r.org_id),
    org: r.org_shortcode,
    kind: r.kind,
    period: r.period,
    recipient: r.recipient,
    status: r.status,
    attempts: r.attempts,
    lastError: r.last_error,
    lastResponseCode: r.last_response_code,
    messageId: r.message_id,
    claimedBy: r.claimed_by,
    claimedAt: r.claimed_at,
    sentAt: r.sent_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

const keyWhere = (k: DigestKey) => ({ org_id: k.orgId, kind: k.kind, period: k.period });

/** Make sure every recipient has a row; existing rows are left as they are. */
export async function ensureDeliveries(db: Knex, key: DigestKey, recipients: string[], now: Date, status: 'pending' | 'previewed' = 'pending'): Promise<void> {
  if (recipients.length === 0) return;
  await db(TABLE)
    .insert(recipients.map((recipient) => ({ ...keyWhere(key), org_shortcode: key.org, recipient, status, created_at: now, updated_at: now })))
    .onConflict(['org_id', 'kind', 'period', 'recipient'])
    .ignore();
}

export interface ClaimOptions {
  runId: string;
  now: Date;
  /** The claim window: a 'sending' row claimed (or refreshed) longer ago than this was left by a crashed run. */
  staleClaimMs: number;
  /** Also take rows already sent or failed before this run started. */
  resend: boolean;
  /** The domain of new Message-IDs (the sender's). */
  messageIdDomain: string;
  /** When the claim is made (default `now`); a run refreshes it while it lives. */
  claimedAt?: Date;
}

/** Would claimDeliveries take this row now? (A hint: the claim itself decides, atomically.) */
export function isDue(d: Delivery, o: Pick<ClaimOptions, 'now' | 'staleClaimMs' | 'resend'>): boolean {
  if (d.status === 'pending' || d.status === 'previewed') return true;
  if (d.status === 'sending') return !!d.claimedAt && d.claimedAt.getTime() < o.now.getTime() - o.staleClaimMs;
  return o.resend && d.updatedAt.getTime() < o.now.getTime();
}

/**
 * Atomically take the rows of these recipients that are due: pending or previewed, stale
 * claims, and with `resend` those finished before `now`. Rows another live run holds, and
 * (without resend) rows already sent or failed, are not returned.
 */
export async function claimDeliveries(db: Knex, key: DigestKey, recipients: string[], o: ClaimOptions): Promise<Delivery[]> {
  if (recipients.length === 0) return [];
  const staleBefore = new Date(o.now.getTime() - o.staleClaimMs);
  const domain = o.messageIdDomain.toLowerCase().replace(/[^a-z0-9.-]/g, '') || 'localhost';
  const rows = await db(TABLE)
    .where(keyWhere(key))
    .whereIn('recipient', recipients)
    .andWhere((q) => {
      q.whereIn('status', ['pending', 'previewed']).orWhere((s) => s.where('status', 'sending').andWhere('claimed_at', '<', staleBefore));
      if (o.resend) q.orWhere((s) => s.whereIn('status', ['sent', 'failed']).andWhere('updated_at', '<', o.now));
    })
    .update({
      status: 'sending',
      claimed_by: o.runId,
      claimed_at: o.claimedAt ?? o.now,
      updated_at: o.now,
      // (the CASE sees the row as it was before this UPDATE) A resend is a new message.
      message_id: db.raw(`CASE WHEN message_id IS NULL OR status IN ('sent', 'failed') THEN '<' || gen_random_uuid() || '@' || ? || '>' ELSE message_id END`, [domain]),
    })
    .returning('*');
  return rows.map(toDelivery);
}

/**
 * Keep this run's claims from expiring while it is still sending (a run longer than the claim
 * window would otherwise have them taken over mid-send). Returns how many rows it still holds.
 */
export async function refreshClaims(db: Knex, runId: string, at: Date): Promise<number> {
  return db(TABLE).where({ claimed_by: runId, status: 'sending' }).update({ claimed_at: at });
}

export interface Finish {
  status: 'sent' | 'pending' | 'failed';
  attempts: number;
  now: Date;
  messageId?: string;
  error?: string;
  responseCode?: number;
}

/** Record the outcome of a claimed row; a row this run no longer holds is left alone. */
export async function finishDelivery(db: Knex, id: number, runId: string, f: Finish): Promise<boolean> {
  const n = await db(TABLE)
    .where({ id, claimed_by: runId, status: 'sending' })
    .update({
      status: f.status,
      attempts: db.raw('attempts + ?', [f.attempts]),
      last_error: f.status === 'sent' ? null : (f.error ?? null)?.slice(0, 2000),
      last_response_code: f.responseCode ?? null,
      message_id: f.status === 'sent' && f.messageId ? f.messageId : db.raw('message_id'),
      sent_at: f.status === 'sent' ? f.now : db.raw('sent_at'),
      claimed_by: null,
      claimed_at: null,
      updated_at: f.now,
    });
  return n > 0;
}

export async function readDeliveries(db: Knex, key: DigestKey, recipients?: string[]): Promise<Delivery[]> {
  const q = db(TABLE).where(keyWhere(key)).orderBy('recipient');
  if (recipients) q.whereIn('recipient', recipients);
  return (await q).map(toDelivery);
}

// Rows of an address an operator removed from that org's digests of that kind: no longer owed,
// no longer reported. The kind's own change wins over an 'all' change (mail/recipients.ts).
const NOT_REMOVED = `NOT EXISTS (
  SELECT 1 FROM digest_recipients r
   WHERE r.org_id = d.org_id AND r.email = d.recipient AND r.action = 'remove'
     AND (r.kind = d.kind OR (r.kind = 'all' AND NOT EXISTS (
       SELECT 1 FROM digest_recipients k WHERE k.org_id = d.org_id AND k.email = d.recipient AND k.kind = d.kind))))`;

/** Digests owed: pending, or claimed by a run ('sending'), oldest first, whatever their age. */
export async function owedDeliveries(db: Knex): Promise<Delivery[]> {
  const rows = await db(`${TABLE} as d`)
    .whereIn('d.status', ['pending', 'sending'])
    .whereRaw(NOT_REMOVED)
    .orderBy(['d.created_at', 'd.org_shortcode', 'd.kind', 'd.period', 'd.recipient'])
    .select('d.*');
  return rows.map(toDelivery);
}

export interface RefusedAddress {
  /** the latest refused digest of this address */
  latest: Delivery;
  /** how many of its digests were refused, and since when */
  refused: number;
  firstRefusedAt: Date;
}

/**
 * Addresses whose latest finished digest of an org was refused for good (5xx): reported until
 * they take mail again or an operator removes them (`recipients remove`).
 */
export async function refusedAddresses(db: Knex): Promise<RefusedAddress[]> {
  const r = await db.raw(
    `SELECT * FROM (
       SELECT DISTINCT ON (d.org_id, d.recipient) d.*,
              count(*) FILTER (WHERE d.status = 'failed') OVER w AS refused,
              min(d.created_at) FILTER (WHERE d.status = 'failed') OVER w AS first_refused_at
         FROM ${TABLE} d
        WHERE d.status IN ('sent', 'failed') AND ${NOT_REMOVED}
       WINDOW w AS (PARTITION BY d.org_id, d.recipient)
        ORDER BY d.org_id, d.recipient, d.updated_at DESC, d.id DESC
     ) x WHERE x.status = 'failed' ORDER BY x.org_shortcode, x.org_id, x.recipient`,
  );
  return r.rows.map((x: Record<string, any>) => ({ latest: toDelivery(x), refused: Number(x.refused), firstRefusedAt: x.first_refused_at }));
}
