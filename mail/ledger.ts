// The delivery ledger: one row per (org, digest kind, period, recipient). A run sends only what
// it has claimed, and a claim is one atomic UPDATE … RETURNING, so two runs at once never send
// the same digest to the same recipient twice. A claim older than the stale timeout belongs to
// a run that died, and the next run takes it over.
import type { Knex } from 'knex';
import type { DigestKind } from './digest-model.ts';

export type DeliveryStatus = 'pending' | 'sending' | 'sent' | 'failed' | 'previewed';

export interface DigestKey {
  org: string;
  kind: DigestKind;
  period: string;
}

export interface Delivery {
  id: number;
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

const keyWhere = (k: DigestKey) => ({ org_shortcode: k.org, kind: k.kind, period: k.period });

/** Make sure every recipient has a row; existing rows are left as they are. */
export async function ensureDeliveries(db: Knex, key: DigestKey, recipients: string[], now: Date, status: 'pending' | 'previewed' = 'pending'): Promise<void> {
  if (recipients.length === 0) return;
  await db(TABLE)
    .insert(recipients.map((recipient) => ({ ...keyWhere(key), recipient, status, created_at: now, updated_at: now })))
    .onConflict(['org_shortcode', 'kind', 'period', 'recipient'])
    .ignore();
}

export interface ClaimOptions {
  runId: string;
  now: Date;
  /** A 'sending' row claimed longer ago than this was left by a crashed run. */
  staleClaimMs: number;
  /** Also take rows already sent or failed before this run started. */
  resend: boolean;
}

/**
 * Atomically take the rows of these recipients that are due: pending or previewed, stale
 * claims, and with `resend` those finished before `now`. Rows another live run holds, and
 * (without resend) rows already sent or failed, are not returned.
 */
export async function claimDeliveries(db: Knex, key: DigestKey, recipients: string[], o: ClaimOptions): Promise<Delivery[]> {
  if (recipients.length === 0) return [];
  const staleBefore = new Date(o.now.getTime() - o.staleClaimMs);
  const rows = await db(TABLE)
    .where(keyWhere(key))
    .whereIn('recipient', recipients)
    .andWhere((q) => {
      q.whereIn('status', ['pending', 'previewed']).orWhere((s) => s.where('status', 'sending').andWhere('claimed_at', '<', staleBefore));
      if (o.resend) q.orWhere((s) => s.whereIn('status', ['sent', 'failed']).andWhere('updated_at', '<', o.now));
    })
    .update({ status: 'sending', claimed_by: o.runId, claimed_at: o.now, updated_at: o.now })
    .returning('*');
  return rows.map(toDelivery);
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
      message_id: f.status === 'sent' ? (f.messageId ?? null) : db.raw('message_id'),
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

/** Every row in a given state, e.g. for `status` or a report of what is still pending. */
export async function deliveriesByStatus(db: Knex, status: DeliveryStatus[], filter: { org?: string } = {}): Promise<Delivery[]> {
  const q = db(TABLE).whereIn('status', status).orderBy(['org_shortcode', 'kind', 'period', 'recipient']);
  if (filter.org) q.where({ org_shortcode: filter.org });
  return (await q).map(toDelivery);
}
