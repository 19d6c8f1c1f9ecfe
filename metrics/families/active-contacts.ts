// active_contacts (METRICS.md §3, §6): distinct real contacts with at least one inbound message,
// per day and over each requested month or range.
import { local } from '../../extract/windows.ts';
import { countPairs, periodBindings } from '../distinct.sql.ts';
import { defineFamily, query, takeIdSets } from '../family.ts';
import { SCOPED_MESSAGES } from '../message-filters.sql.ts';

const SQL = countPairs(
  `SELECT DISTINCT m.organization_id AS org_id, ${local('m.inserted_at')}::date AS day, m.contact_id AS item
     FROM ${SCOPED_MESSAGES} AND m.flow = 'inbound'`,
  'active_contacts',
);

export const activeContacts = defineFamily({
  name: 'active_contacts',
  source: 'messages',
  periods: true,
  keys: {
    active_contacts: { kind: 'distinct', label: 'Active contacts' },
  },
  run: async ({ glific, scope, periods }) => takeIdSets(await query(glific, SQL, { ...scope.bindings, ...periodBindings(periods) }), 'active_contacts', 'int'),
});
