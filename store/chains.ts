// The stored conversation chain (see metrics/conversation-windows.ts): where it ends with its state
// there, and its state at the end of every computed day (checkpoints, lib/chain-state.ts).
import type { Knex } from 'knex';
import type { Db } from '../db/connect.ts';
import { decodeChainSeed, type ChainStateWriter } from '../lib/chain-state.ts';
import type { ChainSeed, StoredChain } from '../metrics/conversation-windows.ts';
import type { ChainStore } from '../metrics/family.ts';
import { DEFINITION_VERSION } from '../metrics/registry.ts';
import { insertRows } from './insert-rows.ts';

/**
 * Checkpoints older than this before the newest day a run writes are dropped: Glific keeps about
 * two months of messages, so an older day cannot be recounted from messages anyway.
 */
export const CHECKPOINT_KEEP_DAYS = 120;

export function chainStore(store: Db): ChainStore {
  return {
    async load(orgIds) {
      const out = new Map<number, StoredChain>();
      if (!orgIds.length) return out;
      // The state where the chain ends is the checkpoint taken at that instant.
      const { rows } = await store.raw<{ rows: Array<{ org_id: string; chained_until: Date; at_us: string | null; state: Buffer | null; inbound: Buffer | null }> }>(
        `SELECT c.org_id, c.chained_until, k.at_us, k.state, k.inbound
           FROM conversation_chains c
           LEFT JOIN chain_checkpoints k
             ON k.org_id = c.org_id AND k.at_us = (extract(epoch FROM c.chained_until) * 1000000)::bigint AND k.definition_version = ?
          WHERE c.org_id = ANY(CAST(? AS bigint[]))`,
        [DEFINITION_VERSION, orgIds],
      );
      for (const r of rows) {
        const known = r.state && r.at_us !== null;
        out.set(Number(r.org_id), {
          chainedUntil: r.chained_until,
          seed: known ? decodeChainSeed(r.state!, Number(r.at_us)) : null,
          inbound: known && r.inbound ? decodeChainSeed(r.inbound, Number(r.at_us)) : null,
        });
      }
      return out;
    },
    async checkpoints(at) {
      const out = new Map<number, ChainSeed>();
      if (!at.length) return out;
      const { rows } = await store.raw<{ rows: Array<{ org_id: string; at_us: string; state: Buffer; inbound: Buffer | null }> }>(
        `SELECT c.org_id, c.at_us, c.state, c.inbound
           FROM chain_checkpoints c
           JOIN unnest(CAST(? AS bigint[]), CAST(? AS date[])) AS w(org_id, day) ON w.org_id = c.org_id AND w.day = c.day
          WHERE c.definition_version = ?`,
        [at.map((a) => a.orgId), at.map((a) => a.day), DEFINITION_VERSION],
      );
      for (const r of rows) {
        const atUs = Number(r.at_us);
        out.set(Number(r.org_id), { chainedUntil: new Date(atUs / 1000), seed: decodeChainSeed(r.state, atUs), inbound: r.inbound ? decodeChainSeed(r.inbound, atUs) : null });
      }
      return out;
    },
  };
}

/**
 * Store the chain's state at the end of each computed day, with the contacts' latest inbound
 * messages where they are known (null: not known), replacing what earlier runs stored.
 */
export async function writeCheckpoints(
  trx: Knex.Transaction,
  orgId: number,
  checkpoints: Map<string, { state: ChainStateWriter; inbound: ChainStateWriter | null }>,
  runId: number,
  now: Date,
): Promise<void> {
  if (!checkpoints.size) return;
  await insertRows(
    trx,
    (values) => `INSERT INTO chain_checkpoints (org_id, day, at_us, state, inbound, contacts, definition_version, run_id, computed_at)
       VALUES ${values}
       ON CONFLICT (org_id, day) DO UPDATE
         SET at_us = EXCLUDED.at_us, state = EXCLUDED.state, inbound = EXCLUDED.inbound, contacts = EXCLUDED.contacts,
             definition_version = EXCLUDED.definition_version, run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at`,
    [...checkpoints].map(([day, { state, inbound }]) => [orgId, day, state.atUs, state.bytes(), inbound?.bytes() ?? null, state.count, DEFINITION_VERSION, runId, now]),
    { chunk: 200 },
  );
  const newest = [...checkpoints.keys()].sort().at(-1)!;
  await trx.raw(`DELETE FROM chain_checkpoints WHERE org_id = ? AND day < CAST(? AS date) - ?::int`, [orgId, newest, CHECKPOINT_KEEP_DAYS]);
}
