// Loading the stored conversation chain (see metrics/conversation-windows.ts).
import type { Db } from '../db/connect.ts';
import type { ChainStore } from '../metrics/family.ts';

export function chainStore(store: Db): ChainStore {
  return {
    async load(orgIds) {
      const out = new Map<number, { chainedUntil: Date; seed: Map<number, number> }>();
      if (!orgIds.length) return out;
      const chains = await store('conversation_chains').whereIn('org_id', orgIds).select('org_id', 'chained_until');
      for (const c of chains) out.set(Number(c.org_id), { chainedUntil: c.chained_until, seed: new Map() });
      const state = await store('conversation_chain_state').whereIn('org_id', orgIds).select('org_id', 'contact_id', 'last_opened_us');
      for (const s of state) out.get(Number(s.org_id))?.seed.set(Number(s.contact_id), Number(s.last_opened_us));
      return out;
    },
  };
}
