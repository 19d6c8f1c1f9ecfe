// active_contacts (METRICS.md §3, §6): distinct real contacts with at least one inbound message,
// per day; a month's or range's count is the union of its days' contact ids.
import { local } from '../../extract/windows.ts';
import { countPairs } from '../distinct.sql.ts';
import { defineFamily, query, takeIdSets } from '../family.ts';
import { SCOPED_MESSAGES } from '../message-filters.sql.ts';

const SQL = countPairs(
  `SELECT DISTINCT m.organization_id AS org_id, ${local('m.inserted_at')}::date AS day, m.contact_id AS item
     FROM ${SCOPED_MESSAGES} AND m.flow = 'inbound'`,
  'active_contacts',
  'int',
);

export const activeContacts = defineFamily({
  name: 'active_contacts',
  cost: 8,
  source: 'messages',
  daySets: 'int',
  keys: {
    active_contacts: { kind: 'distinct', label: 'Active contacts' },
  },
  run: async ({ glific, scope }) => takeIdSets(await query(glific, SQL, scope.bindings), 'active_contacts', 'int'),
});
