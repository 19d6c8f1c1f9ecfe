// conversations (METRICS.md §3, §6): distinct BSP conversation ids among the org's
// messages_conversations rows — billable or not, whatever message or contact they point to —
// per day; a month's or range's count is the union of its days' conversation ids.
import { local } from '../../extract/windows.ts';
import { idFloor } from '../../extract/id-floor.ts';
import { countPairs } from '../distinct.sql.ts';
import { defineFamily, query, takeIdSets } from '../family.ts';

const SQL = countPairs(
  `SELECT DISTINCT mc.organization_id AS org_id, ${local('mc.inserted_at')}::date AS day, mc.conversation_id AS item
     FROM messages_conversations mc JOIN o ON o.org_id = mc.organization_id
    WHERE mc.id >= CAST(:mc_floor AS bigint)
      AND mc.inserted_at >= o.lo AND mc.inserted_at < o.hi AND mc.conversation_id IS NOT NULL`,
  'conversations',
  'text',
);

export const conversations = defineFamily({
  name: 'conversations',
  cost: 2,
  source: 'messages_conversations',
  daySets: 'text',
  keys: {
    conversations: { kind: 'distinct', label: 'Conversations reported by the BSP', stats: 'conversations' },
  },
  async run({ glific, scope }) {
    // The table has no inserted_at index: bound the primary key instead (extract/id-floor.ts).
    const floor = await idFloor(glific, 'messages_conversations', new Date(Math.min(...scope.windows.map((w) => w.lo.getTime()))));
    return takeIdSets(await query(glific, SQL, { ...scope.bindings, mc_floor: floor }), 'conversations', 'text');
  },
});
