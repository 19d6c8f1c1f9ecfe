// conversation_windows (METRICS.md §5): WhatsApp's 24-hour conversations derived from messages.
// The chain is computed in Node from one ordered COPY stream (metrics/conversation-windows.ts);
// its end state per org goes to the store so the next run can continue it, and its state at the
// end of every computed day too, so a rerun of any later day can start there. The same stream
// gives the templates family its customer-service windows and the active_contacts family its
// contacts (chainStream, made once per request).
import { addDays } from '../../lib/calendar.ts';
import { computeChains, continuesStored, planChain, type ChainOutcome } from '../conversation-windows.ts';
import { defineFamily, type FamilyContext, type FamilyRow, type OrgState } from '../family.ts';

/** The ordered pass over the request's messages per contact: chains, service windows and active contacts per org. */
export function chainStream({ glific, scope, chains, once }: FamilyContext): Promise<Map<number, ChainOutcome>> {
  return once('chain-stream', async () => {
    const stored = await chains.load(scope.windows.map((w) => w.orgId));
    // Where the stored chain cannot simply be continued, the state at the end of the day before.
    const behind = scope.windows.filter((w) => !continuesStored(stored.get(w.orgId), w.lo));
    const checkpoints = behind.length ? await chains.checkpoints(behind.map((w) => ({ orgId: w.orgId, day: addDays(w.from, -1) }))) : new Map();
    const plans = scope.windows.map((w) => planChain(w.orgId, w.lo, w.hi, stored.get(w.orgId) ?? null, checkpoints.get(w.orgId) ?? null));
    return computeChains(glific, scope, plans);
  });
}

export const conversationWindows = defineFamily({
  name: 'conversation_windows',
  cost: 14,
  source: 'messages',
  keys: {
    conversation_windows: { kind: 'event', label: 'Conversations (24-hour windows)' },
  },
  async run(ctx) {
    const outcomes = await chainStream(ctx);
    const rows: FamilyRow[] = [];
    const state = new Map<number, Partial<OrgState>>();
    for (const [orgId, chain] of outcomes) {
      state.set(orgId, { chain });
      // Openings of days outside the requested ones (a full recomputation) are left to the store.
      for (const [day, n] of chain.openings) rows.push({ org_id: orgId, day, conversation_windows: n });
    }
    return { columns: ['org_id', 'day', 'conversation_windows'], rows, state };
  },
});
