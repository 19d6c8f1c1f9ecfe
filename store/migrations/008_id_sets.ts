// Per org, local day and distinct key (active_contacts, conversations), the set of ids behind the
// day's value, written in the transaction that writes the value: a range's distinct count is the
// size of the union of its days' sets (lib/id-sets.ts), exact, after Glific purged the messages.
import type { Knex } from 'knex';

const S = 'glific_reports';

export async function up(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).createTable('id_sets', (t) => {
    t.bigInteger('org_id').notNullable();
    t.date('day').notNullable();
    t.text('metric').notNullable();
    // A portable Roaring bitmap of integer ids, or the text ids themselves; one of the two.
    t.binary('ints');
    t.specificType('texts', 'text[]');
    t.integer('size').notNullable();
    t.bigInteger('run_id');
    t.timestamp('computed_at', { useTz: true }).notNullable();
    t.primary(['org_id', 'metric', 'day']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.withSchema(S).dropTable('id_sets');
}
