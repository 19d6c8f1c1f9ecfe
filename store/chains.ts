// The stored conversation chain (see metrics/conversation-windows.ts): where it ends with its state
// there, and its state at the end of every computed day (checkpoints, lib/chain-state.ts).
import type { Knex } from 'knex';
import type { Db } from '../db/connect.ts';
import { decodeChainState, type ChainStateWriter } from '../lib/chain-state.ts';
import type { ChainSeed } from '../metrics/conversation-windows.ts';
import type { ChainStore } from '../metrics/family.ts';
import { DEFINITION_VERSION } from '../metrics/registry.ts';

/**
 * Checkpoints older than this before the newest day a run writes are dropped: Glific keeps about
 * two months of messages, so an older day cannot be recounted from messages anyway.
 */
export const CHECKPOINT_KEEP_DAYS = 120;

export function chainStore(store: Db): ChainStore {
  return {
    async load(orgIds) {
      const out = new Map<number, ChainSeed>();
      if (!orgIds.length) return out;
      const chains = await store('conversation_chains').whereIn('org_id', orgIds).select('org_id', 'chained_until');
      for (const c of chains) out.set(Number(c.org_id), { chainedUntil: c.chained_until, seed: new Map() });
      const state = await store('conversation_chain_state').whereIn('org_id', orgIds).select('org_id', 'contact_id', 'last_opened_us');
      for (const s of state) out.get(Number(s.org_id))?.seed.set(Number(s.contact_id), Number(s.last_opened_us));
      return out;
    },
    async checkpoints(at) {
      const out = new Map<number, ChainSeed>();
      if (!at.length) return out;
      const { rows } = await store.raw<{ rows: Array<{ org_id: string; at_us: string; state: Buffer }> }>(
        `SELECT c.org_id, c.at_us, c.state
           FROM chain_checkpoints c
           JOIN unnest(CAST(? AS bigint[]), CAST(? AS date[])) AS w(org_id, day) ON w.org_id = c.org_id AND w.day = c.day
          WHERE c.definition_version = ?`,
        [at.map((a) => a.orgId), at.map((a) => a.day), DEFINITION_VERSION],
      );
      for (const r of rows) {
        const atUs = Number(r.at_us);
        out.set(Number(r.org_id), { chainedUntil: new Date(atUs / 1000), seed: decodeChainState(r.state, atUs) });
      }
      return out;
    },
  };
}

/** Store the chain's state at the end of each computed day, replacing what earlier runs stored. */
export async function writeCheckpoints(trx: Knex.Transaction, orgId: number, checkpoints: Map<string, ChainStateWriter>, runId: number, now: Date): Promise<void> {
  if (!checkpoints.size) return;
  for (const [day, state] of checkpoints) {
    await trx.raw(
      `INSERT INTO chain_checkpoints (org_id, day, at_us, state, contacts, definition_version, run_id, computed_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (org_id, day) DO UPDATE
         SET at_us = EXCLUDED.at_us, state = EXCLUDED.state, contacts = EXCLUDED.contacts,
             definition_version = EXCLUDED.definition_version, run_id = EXCLUDED.run_id, computed_at = EXCLUDED.computed_at`,
      [orgId, day, state.atUs, state.bytes(), state.count, DEFINITION_VERSION, runId, now],
    );
  }
  const newest = [...checkpoints.keys()].sort().at(-1)!;
  await trx.raw(`DELETE FROM chain_checkpoints WHERE org_id = ? AND day < CAST(? AS date) - ?::int`, [orgId, newest, CHECKPOINT_KEEP_DAYS]);
}
