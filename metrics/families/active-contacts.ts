// active_contacts (METRICS.md §3, §6): distinct real contacts with at least one inbound message,
// per day; a month's or range's count is the union of its days' contact ids. Taken from the
// ordered pass over each contact's messages that the conversation chain reads
// (families/conversation-windows.ts): the inbound messages are in it already.
import { defineFamily, type FamilyRow, type IdSetRow } from '../family.ts';
import { chainStream } from './conversation-windows.ts';

export const activeContacts = defineFamily({
  name: 'active_contacts',
  // only reads the shared stream: started last, it holds no slot while another query could run
  cost: 0,
  source: 'messages',
  daySets: 'int',
  keys: {
    active_contacts: { kind: 'distinct', label: 'Active contacts' },
  },
  async run(ctx) {
    const rows: FamilyRow[] = [];
    const idSets: IdSetRow[] = [];
    for (const [orgId, chain] of await chainStream(ctx)) {
      for (const [day, contacts] of chain.active) {
        rows.push({ org_id: orgId, day, active_contacts: contacts.length });
        idSets.push({ org_id: orgId, day, key: 'active_contacts', ids: contacts.take() });
      }
      chain.active.clear();
    }
    return { columns: ['org_id', 'day', 'active_contacts'], rows, tables: { idSets } };
  },
});
